"""The dataset step: upload or Hub id, attached datasets, detected format, preview and stats."""

import reflex as rx

from trainpkg_app.components.dataset_inspection import inspection
from trainpkg_app.components.dataset_mapping import mapping_dialog
from trainpkg_app.components.dataset_upload import upload
from trainpkg_app.components.feedback import busy_line, problem_callout
from trainpkg_app.components.hub_dataset import checked_badge, hub_choices, hub_facts, hub_mapping
from trainpkg_app.components.wizard_fields import grid, step_error, text_field
from trainpkg_app.state.datasets import DatasetState
from trainpkg_app.state.hub_datasets import HubDatasetState
from trainpkg_app.state.workspace import WorkspaceState


def _hub() -> rx.Component:
    return rx.hstack(
        rx.box(
            text_field("dataset", "new_dataset_id", "Hub dataset id", placeholder="owner/name"),
            flex="1",
        ),
        rx.button("Add dataset", on_click=HubDatasetState.add_hub_dataset),
        align="end",
        width="100%",
    )


def _attached(ref: rx.Var) -> rx.Component:
    dataset_id = ref["dataset_id"].to(str)
    return rx.el.li(
        rx.hstack(
            rx.icon(
                rx.cond(ref["source"] == "upload", "file", "database"), size=16, aria_hidden="true"
            ),
            rx.text(dataset_id),
            rx.cond(ref["rows"], rx.badge(ref["rows"].to(str) + " rows", variant="soft")),
            rx.cond(ref["format"], rx.badge(ref["format"], variant="outline")),
            checked_badge(ref),
            hub_choices(ref),
            rx.spacer(),
            rx.button(
                "Remove",
                on_click=WorkspaceState.remove_dataset(dataset_id),
                variant="ghost",
                color_scheme="red",
                size="1",
                aria_label="Remove " + dataset_id,
            ),
            align="center",
            width="100%",
            wrap="wrap",
        ),
    )


def _attached_list() -> rx.Component:
    return rx.cond(
        WorkspaceState.datasets.length() > 0,
        rx.el.ul(
            rx.foreach(WorkspaceState.datasets, _attached),
            aria_label="Attached datasets",
            class_name="dataset-list",
        ),
        rx.text("No dataset attached yet.", size="2", color=rx.color("gray", 11)),
    )


def _split_fields() -> rx.Component:
    return grid(
        text_field(
            "dataset",
            "train_split_percent",
            "Train split (%)",
            numeric=True,
            hint="The rest is held out for validation. Usual: 50-95 %.",
        ),
        text_field(
            "dataset",
            "split_seed",
            "Split seed",
            numeric=True,
            hint="The same seed gives the same split.",
        ),
    )


def dataset_body() -> rx.Component:
    return rx.vstack(
        upload(),
        _hub(),
        rx.cond(DatasetState.busy != "", busy_line(DatasetState.busy)),
        rx.cond(
            (DatasetState.problem != "") & ~DatasetState.mapping_open,
            problem_callout(DatasetState.problem, element_id="dataset-problem"),
        ),
        _attached_list(),
        step_error("dataset", "datasets"),
        hub_facts(),
        hub_mapping(),
        inspection(),
        _split_fields(),
        mapping_dialog(),
        spacing="3",
        width="100%",
        on_mount=DatasetState.prepare,
    )
