"""The collapsible header of one wizard step."""

import reflex as rx
from reflex.event import EventType

from trainpkg_app.components.status import status_badge, status_icon, status_label
from trainpkg_app.core.workflow import StepStatus


def _warnings_badge(warning_count: rx.Var) -> rx.Component:
    return rx.cond(
        warning_count > 0,
        rx.badge(
            rx.icon("triangle-alert", size=12, aria_hidden="true"),
            warning_count,
            rx.cond(warning_count == 1, " warning", " warnings"),
            color_scheme="amber",
            variant="soft",
            high_contrast=True,
        ),
    )


def _title_row(
    number: int,
    title: str,
    status: rx.Var,
    *,
    is_open: rx.Var,
    summary: rx.Var,
    needs_recheck: rx.Var,
    warning_count: rx.Var,
) -> rx.Component:
    """Icon, number and title, the badges, and the summary of a closed step."""
    return rx.hstack(
        status_icon(status),
        rx.text(f"{number}. {title}", weight="bold", size="4"),
        status_badge(status),
        rx.cond(
            needs_recheck,
            rx.badge("Needs re-check", color_scheme="amber", variant="outline"),
        ),
        _warnings_badge(warning_count),
        rx.cond(
            ~is_open & (summary != ""),
            rx.text(summary, size="2", color=rx.color("gray", 11), trim="both", truncate=True),
        ),
        rx.el.span(rx.text.span("Status: ", status_label(status)), class_name="sr-only"),
        align="center",
        spacing="3",
        width="100%",
    )


def step_header(
    *,
    step_id: str,
    number: int,
    title: str,
    status: rx.Var,
    is_open: rx.Var,
    is_current: rx.Var,
    summary: rx.Var,
    needs_recheck: rx.Var,
    warning_count: rx.Var,
    on_toggle: EventType,
    on_edit: EventType,
) -> rx.Component:
    """A native button (Enter/Space toggle it) plus an Edit button on completed steps."""
    toggle = rx.el.button(
        _title_row(
            number,
            title,
            status,
            is_open=is_open,
            summary=summary,
            needs_recheck=needs_recheck,
            warning_count=warning_count,
        ),
        id=f"step-{step_id}-header",
        type="button",
        on_click=on_toggle,
        aria_expanded=rx.cond(is_open, "true", "false"),
        aria_controls=f"step-{step_id}-body",
        aria_current=rx.cond(is_current, "step", "false"),
        class_name="step-header-toggle",
    )
    return rx.hstack(
        toggle,
        rx.cond(
            status == StepStatus.COMPLETED.value,
            rx.button(
                rx.icon("pencil", size=14, aria_hidden="true"),
                "Edit",
                on_click=on_edit,
                variant="soft",
                size="2",
                aria_label=f"Edit step {number}: {title}",
            ),
        ),
        align="center",
        width="100%",
        spacing="2",
    )
