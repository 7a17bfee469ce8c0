"""A Hub dataset on the dataset step: its config and split pickers, whether the dataset viewer
checked it, and what the viewer reported."""

import reflex as rx

from trainpkg_app.components.dataset_mapping import column_select, format_select
from trainpkg_app.state.hub_datasets import HubDatasetState
from trainpkg_app.state.workspace import WorkspaceState


def _choice_select(dataset_id: rx.Var, field: str, value: rx.Var, options: rx.Var) -> rx.Component:
    return rx.el.label(
        rx.text.span(field.title(), class_name="field-label"),
        rx.el.select(
            rx.foreach(options, lambda option: rx.el.option(option, value=option)),
            value=value,
            on_change=lambda choice: HubDatasetState.choose_hub_split(dataset_id, field, choice),
            aria_label=f"{field.title()} of " + dataset_id,
            class_name="native-select compact-select",
        ),
        class_name="inline-choice",
    )


def checked_badge(ref: rx.Var) -> rx.Component:
    return rx.cond(
        ref["source"] == "upload",
        rx.fragment(),
        rx.cond(
            ref["viewer_checked"] == "true",
            rx.badge("checked", color_scheme="green", variant="soft"),
            rx.badge("not checked", color_scheme="orange", variant="soft"),
        ),
    )


def hub_choices(ref: rx.Var) -> rx.Component:
    """Config and split pickers, for a Hub dataset the viewer listed."""
    dataset_id = ref["dataset_id"].to(str)
    choices = WorkspaceState.dataset_choices[dataset_id]
    return rx.cond(
        WorkspaceState.dataset_choices.contains(dataset_id),
        rx.hstack(
            _choice_select(dataset_id, "config", ref["config"].to(str), choices["configs"]),
            _choice_select(dataset_id, "split", ref["split"].to(str), choices["splits"]),
            spacing="2",
        ),
    )


HUB_FACTS = [
    ("dataset_id", "Dataset"),
    ("config", "Config"),
    ("split", "Split"),
    ("rows", "Rows"),
    ("size", "Size"),
]


def hub_facts() -> rx.Component:
    """The Hub split last checked: what the dataset viewer reported."""
    return rx.cond(
        HubDatasetState.view.length() > 0,
        rx.el.table(
            rx.el.caption(
                "Checked with the Hub's dataset viewer",
                class_name="field-label",
                text_align="left",
                white_space="nowrap",
            ),
            rx.el.tbody(
                *[
                    rx.el.tr(rx.el.th(label, scope="row"), rx.el.td(HubDatasetState.view[key]))
                    for key, label in HUB_FACTS
                ]
            ),
            class_name="stats-table",
            aria_label="Hub dataset",
        ),
    )


def _column_select(field: rx.Var) -> rx.Component:
    return column_select("hub-map-", field, HubDatasetState.map_columns, name=field)


def hub_mapping() -> rx.Component:
    """Columns of a Hub split that match no format, mapped as for an upload."""
    return rx.cond(
        HubDatasetState.map_columns.length() > 0,
        rx.form(
            rx.vstack(
                rx.text("Map the Hub dataset's columns", weight="medium", size="2"),
                rx.el.label("Format", html_for="hub-map-format", class_name="field-label"),
                format_select(
                    "hub-map-format",
                    value=HubDatasetState.map_format,
                    on_change=HubDatasetState.set_map_format,
                ),
                rx.foreach(HubDatasetState.map_fields, _column_select),
                rx.button("Use this mapping", type="submit"),
                spacing="2",
                width="100%",
            ),
            on_submit=HubDatasetState.map_hub_columns,
            reset_on_submit=False,
            aria_label="Map the Hub dataset's columns",
            width="100%",
        ),
    )
