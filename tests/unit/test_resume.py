"""Resume and Extend in the core: which runs may go on, from which checkpoint, what a
checkpoint cannot carry, the extended plan, and the chain's curve and totals."""

from decimal import Decimal

import pytest

from trainpkg_app.core import resume
from trainpkg_app.core.resume import Link


@pytest.mark.parametrize(
    ("status", "kind", "refused"),
    [
        ("failed", "resume", ""),
        ("cancelled", "resume", ""),
        ("completed", "resume", "extend it"),
        ("running", "resume", "still going"),
        ("pending", "resume", "still going"),
        ("completed", "extend", ""),
        ("failed", "extend", "resume it"),
    ],
)
def test_which_runs_may_go_on(status, kind, refused):
    answer = resume.refusal(status, kind)
    assert (refused in answer and answer) if refused else answer == ""


def test_the_latest_complete_checkpoint_counts_and_half_pushed_ones_do_not():
    paths = [
        "checkpoints/checkpoint-10/trainer_state.json",
        "checkpoints/checkpoint-30/adapter_model.safetensors",  # no trainer state yet
        "checkpoints/checkpoint-20/trainer_state.json",
        "checkpoints/checkpoint-x/trainer_state.json",
        "output/checkpoint-40/trainer_state.json",
        "README.md",
    ]
    assert resume.latest_complete(paths) == 20
    assert resume.latest_complete(["README.md"]) is None


def _spec(**changes):
    spec = {
        "model": {"model_id": "org/tiny", "revision": "abc"},
        "config": {"method": "lora"},
        "training_arguments": {
            "sft": {"max_steps": 40, "num_train_epochs": 3, "per_device_train_batch_size": 4},
            "lora": {"r": 16, "target_modules": "all-linear"},
        },
        "dataset": {"datasets": [{"upload_id": "u1"}], "train_split_percent": 90, "split_seed": 7},
    }
    for path, value in changes.items():
        *parents, key = path.split(".")
        node = spec
        for parent in parents:
            node = node[parent]
        node[key] = value
    return spec


def test_a_checkpoint_goes_on_with_the_package_it_was_trained_with():
    assert resume.carry_refusal(_spec(), _spec(), "resume") == ""


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"model.model_id": "org/other"}, "the base model"),
        ({"training_arguments.lora": {"r": 8}}, "the LoRA settings"),
        ({"config.method": "qlora"}, "the method"),
        ({"dataset.split_seed": 8}, "the split seed"),
        ({"training_arguments.sft.max_steps": 80}, "the step plan (max_steps)"),
    ],
)
def test_what_a_checkpoint_cannot_carry_is_refused_by_name(change, what):
    refused = resume.carry_refusal(_spec(), _spec(**change), "resume")
    assert f"in {what}:" in refused and "Deploy the version again" in refused


def test_extend_changes_the_step_plan_and_nothing_else():
    more_steps = _spec(**{"training_arguments.sft.max_steps": 80})
    assert resume.carry_refusal(_spec(), more_steps, "extend") == ""
    other_lora = _spec(**{"training_arguments.lora": {"r": 8}})
    assert "LoRA" in resume.carry_refusal(_spec(), other_lora, "extend")


def test_extend_adds_steps_or_epochs_as_the_run_was_planned():
    assert resume.extended_plan({"max_steps": 40}, 40, 20) == {"max_steps": 60}
    assert resume.extended_plan({"max_steps": -1, "num_train_epochs": 3}, 90, 2) == {
        "num_train_epochs": 5
    }
    with pytest.raises(ValueError, match="1 to 100,000 steps"):
        resume.extended_plan({"max_steps": 40}, 40, 0)
    with pytest.raises(ValueError, match="1 to 100 epochs"):
        resume.extended_plan({"max_steps": -1, "num_train_epochs": 3}, 90, 101)


def test_a_continuation_is_estimated_for_the_steps_it_still_runs():
    assert resume.continuation_estimate(Decimal("4.00"), 40, 10, 40) == Decimal("3.0000")
    assert resume.continuation_estimate(Decimal("4.00"), 40, 40, 60) == Decimal("2.0000")
    assert resume.continuation_estimate(None, 40, 10, 40) is None


def _points(*steps):
    return [{"step": step, "loss": 1.0 / step} for step in steps]


def test_the_chain_curve_joins_each_run_up_to_where_the_next_went_on():
    chain = [
        Link(_points(2, 4, 6, 8), minutes=1.5, actual_cost=Decimal("0.10")),
        Link(_points(6, 8, 10), resumed_from_step=4, minutes=1.0, actual_cost=Decimal("0.05")),
        Link(_points(12, 14), resumed_from_step=10, estimated_cost=Decimal("0.02")),
    ]
    assert [m["step"] for m in resume.joined_metrics(chain)] == [2, 4, 6, 8, 10, 12, 14]
    assert resume.chain_totals(chain) == (Decimal("0.02"), Decimal("0.15"), 2.5)
    assert resume.chain_label(chain) == "Went on from step 10 · 3 runs, 2.5 min in all"
    assert resume.chain_label(chain[:1]) == ""


def test_the_best_checkpoint_is_saved_before_the_trouble_and_evaluates_lowest():
    steps = [50, 100, 150, 200]
    assert resume.best_checkpoint(steps, 160, {}) == 150  # no evaluations: the latest healthy
    assert resume.best_checkpoint(steps, 160, {50: 2.0, 100: 1.5, 150: 1.7}) == 100
    assert resume.best_checkpoint(steps, 40, {}) is None  # nothing was saved before it


def test_a_warm_start_names_a_run_and_a_step_and_carries_weights_only():
    ref = resume.warm_start_ref("7e95f32c-69a0-4aa9-8eac-658d7e70fa1c", 50)
    assert resume.parse_warm_start(ref) == ("7e95f32c-69a0-4aa9-8eac-658d7e70fa1c", 50)
    assert resume.parse_warm_start("") is None
    assert resume.parse_warm_start("../../etc:1") is None
    kept = [
        n
        for n in [
            "adapter_model.safetensors",
            "optimizer.pt",
            "rng_state.pth",
            "adapter_config.json",
            "trainer_state.json",
        ]
        if resume.is_weight_file(n)
    ]
    assert kept == ["adapter_model.safetensors", "adapter_config.json"]


def test_a_warm_start_keeps_the_weights_shape_but_not_the_data_or_the_plan():
    other_data = _spec(**{"dataset.split_seed": 9, "training_arguments.sft.max_steps": 10})
    assert resume.carry_refusal(_spec(), other_data, "warm") == ""
    other_model = _spec(**{"model.model_id": "org/other"})
    assert "the base model" in resume.carry_refusal(_spec(), other_model, "warm")
