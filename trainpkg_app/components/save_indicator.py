"""'Saving…', 'Saved at HH:MM:SS', 'Unsaved changes', '…retrying' or 'Conflict'."""

import reflex as rx


def save_indicator(status: rx.Var, saved_at: rx.Var, detail: rx.Var) -> rx.Component:
    saved_label = rx.cond(
        saved_at != "",
        rx.fragment("Saved at ", rx.moment(saved_at, format="HH:mm:ss")),
        rx.fragment("Saved"),
    )
    return rx.hstack(
        rx.match(
            status,
            ("saving", rx.spinner(size="1")),
            ("saved", rx.icon("cloud-check", size=16, aria_hidden="true")),
            ("conflict", rx.icon("git-compare-arrows", size=16, aria_hidden="true")),
            rx.icon("cloud-alert", size=16, aria_hidden="true"),
        ),
        rx.text(
            rx.match(
                status,
                ("saving", rx.fragment("Saving…")),
                ("saved", saved_label),
                ("retrying", rx.fragment("Unsaved changes: retrying")),
                ("conflict", rx.fragment("Conflict")),
                rx.fragment("Unsaved changes"),
            ),
            size="2",
            weight="medium",
        ),
        id="save-indicator",
        role="status",
        title=detail,
        align="center",
        spacing="1",
        color=rx.match(
            status,
            ("conflict", rx.color("red", 11)),
            ("retrying", rx.color("amber", 11)),
            rx.color("gray", 11),
        ),
    )
