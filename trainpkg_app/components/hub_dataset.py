"""A Hub dataset on the dataset step: its config and split pickers, whether the dataset viewer
checked it, and what the viewer reported."""

import reflex as rx

from trainpkg_app.state.datasets import DatasetState
from trainpkg_app.state.step_data import StepDataState


def _choice_select(dataset_id: rx.Var, field: str, value: rx.Var, options: rx.Var) -> rx.Component:
    return rx.el.label(
        rx.text.span(field.title(), class_name="field-label"),
        rx.el.select(
            rx.foreach(options, lambda option: rx.el.option(option, value=option)),
            value=value,
            on_change=lambda choice: DatasetState.choose_hub_split(dataset_id, field, choice),
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
    choices = StepDataState.dataset_choices[dataset_id]
    return rx.cond(
        StepDataState.dataset_choices.contains(dataset_id),
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
        DatasetState.hub_view.length() > 0,
        rx.el.table(
            rx.el.caption("Checked with the Hub's dataset viewer", class_name="field-label"),
            rx.el.tbody(
                *[
                    rx.el.tr(rx.el.th(label, scope="row"), rx.el.td(DatasetState.hub_view[key]))
                    for key, label in HUB_FACTS
                ]
            ),
            class_name="stats-table",
            aria_label="Hub dataset",
        ),
    )
