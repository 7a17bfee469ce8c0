"""The Runs tab's compare panel: the selected runs' curves overlaid (a line and a legend entry
per run), the metric, x axis, smoothing and log scale, the config diff and the CSV download."""

import reflex as rx

from trainpkg_app.components.evaluation_card import evaluation_card
from trainpkg_app.components.form_field import switch_field
from trainpkg_app.components.line_figure import line_figure
from trainpkg_app.core.curves import MAX_SMOOTHING, METRICS, X_AXES
from trainpkg_app.state.run_compare import RunCompareState


def _line(line: rx.Var) -> rx.Component:
    return rx.recharts.line(
        data_key=line["key"],
        name=line["name"],
        stroke=line["color"],
        stroke_width=2,
        dot=False,
        connect_nulls=True,
        is_animation_active=False,
        class_name="compare-line",
    )


def _chart() -> rx.Component:
    return line_figure(
        rx.foreach(RunCompareState.lines, _line),
        rx.recharts.x_axis(data_key="x", type_="number", domain=["dataMin", "dataMax"]),
        rx.recharts.y_axis(
            scale=RunCompareState.y_scale,
            domain=RunCompareState.y_domain,
            allow_data_overflow=True,
            width=70,
        ),
        data=RunCompareState.rows,
        height=320,
        caption="Curves of the compared runs",
        label="Comparison chart",
    )


def _choice(field_id: str, label: str, options: dict[str, str], value, on_change):
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        rx.el.select(
            *[rx.el.option(text, value=key) for key, text in options.items()],
            id=field_id,
            value=value,
            on_change=on_change,
            class_name="native-select",
        ),
        spacing="1",
    )


def _smoothing() -> rx.Component:
    return rx.vstack(
        rx.el.label(
            "Smoothing ",
            RunCompareState.smoothing_text,
            html_for="compare-smoothing",
            class_name="field-label",
        ),
        rx.el.input(
            type="range",
            id="compare-smoothing",
            min=0,
            max=MAX_SMOOTHING,
            step=0.01,
            value=RunCompareState.smoothing,
            on_change=RunCompareState.set_smoothing,
        ),
        spacing="1",
    )


def _controls() -> rx.Component:
    return rx.hstack(
        _choice(
            "compare-metric", "Metric", METRICS, RunCompareState.metric, RunCompareState.set_metric
        ),
        _choice(
            "compare-x-axis", "X axis", X_AXES, RunCompareState.x_axis, RunCompareState.set_x_axis
        ),
        _smoothing(),
        switch_field(
            "Log scale", checked=RunCompareState.log_scale, on_change=RunCompareState.set_log_scale
        ),
        spacing="4",
        align="end",
        wrap="wrap",
    )


def _diff_cell(value: rx.Var) -> rx.Component:
    return rx.table.cell(rx.code(value, variant="ghost"))


def _diff_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.code(row[0], variant="ghost")),
        rx.foreach(row[1:], _diff_cell),
    )


def _diff() -> rx.Component:
    return rx.cond(
        RunCompareState.diff_rows.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.foreach(RunCompareState.diff_header, rx.table.column_header_cell)
                    )
                ),
                rx.table.body(rx.foreach(RunCompareState.diff_rows, _diff_row)),
                size="1",
            ),
            role="region",
            aria_label="Config differences",
            overflow_x="auto",
            width="100%",
        ),
        rx.text("The runs' versions have the same config.", size="2"),
    )


def compare_panel() -> rx.Component:
    return rx.cond(
        RunCompareState.compare_open,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("Compare runs", size="3", as_="h2", id="run-compare-heading"),
                    rx.spacer(),
                    rx.button(
                        "Download CSV",
                        size="1",
                        variant="soft",
                        on_click=RunCompareState.download_csv,
                    ),
                    rx.button(
                        "Close",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        on_click=RunCompareState.close_compare,
                    ),
                    width="100%",
                    align="center",
                ),
                _controls(),
                rx.cond(
                    RunCompareState.axis_note != "",
                    rx.callout(RunCompareState.axis_note, icon="info", size="1", role="status"),
                ),
                _chart(),
                rx.heading("Config differences (against the first run)", size="2", as_="h3"),
                _diff(),
                rx.heading("Evaluation cards", size="2", as_="h3"),
                rx.el.div(
                    rx.foreach(
                        RunCompareState.cards,
                        lambda card, index: evaluation_card(
                            card, f"compare-evaluation-{index}", open_samples=True
                        ),
                    ),
                    class_name="eval-cards",
                    role="group",
                    aria_label="Evaluation cards of the compared runs",
                ),
                spacing="3",
                width="100%",
            ),
            role="region",
            aria_labelledby="run-compare-heading",
            width="100%",
        ),
    )
