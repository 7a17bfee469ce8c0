import pytest

from trainpkg_app.core.cost import estimate_run, training_tokens
from trainpkg_app.core.hardware import find_flavor


def test_tokens_from_rows_split_mean_length_and_epochs():
    assert (
        training_tokens(
            rows=10_000,
            train_share=0.9,
            mean_tokens=200,
            epochs=3,
            max_steps=None,
            tokens_per_step=0,
        )
        == 5_400_000
    )


def test_max_steps_win_over_epochs():
    assert (
        training_tokens(
            rows=10_000,
            train_share=0.9,
            mean_tokens=200,
            epochs=3,
            max_steps=100,
            tokens_per_step=16 * 1024,
        )
        == 1_638_400
    )


def _lora_on_an_a10g_space(gradient_checkpointing: bool):
    return estimate_run(
        parameters=500_000_000,
        tokens=54_000_000,
        method="lora",
        gradient_checkpointing=gradient_checkpointing,
        flavor=find_flavor("a10g-small"),
        target="hf_space",
    )


def test_a_hand_computed_lora_run_on_an_a10g():
    # 4 x 0.5e9 x 54e6 = 1.08e17 FLOP; / (1 x 70e12 x 0.3) = 5143 s = 85.7 min; + 10 min = 96 min
    estimate = _lora_on_an_a10g_space(gradient_checkpointing=False)
    assert estimate.hours == pytest.approx(96 / 60, abs=0.01)
    assert estimate.cost_usd == 1.60  # $1.00/h x 96 min
    assert "4 x 500,000,000 params x 54,000,000 tokens" in estimate.formula


def test_gradient_checkpointing_adds_a_second_forward_pass():
    # (4 + 2) x 0.5e9 x 54e6 = 1.62e17 FLOP; / (70e12 x 0.3) = 7714 s = 128.6 min; + 10 = 139 min
    estimate = _lora_on_an_a10g_space(gradient_checkpointing=True)
    assert estimate.hours == pytest.approx(139 / 60, abs=0.01)
    assert estimate.formula.startswith(
        "6 (4 + 2: gradient checkpointing reruns the forward pass) x 500,000,000 params"
    )


def test_a_full_fine_tune_on_four_a100s():
    # 6 x 7e9 x 1e9 = 4.2e19; / (4 x 312e12 x 0.35) = 96,154 s = 1602.6 min; + 5 = 1608 min
    estimate = estimate_run(
        parameters=7_000_000_000,
        tokens=1_000_000_000,
        method="full",
        gradient_checkpointing=False,
        flavor=find_flavor("a100x4"),
        target="hf_job",
    )
    assert estimate.hours == pytest.approx(1608 / 60, abs=0.01)
    assert estimate.cost_usd == pytest.approx(10.0 * 1608 / 60, abs=0.01)


def test_cpu_flavors_are_not_estimated():
    assert (
        estimate_run(
            parameters=1,
            tokens=1,
            method="lora",
            gradient_checkpointing=False,
            flavor=find_flavor("cpu-basic"),
            target="hf_space",
        )
        is None
    )


def test_every_catalog_gpu_has_its_peak_tflops():
    from trainpkg_app.core.hardware import catalog

    assert {f.gpu: f.tflops for f in catalog() if f.gpu} == {
        "T4": 65,
        "L4": 121,
        "L40S": 362,
        "A10G": 70,
        "A100": 312,
        "H200": 989,
    }


def test_the_wizard_estimate_for_a_space():
    from trainpkg_app.core.forms import default_forms
    from trainpkg_app.core.insights import run_estimate

    forms = default_forms()
    forms["model"]["parameters"] = "500000000"
    forms["config"]["method"] = "lora"
    forms["deploy"] |= {"target": "hf_space", "space_flavor": "a10g-small"}
    assert run_estimate(forms, [])["message"].startswith("The estimate needs")
    datasets = [{"dataset_id": "a.jsonl", "rows": "20000", "mean_tokens": "1000"}]
    # 20,000 x 1,000 x 0.9 x 3 epochs = 54e6 tokens, gradient checkpointing on (the default):
    # the hand-computed case above
    result = run_estimate(forms, datasets)
    assert result["message"] == "About 2.3 h and $2.32 on Nvidia A10G small."
    assert result["cost_usd"] == "2.32"
    unmeasured = run_estimate(forms, [{"dataset_id": "o/d", "rows": "100"}])
    assert "512 tokens a row assumed" in unmeasured["formula"]
    assert run_estimate(forms, [{"dataset_id": "o/d"}])["message"] == (
        "No estimate: o/d has no known row count."
    )
    assert result["budget"] == ""  # no cap
    forms["deploy"]["budget_usd"] = "2"
    assert run_estimate(forms, datasets)["budget"] == (
        "The estimate ($2.32) is over the budget cap ($2.00): deploying it would be refused."
    )
    forms["deploy"]["budget_usd"] = "2.5"
    assert run_estimate(forms, datasets)["budget"] == ""


def test_costs_are_shown_in_dollars_or_as_a_dash():
    from decimal import Decimal

    from trainpkg_app.core.cost import usd

    assert (usd(Decimal("1234.5")), usd(0), usd(None)) == ("$1,234.50", "$0.00", "—")
