"""A recharts line chart with its legend and tooltip, in a figure that screen readers name."""

import reflex as rx


def line_figure(
    *parts: rx.Component, data: rx.Var, height: int, caption: str, label: str
) -> rx.Component:
    """``parts``: the lines, axes and marks; ``caption`` is read out, ``label`` names it."""
    return rx.el.figure(
        rx.recharts.line_chart(
            *parts,
            rx.recharts.legend(),
            rx.recharts.graphing_tooltip(),
            data=data,
            height=height,
            width="100%",
        ),
        rx.el.figcaption(caption, class_name="sr-only"),
        aria_label=label,
        style={"margin": 0, "width": "100%"},
    )
