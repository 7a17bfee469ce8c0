import pytest

from trainpkg_app.core.workflow import (
    STEPS,
    NavigationRefused,
    StepId,
    StepStatus,
    can_navigate_to_step,
    complete_step,
    create_initial_workflow_state,
    navigate_to_step,
    next_step,
    previous_step,
    reopen_step,
)

MODEL, CONFIG, DATASET, DEPLOY = STEPS


def completed_through(last: StepId):
    state = create_initial_workflow_state()
    for step in STEPS[: STEPS.index(last) + 1]:
        state = complete_step(state, step, has_errors=False)
    return state


def test_initial_state_opens_step_one_and_starts_nothing_else():
    state = create_initial_workflow_state()
    assert state.current_step == MODEL
    assert state.statuses == {
        MODEL: StepStatus.IN_PROGRESS,
        CONFIG: StepStatus.NOT_STARTED,
        DATASET: StepStatus.NOT_STARTED,
        DEPLOY: StepStatus.NOT_STARTED,
    }
    assert state.needs_recheck == []
    assert not state.is_complete


def test_step_order_and_neighbours():
    assert [s.value for s in STEPS] == ["model", "config", "dataset", "deploy"]
    assert next_step(MODEL) == CONFIG
    assert next_step(DEPLOY) is None
    assert previous_step(MODEL) is None
    assert previous_step(DEPLOY) == DATASET


@pytest.mark.parametrize("target", [CONFIG, DATASET, DEPLOY])
def test_forward_is_refused_until_every_earlier_step_is_completed(target):
    permission = can_navigate_to_step(create_initial_workflow_state(), target)
    assert not permission.allowed
    target_label = f"step {STEPS.index(target) + 1} ({target.value.title()})"
    assert permission.reason == f"Complete step 1 (Model) before opening {target_label}."


def test_refusal_names_the_first_unfinished_step():
    state = completed_through(MODEL)
    permission = can_navigate_to_step(state, DEPLOY)
    assert not permission.allowed
    assert "step 2 (Config)" in permission.reason


def test_navigate_raises_with_the_reason():
    with pytest.raises(NavigationRefused, match="Complete step 1"):
        navigate_to_step(create_initial_workflow_state(), DATASET)


def test_back_is_always_allowed_and_keeps_statuses():
    state = completed_through(CONFIG)
    assert state.current_step == DATASET
    back = navigate_to_step(state, MODEL)
    assert back.current_step == MODEL
    assert back.statuses[MODEL] == StepStatus.COMPLETED
    assert back.statuses[DATASET] == StepStatus.IN_PROGRESS


def test_the_current_step_is_always_reachable():
    state = create_initial_workflow_state()
    assert can_navigate_to_step(state, MODEL).allowed


def test_completing_moves_on_and_starts_the_next_step():
    state = complete_step(create_initial_workflow_state(), MODEL, has_errors=False)
    assert state.statuses[MODEL] == StepStatus.COMPLETED
    assert state.current_step == CONFIG
    assert state.statuses[CONFIG] == StepStatus.IN_PROGRESS


def test_a_step_with_errors_is_marked_and_stays_open():
    state = complete_step(create_initial_workflow_state(), MODEL, has_errors=True)
    assert state.statuses[MODEL] == StepStatus.ERROR
    assert state.current_step == MODEL
    assert not can_navigate_to_step(state, CONFIG).allowed


def test_completing_the_last_step_completes_the_wizard():
    state = completed_through(DEPLOY)
    assert state.current_step == DEPLOY
    assert state.is_complete


def test_reopening_a_completed_step_flags_later_finished_steps_for_recheck():
    state = reopen_step(completed_through(DEPLOY), CONFIG)
    assert state.current_step == CONFIG
    assert state.statuses[MODEL] == StepStatus.COMPLETED
    assert state.statuses[CONFIG] == StepStatus.IN_PROGRESS
    assert state.statuses[DATASET] == StepStatus.IN_PROGRESS
    assert state.statuses[DEPLOY] == StepStatus.IN_PROGRESS
    assert state.needs_recheck == [DATASET, DEPLOY]
    assert not can_navigate_to_step(state, DATASET).allowed


def test_reopening_leaves_unfinished_steps_alone():
    state = reopen_step(completed_through(MODEL), MODEL)
    assert state.statuses[DATASET] == StepStatus.NOT_STARTED
    assert state.statuses[CONFIG] == StepStatus.IN_PROGRESS
    assert state.needs_recheck == []


def test_completing_a_rechecked_step_clears_its_flag():
    state = reopen_step(completed_through(DEPLOY), MODEL)
    for step in STEPS:
        state = complete_step(state, step, has_errors=False)
    assert state.needs_recheck == []
    assert state.is_complete
