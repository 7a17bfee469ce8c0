"""The wizard's state machine: step order, statuses and navigation rules."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class StepId(StrEnum):
    MODEL = "model"
    CONFIG = "config"
    DATASET = "dataset"
    DEPLOY = "deploy"


class StepStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ERROR = "error"


STEPS: tuple[StepId, ...] = tuple(StepId)
STEP_TITLES: dict[StepId, str] = {
    StepId.MODEL: "Model",
    StepId.CONFIG: "Config",
    StepId.DATASET: "Dataset",
    StepId.DEPLOY: "Deploy",
}


class WorkflowState(BaseModel):
    current_step: StepId = StepId.MODEL
    statuses: dict[StepId, StepStatus]
    needs_recheck: list[StepId] = Field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return all(status == StepStatus.COMPLETED for status in self.statuses.values())


class Permission(BaseModel, frozen=True):
    allowed: bool
    reason: str = ""


def create_initial_workflow_state() -> WorkflowState:
    """Step 1 open and in progress, the others not started."""
    statuses = {step: StepStatus.NOT_STARTED for step in STEPS}
    statuses[StepId.MODEL] = StepStatus.IN_PROGRESS
    return WorkflowState(statuses=statuses)


def create_completed_workflow_state() -> WorkflowState:
    """A draft restored from a version: every step was valid when it was published."""
    return WorkflowState(
        current_step=StepId.MODEL, statuses=dict.fromkeys(STEPS, StepStatus.COMPLETED)
    )


def step_number(step: StepId) -> int:
    return STEPS.index(step) + 1


def step_label(step: StepId) -> str:
    return f"step {step_number(step)} ({STEP_TITLES[step]})"


def next_step(step: StepId) -> StepId | None:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def previous_step(step: StepId) -> StepId | None:
    index = STEPS.index(step)
    return STEPS[index - 1] if index > 0 else None


def can_navigate_to_step(state: WorkflowState, target: StepId) -> Permission:
    """Back is always allowed; forward only when every step before the target is completed."""
    for step in STEPS[: STEPS.index(target)]:
        if state.statuses[step] != StepStatus.COMPLETED:
            return Permission(
                allowed=False,
                reason=f"Complete {step_label(step)} before opening {step_label(target)}.",
            )
    return Permission(allowed=True)


def navigate_to_step(state: WorkflowState, target: StepId) -> WorkflowState:
    """Open ``target``; raises ``NavigationRefused`` with the reason when the rules forbid it."""
    permission = can_navigate_to_step(state, target)
    if not permission.allowed:
        raise NavigationRefused(permission.reason)
    statuses = dict(state.statuses)
    if statuses[target] == StepStatus.NOT_STARTED:
        statuses[target] = StepStatus.IN_PROGRESS
    return state.model_copy(update={"current_step": target, "statuses": statuses})


def complete_step(state: WorkflowState, step: StepId, *, has_errors: bool) -> WorkflowState:
    """Mark ``step`` completed and open the next one, or mark it as an error and stay."""
    statuses = dict(state.statuses)
    if has_errors:
        statuses[step] = StepStatus.ERROR
        return state.model_copy(update={"statuses": statuses, "current_step": step})
    statuses[step] = StepStatus.COMPLETED
    recheck = [other for other in state.needs_recheck if other != step]
    updated = state.model_copy(update={"statuses": statuses, "needs_recheck": recheck})
    following = next_step(step)
    if following is None:
        return updated.model_copy(update={"current_step": step})
    return navigate_to_step(updated, following)


def reopen_step(state: WorkflowState, step: StepId) -> WorkflowState:
    """Edit a step: it goes back to in progress; later finished steps keep their data
    but need a re-check."""
    statuses = dict(state.statuses)
    statuses[step] = StepStatus.IN_PROGRESS
    recheck = list(state.needs_recheck)
    for later in STEPS[STEPS.index(step) + 1 :]:
        if statuses[later] in (StepStatus.COMPLETED, StepStatus.ERROR):
            statuses[later] = StepStatus.IN_PROGRESS
            if later not in recheck:
                recheck.append(later)
    return state.model_copy(
        update={"statuses": statuses, "needs_recheck": recheck, "current_step": step}
    )


class NavigationRefused(ValueError):
    """A move that the navigation rules forbid; the message says why."""
