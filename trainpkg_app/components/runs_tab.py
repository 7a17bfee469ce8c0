"""The Runs tab: every deployment with its status, duration and cost, linked to its version;
tick 2-8 of them to compare their curves."""

import reflex as rx

from trainpkg_app.components.estimate_accuracy import accuracy_cell, estimate_errors
from trainpkg_app.components.run_compare import compare_panel
from trainpkg_app.components.run_queue import queue_section
from trainpkg_app.state.run_compare import RunCompareState
from trainpkg_app.state.tabs import TrainingTabsState

COLUMNS = [
    "Compare",
    "Package",
    "Version",
    "Target",
    "Status",
    "Started",
    "Duration",
    "Est. cost",
    "Actual cost",
    "Evaluation",
    "Estimate vs actual",
    "",
]


def _select_box(run: rx.Var) -> rx.Component:
    return rx.checkbox(
        checked=RunCompareState.selected.contains(run["id"]),
        on_change=lambda value: RunCompareState.select_run(run["id"], value),
        aria_label="Select " + run["version"] + " run " + run["run_number"],
    )


def _compare_bar() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Compare selected",
            size="2",
            disabled=~RunCompareState.can_compare,
            on_click=RunCompareState.compare,
        ),
        rx.text(RunCompareState.selection_label, size="2", color=rx.color("gray", 11)),
        rx.cond(
            RunCompareState.message != "",
            rx.text(RunCompareState.message, size="2", color=rx.color("red", 11), role="alert"),
        ),
        align="center",
        spacing="3",
        wrap="wrap",
    )


def _row(run: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_select_box(run)),
        rx.table.cell(run["package"]),
        rx.table.row_header_cell(run["version"]),
        rx.table.cell(run["target"]),
        rx.table.cell(rx.badge(run["status"], high_contrast=True)),
        rx.table.cell(
            rx.cond(run["started"] != "", rx.moment(run["started"], format="YYYY-MM-DD HH:mm"), "—")
        ),
        rx.table.cell(run["duration"]),
        rx.table.cell(run["estimated_cost"]),
        rx.table.cell(run["actual_cost"]),
        rx.table.cell(rx.text(run["evaluation"], size="1"), class_name="run-evaluation"),
        rx.table.cell(accuracy_cell(run)),
        rx.table.cell(
            rx.button(
                "Open version",
                size="1",
                variant="soft",
                on_click=TrainingTabsState.open_version(run["package_id"]),
                aria_label="Open " + run["version"],
            )
        ),
    )


def runs_tab() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Every training run, newest first. Status and costs come from the database, so "
            "they stay right when the tab was closed.",
            color=rx.color("gray", 11),
        ),
        queue_section(),
        estimate_errors(),
        rx.cond(TrainingTabsState.runs.length() > 1, _compare_bar()),
        rx.cond(
            TrainingTabsState.runs.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(*[rx.table.column_header_cell(c) for c in COLUMNS])
                    ),
                    rx.table.body(rx.foreach(TrainingTabsState.runs, _row)),
                    size="1",
                ),
                role="region",
                aria_label="Runs",
                width="100%",
            ),
            rx.text("No runs yet: publish a version and press Deploy.", size="2"),
        ),
        compare_panel(),
        spacing="3",
        padding_top="4",
        width="100%",
    )
