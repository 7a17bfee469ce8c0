"""The sweep dialog: plan a sweep of a version (parameters with values or ranges, grid or
random, objective, total budget, halving), see its trials and total estimate, start it; or
see the results of the version's sweep (components/sweep_results.py)."""

import reflex as rx

from trainpkg_app.components.feedback import error_and_message
from trainpkg_app.components.sweep_results import sweep_results
from trainpkg_app.core.sweep_form import DEFAULT_FORM
from trainpkg_app.core.sweeps import MAX_AXES, PARAMETERS
from trainpkg_app.state.sweeps import SweepState

ABOUT = (
    "Each trial is a new immutable version: this one's values with the trial's, queued to run "
    "on its target. Values separated by commas make a grid; a range (low and high) is for "
    "random trials (the learning rate is drawn log-uniformly). No trial starts past the total "
    "budget."
)


TRIAL_INDENT = {"marginLeft": "1.25rem"}  # a sweep's trial, under its parent in the history


def sweep_button(version: rx.Var) -> rx.Component:
    """The history entry's "Sweep" button (a version, not a trial)."""
    return rx.button(
        "Sweep",
        size="1",
        variant="soft",
        on_click=SweepState.open_sweep(version["id"], version["label"]),
        aria_label="Sweep " + version["label"],
    )


def trial_badge() -> rx.Component:
    return rx.badge("sweep trial", color_scheme="violet", variant="soft", high_contrast=True)


def _select(name: str, label: str, options: list[tuple[str, str]], default: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"sweep-{name}", class_name="field-label"),
        rx.el.select(
            *[rx.el.option(text, value=value) for value, text in options],
            id=f"sweep-{name}",
            name=name,
            default_value=default,
            class_name="native-select",
        ),
        spacing="1",
    )


def _input(name: str, label: str, placeholder: str = "", width: str = "7em") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"sweep-{name}", class_name="field-label"),
        rx.input(
            id=f"sweep-{name}",
            name=name,
            default_value=DEFAULT_FORM[name],
            placeholder=placeholder,
            auto_complete="off",
            width=width,
        ),
        spacing="1",
    )


def _axis(n: int) -> rx.Component:
    options = [(name, name.replace("_", " ")) for name in PARAMETERS]
    if n > 1:
        options = [("none", "(none)"), *options]
    return rx.hstack(
        _select(f"param_{n}", f"Parameter {n}", options, DEFAULT_FORM[f"param_{n}"] or "none"),
        _input(f"values_{n}", "Values", "1e-4, 3e-4", width="11em"),
        _input(f"low_{n}", "or low"),
        _input(f"high_{n}", "high"),
        spacing="2",
        wrap="wrap",
        align="end",
    )


def _settings() -> rx.Component:
    return rx.hstack(
        _select("mode", "Trials", [("grid", "Grid"), ("random", "Random")], "grid"),
        _input("trials", "Random trials", width="6em"),
        _input("seed", "Seed", width="6em"),
        _select(
            "objective",
            "Objective",
            [("eval_loss", "Eval loss"), ("train_loss", "Final train loss")],
            "eval_loss",
        ),
        spacing="2",
        wrap="wrap",
        align="end",
    )


def _budget() -> rx.Component:
    return rx.hstack(
        _input("budget", "Total budget", width="6em"),
        _select("budget_kind", "in", [("usd", "dollars"), ("hours", "hours")], "usd"),
        _input("halving_step", "Halve at step", "none", width="7em"),
        rx.el.label(
            rx.checkbox(name="trim", default_checked=True),
            " Trim to fit",
            class_name="field-label",
            style={"display": "flex", "gap": "0.4em", "alignItems": "center"},
        ),
        spacing="2",
        wrap="wrap",
        align="end",
    )


def _planned_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row["label"]),
        rx.table.cell(row["cost"]),
        rx.table.cell(row["hours"]),
        rx.table.cell(row["verdict"]),
    )


def _plan() -> rx.Component:
    return rx.cond(
        SweepState.planned.length() > 0,
        rx.vstack(
            rx.text(SweepState.plan_total, size="2", weight="medium", id="sweep-plan-total"),
            rx.cond(SweepState.plan_note != "", rx.text(SweepState.plan_note, size="2")),
            rx.table.root(
                rx.el.caption("Planned trials", class_name="sr-only"),  # the table's name
                rx.table.header(
                    rx.table.row(
                        *[rx.table.column_header_cell(h) for h in ("Trial", "Cost", "Time", "")]
                    )
                ),
                rx.table.body(rx.foreach(SweepState.planned, _planned_row)),
                size="1",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
    )


def _feedback() -> rx.Component:
    return error_and_message(SweepState.error, SweepState.message, "sweep-message")


def _plan_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            *[_axis(n) for n in range(1, MAX_AXES + 1)],
            _settings(),
            _budget(),
            _feedback(),
            _plan(),
            rx.hstack(
                rx.dialog.close(
                    rx.button("Close", type="button", variant="soft", color_scheme="gray")
                ),
                rx.spacer(),
                rx.button("Preview trials", type="submit", variant="soft"),
                rx.button(
                    "Start sweep",
                    type="button",
                    disabled=~SweepState.can_start,
                    on_click=SweepState.start_sweep,
                    high_contrast=True,
                ),
                spacing="3",
                width="100%",
            ),
            spacing="3",
            padding_top="3",
        ),
        on_submit=SweepState.preview,
        reset_on_submit=False,
    )


def sweep_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Sweep " + SweepState.version_label),
            rx.dialog.description(rx.text(ABOUT, size="2")),
            rx.cond(SweepState.sweep_id != "", sweep_results(_feedback()), _plan_form()),
            max_width="52rem",
        ),
        open=SweepState.dialog_open,
        on_open_change=SweepState.set_dialog_open,
    )
