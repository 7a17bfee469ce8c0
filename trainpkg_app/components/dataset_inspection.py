"""What the dataset step shows of an inspected dataset: its format, chat template, token
statistics and the first rows as the model sees them."""

import reflex as rx

from trainpkg_app.components.wizard_fields import select_field
from trainpkg_app.core.chat_format import CHOICE_LABELS
from trainpkg_app.core.dataset_preview import MODEL_TEMPLATE
from trainpkg_app.core.step_data import DatasetStep
from trainpkg_app.core.vocabulary import field_values, options
from trainpkg_app.state.datasets import DatasetState

TEMPLATES = options(field_values(DatasetStep, "chat_template"), CHOICE_LABELS)
STAT_LABELS = [
    ("rows", "Rows"),
    ("min", "Min tokens"),
    ("mean", "Mean tokens"),
    ("p95", "p95 tokens"),
    ("max", "Max tokens"),
    ("over_max", "Over max length (truncated)"),
]


def _segment(segment: rx.Var) -> rx.Component:
    return rx.cond(
        segment["loss"] != "",
        rx.el.mark(segment["text"], class_name="loss-tokens"),
        rx.el.span(segment["text"], class_name="template-tokens"),
    )


def _preview_row(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.text(
            row["tokens"].to(str),
            " tokens, ",
            row["loss"].to(str),
            " carry the loss",
            size="1",
            color=rx.color("gray", 11),
        ),
        rx.el.pre(
            rx.foreach(row["segments"].to(list[dict[str, str]]), _segment),
            class_name="yaml-preview",
        ),
    )


def _legend() -> rx.Component:
    return rx.hstack(
        rx.el.mark("answer", class_name="loss-tokens"),
        rx.text("carries the loss (trained on)", size="1"),
        rx.el.span("prompt", class_name="template-tokens legend-swatch"),
        rx.text("template and prompt: no loss", size="1"),
        align="center",
        spacing="2",
        wrap="wrap",
        aria_label="Legend",
    )


def _template_choice() -> rx.Component:
    return rx.cond(
        DatasetState.template_line != MODEL_TEMPLATE,
        select_field(
            "dataset", "chat_template", "Chat template", TEMPLATES, then=DatasetState.measure
        ),
    )


def _stats_table() -> rx.Component:
    return rx.vstack(
        rx.el.table(
            rx.el.tbody(
                *[
                    rx.el.tr(rx.el.th(label, scope="row"), rx.el.td(DatasetState.stats[key]))
                    for key, label in STAT_LABELS
                ]
            ),
            class_name="stats-table",
            aria_label="Dataset statistics",
        ),
        rx.text(
            "Token counts: ", DatasetState.stats["method"], size="1", color=rx.color("gray", 11)
        ),
    )


def _stats() -> rx.Component:
    return rx.cond(
        DatasetState.measured >= 0,
        rx.vstack(
            rx.text("Counting the tokens of every row…", size="2"),
            rx.progress(value=DatasetState.measured, max=100, aria_label="Token count progress"),
            width="100%",
        ),
        rx.cond(DatasetState.stats.length() > 0, _stats_table()),
    )


def inspection() -> rx.Component:
    return rx.cond(
        DatasetState.format_label != "",
        rx.vstack(
            rx.hstack(
                rx.text("Detected format:", weight="medium", size="2"),
                rx.badge(DatasetState.format_label, high_contrast=True),
                align="center",
            ),
            rx.text("Chat template: ", DatasetState.template_line, size="2", id="template-line"),
            _template_choice(),
            _stats(),
            rx.text("What the model sees in the first rows:", weight="medium", size="2"),
            _legend(),
            rx.el.ol(
                rx.foreach(DatasetState.preview, _preview_row),
                aria_label="Preview",
                class_name="preview-list",
            ),
            spacing="2",
            width="100%",
        ),
    )
