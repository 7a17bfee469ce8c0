"""The dataset step's upload: a drop zone for one file, then upload and inspect it."""

from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from trainpkg_app.settings import get_settings
from trainpkg_app.state.datasets import UPLOAD_ID, DatasetState


def _rejected(rejected: rx.Var):
    """Send only "name|code,code" per refused file: the File itself must stay in the browser
    (a large one would exceed the websocket's message limit)."""

    def describe(record: rx.Var) -> rx.Var:
        record = record.to(ObjectVar, dict[str, dict[str, Any]])
        name = record["file"].to(ObjectVar, dict[str, Any])["path"].to(str)
        codes = record["errors"].to(ArrayVar, list[dict[str, Any]]).map(lambda e: e["code"])
        return name + "|" + codes.join(",")

    return DatasetState.files_rejected(rejected.to(ArrayVar).map(describe))


def _drop_zone() -> rx.Component:
    return rx.el.label(
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
    )


def _send() -> rx.Component:
    """The chosen file's name and the button that uploads it."""
    return rx.hstack(
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
    )


def upload() -> rx.Component:
    return rx.vstack(
        rx.text("Upload a file", class_name="field-label"),
        _drop_zone(),
        _send(),
        rx.cond(
            (DatasetState.progress > 0) & (DatasetState.progress < 100),
            rx.progress(value=DatasetState.progress, max=100, aria_label="Upload progress"),
        ),
        spacing="2",
        width="100%",
    )
