"""Feedback shown while work runs or after it failed."""

import reflex as rx


def busy_line(text: rx.Var | str) -> rx.Component:
    """A spinner and what is being done, announced politely."""
    return rx.hstack(rx.spinner(size="1"), rx.text(text, size="2"), align="center", role="status")


def problem_callout(message: rx.Var, *, color: str = "red", element_id: str = "") -> rx.Component:
    """A failure and its fix, announced at once (role="alert")."""
    return rx.callout(
        message,
        icon="triangle-alert",
        color_scheme=color,
        high_contrast=True,
        role="alert",
        width="100%",
        **({"id": element_id} if element_id else {}),
    )
