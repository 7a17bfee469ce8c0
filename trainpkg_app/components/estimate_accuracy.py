"""How well the runs were estimated, on the Runs tab: per run, the estimated against the actual
time and cost with the error; above the table, the mean error per target."""

import reflex as rx

from trainpkg_app.state.tabs import TrainingTabsState


def _error_badge(error: rx.Var, what: str) -> rx.Component:
    return rx.cond(
        error != "",
        rx.badge(what, " ", error, variant="soft", color_scheme="gray", high_contrast=True),
    )


def accuracy_cell(run: rx.Var) -> rx.Component:
    """'est 12.0 min / 10.0 min' with the time and cost errors, or a dash before it ended."""
    return rx.cond(
        run["time_error"] != "",
        rx.vstack(
            rx.text(
                run["estimated_time"],
                " est. / ",
                run["actual_time"],
                size="1",
                class_name="estimate-vs-actual",
            ),
            rx.hstack(
                _error_badge(run["time_error"], "time"),
                _error_badge(run["cost_error"], "cost"),
                rx.text(run["estimate_basis"], " estimate", size="1", color=rx.color("gray", 11)),
                spacing="1",
                wrap="wrap",
            ),
            spacing="1",
        ),
        rx.text("—", size="1"),
    )


def _target_line(row: rx.Var) -> rx.Component:
    return rx.text(
        rx.text.strong(row["target"]),
        ": time off by ",
        row["time_error"],
        ", cost off by ",
        row["cost_error"],
        " on average (",
        row["runs"],
        " runs)",
        size="2",
        class_name="estimate-error-line",
    )


def estimate_errors() -> rx.Component:
    """The mean absolute error of the estimates, per target, when a run has both."""
    return rx.cond(
        TrainingTabsState.estimate_errors.length() > 0,
        rx.callout.root(
            rx.callout.text(
                rx.text.strong("Estimate accuracy"),
                rx.foreach(TrainingTabsState.estimate_errors, _target_line),
            ),
            color_scheme="blue",
            high_contrast=True,
            size="1",
            id="estimate-errors",
            role="region",
            aria_label="Estimate accuracy",
        ),
    )
