"""A sweep's results: its trials (values, objective, status, cost), a scatter plot of the
objective against the first parameter, and Promote for the best trial."""

import reflex as rx

from trainpkg_app.state.sweeps import SweepState

STATUS_COLORS = {
    "completed": "green",
    "running": "blue",
    "pending": "blue",
    "queued": "amber",
    "failed": "red",
    "cancelled": "gray",
    "skipped": "gray",
}


def _trial_row(trial: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.hstack(
                rx.text(trial["values"]),
                rx.cond(
                    trial["best"] != "", rx.badge("best", color_scheme="green", high_contrast=True)
                ),
                spacing="2",
                align="center",
            )
        ),
        rx.table.cell(trial["objective"]),
        rx.table.cell(
            rx.vstack(
                rx.badge(
                    trial["status"],
                    color_scheme=rx.match(trial["status"], *STATUS_COLORS.items(), "gray"),
                    high_contrast=True,
                ),
                rx.cond(trial["reason"] != "", rx.text(trial["reason"], size="1")),
                spacing="1",
            )
        ),
        rx.table.cell(trial["cost"]),
        aria_label=trial["name"],
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.el.caption("Sweep trials", class_name="sr-only"),  # the table's name
        rx.table.header(
            rx.table.row(
                *[rx.table.column_header_cell(h) for h in ("Trial", "Objective", "Status", "Cost")]
            )
        ),
        rx.table.body(rx.foreach(SweepState.trials, _trial_row)),
        size="1",
        width="100%",
    )


def _scatter() -> rx.Component:
    return rx.cond(
        SweepState.points.length() > 0,
        rx.el.figure(
            rx.recharts.scatter_chart(
                rx.recharts.scatter(data=SweepState.points, fill="var(--accent-9)", name="trials"),
                rx.recharts.x_axis(
                    data_key="x",
                    name=SweepState.x_parameter,
                    type_="number",
                    scale=rx.cond(SweepState.x_log, "log", "auto"),
                    domain=["dataMin", "dataMax"],
                    ticks=SweepState.x_ticks,  # the values tried
                ),
                rx.recharts.y_axis(
                    data_key="objective", name="objective", type_="number", domain=["auto", "auto"]
                ),
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                rx.recharts.graphing_tooltip(),
                height=220,
                width="100%",
            ),
            rx.el.figcaption(
                "Objective (lower is better) against " + SweepState.x_parameter,
                style={"fontSize": "var(--font-size-1)"},
            ),
            aria_label="Objective against " + SweepState.x_parameter,
            style={"margin": 0, "width": "100%"},
        ),
    )


def sweep_results(feedback: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge(SweepState.sweep["status"], high_contrast=True, id="sweep-status"),
            rx.text(
                "Objective: ",
                SweepState.sweep["objective"],
                " · budget ",
                SweepState.sweep["budget"],
                size="2",
            ),
            spacing="2",
            align="center",
        ),
        rx.cond(SweepState.sweep["message"] != "", rx.text(SweepState.sweep["message"], size="2")),
        feedback,
        _table(),
        _scatter(),
        rx.hstack(
            rx.dialog.close(rx.button("Close", type="button", variant="soft", color_scheme="gray")),
            rx.button("New sweep", type="button", variant="soft", on_click=SweepState.new_sweep),
            rx.cond(
                SweepState.sweep["status"] == "running",
                rx.button(
                    "Cancel sweep",
                    type="button",
                    variant="soft",
                    color_scheme="red",
                    on_click=SweepState.cancel_sweep,
                ),
            ),
            rx.spacer(),
            rx.button(
                rx.cond(
                    SweepState.sweep["best"] != "",
                    "Promote " + SweepState.sweep["best"],
                    "Promote the best trial",
                ),
                type="button",
                disabled=SweepState.sweep["best"] == "",
                on_click=SweepState.promote,
                high_contrast=True,
            ),
            spacing="3",
            width="100%",
        ),
        spacing="3",
        padding_top="3",
        width="100%",
    )
