"""Wizard navigation and step status, part of the workspace state (state/workspace.py).
The rules live in trainpkg_app.core.workflow."""

from __future__ import annotations

import reflex as rx

from trainpkg_app.core.payloads import StepName
from trainpkg_app.core.workflow import (
    STEPS,
    NavigationRefused,
    StepId,
    WorkflowState,
    can_navigate_to_step,
    complete_step,
    create_initial_workflow_state,
    navigate_to_step,
    previous_step,
    reopen_step,
    step_label,
)
from trainpkg_app.state.events import checked

_INITIAL = create_initial_workflow_state()


class WizardMixin(rx.State, mixin=True):
    current_step: str = _INITIAL.current_step.value
    statuses: dict[str, str] = {
        step.value: status.value for step, status in _INITIAL.statuses.items()
    }
    needs_recheck: list[str] = []
    open_step: str = _INITIAL.current_step.value
    notice: str = ""

    def _workflow(self) -> WorkflowState:
        return WorkflowState(
            current_step=StepId(self.current_step),
            statuses=self.statuses,
            needs_recheck=self.needs_recheck,
        )

    def _store(self, workflow: WorkflowState) -> None:
        self.current_step = workflow.current_step.value
        self.statuses = {step.value: status.value for step, status in workflow.statuses.items()}
        self.needs_recheck = [step.value for step in workflow.needs_recheck]
        self.open_step = self.current_step

    def _workflow_dict(self) -> dict:
        return self._workflow().model_dump(mode="json")

    def _load_workflow(self, workflow: dict) -> None:
        """Show a stored draft's place in the wizard (a fresh start when it has none)."""
        stored = (
            WorkflowState.model_validate(workflow) if workflow else create_initial_workflow_state()
        )
        self._store(stored)
        self.notice = ""

    def _mark_errors(self, failing: list[StepId]) -> None:
        """Publishing found errors: mark those steps and open the first one."""
        workflow = self._workflow()
        for step in failing:
            workflow = complete_step(workflow, step, has_errors=True)
        self._store(workflow.model_copy(update={"current_step": failing[0]}))

    @rx.var
    def is_complete(self) -> bool:
        return self._workflow().is_complete

    @rx.var
    def locked_steps(self) -> dict[str, str]:
        """Why each step cannot be opened now ('' when it can)."""
        workflow = self._workflow()
        return {step.value: can_navigate_to_step(workflow, step).reason for step in STEPS}

    def _open(self, step: str) -> None:
        try:
            self._store(navigate_to_step(self._workflow(), StepId(step)))
        except NavigationRefused as refusal:
            self.notice = str(refusal)
            return
        self.notice = ""

    @rx.event
    @checked(step=StepName)
    def go_to(self, step: str):
        """Open a step if the rules allow it, else say why."""
        self._open(step)

    @rx.event
    @checked(step=StepName)
    def toggle(self, step: str):
        """A step header was activated: collapse the open step, or open another one."""
        if self.open_step == step:
            self.open_step = ""
        else:
            self._open(step)

    @rx.event
    def back(self):
        earlier = previous_step(StepId(self.current_step))
        if earlier is not None:
            self._store(navigate_to_step(self._workflow(), earlier))
            self.notice = ""

    @rx.event
    @checked(step=StepName)
    def edit(self, step: str):
        """Edit a completed step: it reopens, later finished steps need a re-check."""
        self._store(reopen_step(self._workflow(), StepId(step)))
        self.notice = ""

    def _record_result(self, step: StepId, *, has_errors: bool) -> None:
        """The current step was validated (next_step): complete it, or say why not."""
        self._store(complete_step(self._workflow(), step, has_errors=has_errors))
        label = step_label(step)
        self.notice = (
            f"{label[0].upper()}{label[1:]} has errors: fix the marked fields."
            if has_errors
            else ""
        )
