"""A timeline of the wizard's steps; each step is a button that asks to navigate."""

from collections.abc import Callable

import reflex as rx
from reflex.event import EventType

from trainpkg_app.components.status import status_icon, status_label


def _step_button(
    step_id: str,
    number: int,
    title: str,
    status: rx.Var,
    is_current: rx.Var,
    lock_reason: rx.Var,
    on_select: Callable[[str], EventType],
) -> rx.Component:
    return rx.el.li(
        rx.el.button(
            status_icon(status),
            rx.text.span(f"{number}. {title}", weight=rx.cond(is_current, "bold", "regular")),
            rx.text.span(
                " — ",
                status_label(status),
                rx.cond(lock_reason != "", ", locked", ""),
                class_name="sr-only",
            ),
            type="button",
            on_click=on_select(step_id),
            aria_current=rx.cond(is_current, "step", "false"),
            data_locked=rx.cond(lock_reason != "", "true", "false"),
            title=rx.cond(lock_reason != "", lock_reason, f"Go to step {number}"),
            class_name="progress-step",
            data_current=rx.cond(is_current, "true", "false"),
            data_status=status,
        ),
        class_name="progress-item",
    )


def progress_indicator(
    steps: list[tuple[str, str]],
    statuses: rx.Var,
    current: rx.Var,
    lock_reasons: rx.Var,
    on_select: Callable[[str], EventType],
) -> rx.Component:
    """``steps``: (id, title) pairs in order. Locked steps stay clickable: the click says why."""
    return rx.el.nav(
        rx.el.ol(
            *[
                _step_button(
                    step_id,
                    number,
                    title,
                    statuses[step_id],
                    current == step_id,
                    lock_reasons[step_id],
                    on_select,
                )
                for number, (step_id, title) in enumerate(steps, start=1)
            ],
            class_name="progress-list",
        ),
        aria_label="Wizard progress",
    )
