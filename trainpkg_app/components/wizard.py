"""The Training Package wizard: package name, progress, and the four steps."""

import reflex as rx

from trainpkg_app.components.config_step import config_body
from trainpkg_app.components.dataset_step import dataset_body
from trainpkg_app.components.deploy_step import deploy_body
from trainpkg_app.components.model_step import model_body
from trainpkg_app.components.progress_indicator import progress_indicator
from trainpkg_app.components.step_header import step_header
from trainpkg_app.core.workflow import STEP_TITLES, STEPS, StepId
from trainpkg_app.state.workspace import WorkspaceState

STEP_LIST = [(step.value, STEP_TITLES[step]) for step in STEPS]
STEP_BODIES = {
    StepId.MODEL: model_body,
    StepId.CONFIG: config_body,
    StepId.DATASET: dataset_body,
    StepId.DEPLOY: deploy_body,
}


def _nav_buttons(step: str, index: int) -> rx.Component:
    is_last = index == len(STEPS) - 1
    return rx.hstack(
        rx.button(
            "Back",
            on_click=[WorkspaceState.back, WorkspaceState.save_now],
            variant="soft",
            disabled=index == 0,
        ),
        rx.button(
            "Complete" if is_last else "Next",
            on_click=[WorkspaceState.next_step, WorkspaceState.save_now],
        ),
        justify="end",
        width="100%",
        padding_top="2",
    )


def _step_section(index: int, step: str, title: str) -> rx.Component:
    is_open = WorkspaceState.open_step == step
    return rx.card(
        step_header(
            step_id=step,
            number=index + 1,
            title=title,
            status=WorkspaceState.statuses[step],
            is_open=is_open,
            is_current=WorkspaceState.current_step == step,
            summary=WorkspaceState.summaries[step],
            needs_recheck=WorkspaceState.needs_recheck.contains(step),
            warning_count=WorkspaceState.warning_counts[step],
            on_toggle=[WorkspaceState.toggle(step), WorkspaceState.save_now],
            on_edit=[WorkspaceState.edit(step), WorkspaceState.save_now],
        ),
        rx.cond(
            is_open,
            rx.vstack(
                rx.separator(size="4"),
                STEP_BODIES[step](),
                _nav_buttons(step, index),
                spacing="3",
                padding_top="2",
                id=f"step-{step}-body",
                role="region",
                aria_labelledby=f"step-{step}-header",
            ),
        ),
        width="100%",
    )


def _notice() -> rx.Component:
    return rx.box(
        rx.cond(
            WorkspaceState.notice != "",
            rx.callout(
                WorkspaceState.notice,
                icon="info",
                color_scheme="amber",
                high_contrast=True,
                role="alert",
            ),
        ),
        aria_live="polite",
        width="100%",
    )


def _completion() -> rx.Component:
    return rx.cond(
        WorkspaceState.is_complete,
        rx.callout(
            "All four steps are completed: this package is ready to publish.",
            icon="circle-check",
            color_scheme="green",
            high_contrast=True,
            role="status",
        ),
    )


def wizard() -> rx.Component:
    return rx.vstack(
        progress_indicator(
            STEP_LIST,
            WorkspaceState.statuses,
            WorkspaceState.current_step,
            WorkspaceState.locked_steps,
            lambda step: [WorkspaceState.go_to(step), WorkspaceState.save_now],
        ),
        _notice(),
        *[_step_section(index, step, title) for index, (step, title) in enumerate(STEP_LIST)],
        _completion(),
        spacing="4",
        width="100%",
    )
