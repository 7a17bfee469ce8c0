"""The model step's body: search the Hub, or type an id or a local folder, and its size."""

import reflex as rx

from trainpkg_app.components.model_search import model_facts_list, model_search
from trainpkg_app.components.wizard_fields import grid, text_field
from trainpkg_app.state.model_search import ModelSearchState
from trainpkg_app.state.workspace import WorkspaceState


def _typed_id() -> rx.Component:
    return rx.hstack(
        rx.box(
            text_field(
                "model",
                "model_id",
                "Model id",
                placeholder="owner/name",
                hint="A Hub id (Qwen/Qwen2.5-0.5B) or a local folder (/models/mine).",
            ),
            flex="1",
        ),
        rx.button(
            "Look up",
            on_click=ModelSearchState.look_up_typed,
            variant="soft",
            aria_label="Look up model details",
        ),
        align="end",
        width="100%",
    )


def model_body() -> rx.Component:
    return rx.vstack(
        model_search(),
        rx.separator(size="4"),
        _typed_id(),
        model_facts_list(WorkspaceState.model_facts),
        grid(
            text_field(
                "model", "parameters", "Parameters", numeric=True, hint="From the Hub, or type it."
            ),
            text_field(
                "model", "size_gb", "Size on disk (GB)", numeric=True, hint="The weight files."
            ),
        ),
        spacing="3",
        width="100%",
    )
