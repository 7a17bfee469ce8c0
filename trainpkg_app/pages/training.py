"""The Training page: its first tab holds the Training Packages wizard."""

import reflex as rx

from trainpkg_app.components.page_header import page_header
from trainpkg_app.components.wizard import wizard

TITLE = "Training"
DESCRIPTION = (
    "Assemble a training package in four steps (model, config, dataset, deploy), "
    "publish it as an immutable version, and run it here or on the Hugging Face Hub."
)


def _packages_tab() -> rx.Component:
    return rx.vstack(
        rx.heading("Training Packages", as_="h2", size="5"),
        rx.text(
            "A training package bundles a base model, a training config, datasets and a "
            "deploy target. Drafts save themselves; published versions never change.",
            color=rx.color("gray", 11),
        ),
        wizard(),
        spacing="4",
        padding_top="4",
    )


def training_page() -> rx.Component:
    return rx.container(
        page_header(TITLE, DESCRIPTION),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Training Packages", value="packages"),
            ),
            rx.tabs.content(_packages_tab(), value="packages"),
            default_value="packages",
            width="100%",
        ),
        size="4",
        padding_y="6",
    )
