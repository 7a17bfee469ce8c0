"""The dataset step: upload or Hub id, attached datasets, detected format, preview and stats."""

from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from trainpkg_app.components.feedback import busy_line, problem_callout
from trainpkg_app.components.hub_dataset import checked_badge, hub_choices, hub_facts, hub_mapping
from trainpkg_app.components.wizard_fields import grid, select_field, step_error, text_field
from trainpkg_app.core.chat_format import CHOICE_LABELS
from trainpkg_app.core.dataset_formats import FORMAT_LABELS
from trainpkg_app.core.dataset_preview import MODEL_TEMPLATE
from trainpkg_app.settings import get_settings
from trainpkg_app.state.datasets import MAPPABLE, UPLOAD_ID, DatasetState
from trainpkg_app.state.hub_datasets import HubDatasetState
from trainpkg_app.state.workspace import WorkspaceState

STAT_LABELS = [
    ("rows", "Rows"),
    ("min", "Min tokens"),
    ("mean", "Mean tokens"),
    ("p95", "p95 tokens"),
    ("max", "Max tokens"),
    ("over_max", "Over max length (truncated)"),
]


def _rejected(rejected: rx.Var):
    """Send only "name|code,code" per refused file: the File itself must stay in the browser
    (a large one would exceed the websocket's message limit)."""

    def describe(record: rx.Var) -> rx.Var:
        record = record.to(ObjectVar, dict[str, dict[str, Any]])
        name = record["file"].to(ObjectVar, dict[str, Any])["path"].to(str)
        codes = record["errors"].to(ArrayVar, list[dict[str, Any]]).map(lambda e: e["code"])
        return name + "|" + codes.join(",")

    return DatasetState.files_rejected(rejected.to(ArrayVar).map(describe))


def _upload() -> rx.Component:
    return rx.vstack(
        rx.text("Upload a file", class_name="field-label"),
        rx.el.label(
            rx.upload.root(
                rx.vstack(
                    rx.icon("upload", aria_hidden="true"),
                    rx.text("Drop a file here, or click to choose one.", size="2"),
                    rx.text(DatasetState.limit_label, size="1", color=rx.color("gray", 11)),
                    align="center",
                    spacing="1",
                ),
                id=UPLOAD_ID,
                max_files=1,
                max_size=get_settings().max_upload_bytes,
                on_drop_rejected=_rejected,
                accept={
                    "application/json": [".json", ".jsonl"],
                    "text/csv": [".csv"],
                    "application/octet-stream": [".parquet", ".jsonl"],
                },
                class_name="upload-zone",
            ),
            rx.text.span("Dataset file", class_name="sr-only"),
            width="100%",
        ),
        rx.hstack(
            rx.foreach(rx.selected_files(UPLOAD_ID), lambda name: rx.text(name, size="2")),
            rx.button(
                "Upload and inspect",
                on_click=[
                    DatasetState.start_upload,
                    DatasetState.handle_upload(
                        rx.upload_files(
                            upload_id=UPLOAD_ID, on_upload_progress=DatasetState.set_progress
                        )
                    ),
                ],
                loading=DatasetState.uploading,
                disabled=DatasetState.uploading,
            ),
            align="center",
            spacing="3",
        ),
        rx.cond(
            (DatasetState.progress > 0) & (DatasetState.progress < 100),
            rx.progress(value=DatasetState.progress, max=100, aria_label="Upload progress"),
        ),
        spacing="2",
        width="100%",
    )


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
            "dataset",
            "chat_template",
            "Chat template",
            list(CHOICE_LABELS.items()),
            then=DatasetState.measure,
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
        rx.cond(
            DatasetState.stats.length() > 0,
            rx.vstack(
                rx.el.table(
                    rx.el.tbody(
                        *[
                            rx.el.tr(
                                rx.el.th(label, scope="row"), rx.el.td(DatasetState.stats[key])
                            )
                            for key, label in STAT_LABELS
                        ]
                    ),
                    class_name="stats-table",
                    aria_label="Dataset statistics",
                ),
                rx.text(
                    "Token counts: ",
                    DatasetState.stats["method"],
                    size="1",
                    color=rx.color("gray", 11),
                ),
            ),
        ),
    )


def _inspection() -> rx.Component:
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


def mapping_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Map the columns"),
            rx.dialog.description(
                "The format was not recognised. Say which columns hold what.", size="2"
            ),
            rx.vstack(
                rx.el.label("Format", html_for="mapping-format", class_name="field-label"),
                rx.el.select(
                    *[rx.el.option(FORMAT_LABELS[kind], value=kind.value) for kind in MAPPABLE],
                    id="mapping-format",
                    value=DatasetState.mapping_format,
                    on_change=DatasetState.set_mapping_format,
                    class_name="native-select",
                ),
                rx.foreach(
                    DatasetState.mapping_fields,
                    lambda field: rx.vstack(
                        rx.el.label(
                            "Column for " + field,
                            html_for="mapping-" + field,
                            class_name="field-label",
                        ),
                        rx.el.select(
                            rx.el.option("Choose a column", value=""),
                            rx.foreach(
                                DatasetState.mapping_columns,
                                lambda column: rx.el.option(column, value=column),
                            ),
                            id="mapping-" + field,
                            value=DatasetState.mapping.get(field, ""),
                            on_change=lambda column: DatasetState.set_mapping_column(field, column),
                            class_name="native-select",
                        ),
                        spacing="1",
                        width="100%",
                    ),
                ),
                rx.cond(
                    DatasetState.problem != "",
                    rx.text(
                        DatasetState.problem, color=rx.color("red", 11), size="2", role="alert"
                    ),
                ),
                rx.hstack(
                    rx.button(
                        "Cancel",
                        variant="soft",
                        color_scheme="gray",
                        on_click=DatasetState.cancel_mapping,
                    ),
                    rx.button("Use this mapping", on_click=DatasetState.apply_mapping),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                spacing="2",
                padding_top="3",
            ),
        ),
        open=DatasetState.mapping_open,
    )


def dataset_body() -> rx.Component:
    return rx.vstack(
        _upload(),
        _hub(),
        rx.cond(DatasetState.busy != "", busy_line(DatasetState.busy)),
        rx.cond(
            (DatasetState.problem != "") & ~DatasetState.mapping_open,
            problem_callout(DatasetState.problem, element_id="dataset-problem"),
        ),
        rx.cond(
            WorkspaceState.datasets.length() > 0,
            rx.el.ul(
                rx.foreach(WorkspaceState.datasets, _attached),
                aria_label="Attached datasets",
                class_name="dataset-list",
            ),
            rx.text("No dataset attached yet.", size="2", color=rx.color("gray", 11)),
        ),
        step_error("dataset", "datasets"),
        hub_facts(),
        hub_mapping(),
        _inspection(),
        grid(
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
        ),
        mapping_dialog(),
        spacing="3",
        width="100%",
        on_mount=DatasetState.prepare,
    )
