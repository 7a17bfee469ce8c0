"""Shown when the draft was saved elsewhere: nothing is overwritten until the user chooses."""

import reflex as rx

from trainpkg_app.state.drafts import DraftState
from trainpkg_app.state.save_status import SaveStatusState


def conflict_banner() -> rx.Component:
    return rx.cond(
        SaveStatusState.status == "conflict",
        rx.callout.root(
            rx.callout.icon(rx.icon("git-compare-arrows")),
            rx.vstack(
                rx.callout.text(
                    SaveStatusState.detail,
                    " Your edits are still here and nothing was overwritten.",
                ),
                rx.hstack(
                    rx.button(
                        "Load the newer draft",
                        on_click=DraftState.reload_newer,
                        variant="soft",
                        color_scheme="gray",
                    ),
                    rx.button("Keep mine as a new draft", on_click=DraftState.keep_mine_as_new),
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
