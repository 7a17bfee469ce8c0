"""Shown when the draft was saved elsewhere: nothing is overwritten until the user chooses."""

import reflex as rx

from trainpkg_app.core.autosave import CONFLICT
from trainpkg_app.state.workspace import WorkspaceState


def conflict_banner() -> rx.Component:
    return rx.cond(
        WorkspaceState.status == CONFLICT,
        rx.callout.root(
            rx.callout.icon(rx.icon("git-compare-arrows")),
            rx.vstack(
                rx.callout.text(
                    WorkspaceState.detail,
                    " Your edits are still here and nothing was overwritten.",
                ),
                rx.hstack(
                    rx.button(
                        "Load the newer draft",
                        on_click=WorkspaceState.reload_newer,
                        variant="soft",
                        color_scheme="gray",
                    ),
                    rx.button("Keep mine as a new draft", on_click=WorkspaceState.keep_mine_as_new),
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="2",
            ),
            color_scheme="red",
            high_contrast=True,
            role="alert",
            width="100%",
        ),
    )
