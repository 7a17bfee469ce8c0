"""How a step status looks: label, colour and icon (Radix colours adapt to dark mode)."""

import reflex as rx

from trainpkg_app.core.workflow import StepStatus

STATUS_LABELS = {
    StepStatus.NOT_STARTED.value: "Not started",
    StepStatus.IN_PROGRESS.value: "In progress",
    StepStatus.COMPLETED.value: "Completed",
    StepStatus.ERROR.value: "Error",
}
STATUS_COLORS = {
    StepStatus.NOT_STARTED.value: "gray",
    StepStatus.IN_PROGRESS.value: "blue",
    StepStatus.COMPLETED.value: "green",
    StepStatus.ERROR.value: "red",
}


def _match(status: rx.Var, table: dict, default):
    return rx.match(status, *table.items(), default)


def status_icon(status: rx.Var) -> rx.Component:
    """Empty circle, spinner, check or alert; decorative (the badge carries the words)."""
    return rx.match(
        status,
        (StepStatus.IN_PROGRESS.value, rx.spinner(size="2", aria_hidden="true")),
        (
            StepStatus.COMPLETED.value,
            rx.icon("circle-check", color=rx.color("green", 11), aria_hidden="true"),
        ),
        (
            StepStatus.ERROR.value,
            rx.icon("circle-alert", color=rx.color("red", 11), aria_hidden="true"),
        ),
        rx.icon("circle", color=rx.color("gray", 10), aria_hidden="true"),
    )


def status_label(status: rx.Var) -> rx.Var:
    return _match(status, STATUS_LABELS, "Not started")


def status_badge(status: rx.Var) -> rx.Component:
    return rx.badge(
        status_label(status),
        color_scheme=_match(status, STATUS_COLORS, "gray"),
        variant="soft",
        high_contrast=True,
    )
