"""The run queue: the Deploy step's Queue button, and the Runs tab's list of waiting runs with
their position, why they wait, reorder and cancel."""

import reflex as rx

from trainpkg_app.state.run_queue import RunQueueState

COLUMNS = ["#", "Package", "Version", "Target", "Status", "Order", ""]


def queue_button() -> rx.Component:
    """Beside Deploy: queue the newest published version instead of starting it now."""
    return rx.button(
        rx.icon("list-plus", size=14, aria_hidden="true"),
        "Queue latest version",
        variant="soft",
        on_click=RunQueueState.queue_latest,
        id="queue-latest",
    )


def queue_message() -> rx.Component:
    return rx.cond(
        RunQueueState.message != "",
        rx.text(RunQueueState.message, size="2", id="queue-message", role="status"),
    )


def _order_buttons(entry: rx.Var) -> rx.Component:
    label = entry["version"] + " (position " + entry["position"] + ")"
    return rx.hstack(
        rx.icon_button(
            rx.icon("arrow-up", size=14, aria_hidden="true"),
            size="1",
            variant="soft",
            disabled=entry["position"] == "1",
            on_click=RunQueueState.move(entry["id"], -1),
            aria_label="Move up " + label,
        ),
        rx.icon_button(
            rx.icon("arrow-down", size=14, aria_hidden="true"),
            size="1",
            variant="soft",
            disabled=entry["position"] == RunQueueState.rows.length().to_string(),
            on_click=RunQueueState.move(entry["id"], 1),
            aria_label="Move down " + label,
        ),
        spacing="1",
    )


def _row(entry: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(entry["position"]),
        rx.table.cell(entry["package"]),
        rx.table.row_header_cell(entry["version"]),
        rx.table.cell(entry["target"]),
        rx.table.cell(
            rx.vstack(
                rx.badge(entry["status"], high_contrast=True),
                rx.text(entry["reason"], size="1", color=rx.color("gray", 11)),
                spacing="1",
            )
        ),
        rx.table.cell(_order_buttons(entry)),
        rx.table.cell(
            rx.button(
                "Cancel",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=RunQueueState.cancel(entry["id"]),
                aria_label="Cancel queued " + entry["version"],
            )
        ),
    )


def queue_section() -> rx.Component:
    """The Runs tab's queue: loaded when the tab opens, followed while entries wait."""
    return rx.vstack(
        rx.hstack(
            rx.heading("Queue", as_="h3", size="3"),
            rx.cond(
                RunQueueState.live,
                rx.badge("live", color_scheme="green", variant="soft", high_contrast=True),
            ),
            align="center",
        ),
        rx.cond(
            RunQueueState.queue_message != "",
            rx.text(RunQueueState.queue_message, size="2", color=rx.color("red", 11), role="alert"),
        ),
        rx.cond(
            RunQueueState.rows.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(*[rx.table.column_header_cell(c) for c in COLUMNS])
                    ),
                    rx.table.body(rx.foreach(RunQueueState.rows, _row)),
                    size="1",
                ),
                role="region",
                aria_label="Run queue",
                width="100%",
                id="run-queue",
            ),
            rx.text(
                "Nothing queued. In Deploy, Queue runs a version when its target is free: "
                "one run at a time on this machine.",
                size="2",
                color=rx.color("gray", 11),
            ),
        ),
        on_mount=RunQueueState.refresh,
        spacing="2",
        width="100%",
    )
