"""'Saving…', 'Saved at HH:MM:SS', 'Unsaved changes', '…retrying' or 'Conflict'."""

import reflex as rx

from trainpkg_app.core.autosave import CONFLICT, RETRYING, SAVED, SAVING


def save_indicator(status: rx.Var, saved_at: rx.Var, detail: rx.Var) -> rx.Component:
    saved_label = rx.cond(
        saved_at != "",
        rx.fragment("Saved at ", rx.moment(saved_at, format="HH:mm:ss")),
        rx.fragment("Saved"),
    )
    return rx.hstack(
        rx.match(
            status,
            (SAVING, rx.spinner(size="1")),
            (SAVED, rx.icon("cloud-check", size=16, aria_hidden="true")),
            (CONFLICT, rx.icon("git-compare-arrows", size=16, aria_hidden="true")),
            rx.icon("cloud-alert", size=16, aria_hidden="true"),
        ),
        rx.text(
            rx.match(
                status,
                (SAVING, rx.fragment("Saving…")),
                (SAVED, saved_label),
                (RETRYING, rx.fragment("Unsaved changes: retrying")),
                (CONFLICT, rx.fragment("Conflict")),
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
            (CONFLICT, rx.color("red", 11)),
            (RETRYING, rx.color("amber", 11)),
            rx.color("gray", 11),
        ),
    )
