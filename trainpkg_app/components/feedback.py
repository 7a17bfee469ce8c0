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


def error_and_message(error: rx.Var, message: rx.Var, message_id: str) -> rx.Component:
    """A dialog's last error (role="alert") and its last news (role="status"), each when set."""
    return rx.fragment(
        rx.cond(error != "", rx.text(error, color=rx.color("red", 11), size="2", role="alert")),
        rx.cond(message != "", rx.text(message, size="2", role="status", id=message_id)),
    )
