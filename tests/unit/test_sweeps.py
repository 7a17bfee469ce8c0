"""The sweep planner: grid, seeded random draws, budget fit, objective, halving, the form."""

import pytest

from trainpkg_app.core import sweep_form, sweeps
from trainpkg_app.core.sweeps import Axis, Estimate, SweepSpec


def _spec(**fields) -> SweepSpec:
    return SweepSpec(**({"budget_usd": 10.0} | fields))


def test_a_grid_gives_every_combination_in_order():
    spec = _spec(
        axes=[Axis(name="learning_rate", values=[1e-4, 2e-4]), Axis(name="lora_r", values=[8, 16])]
    )
    trials = sweeps.plan(spec)
    assert [t.overrides for t in trials] == [
        {"learning_rate": 1e-4, "lora_r": 8},
        {"learning_rate": 1e-4, "lora_r": 16},
        {"learning_rate": 2e-4, "lora_r": 8},
        {"learning_rate": 2e-4, "lora_r": 16},
    ]
    assert isinstance(trials[1].overrides["lora_r"], int)


def test_random_draws_repeat_with_their_seed_and_stay_in_range():
    axes = [Axis(name="learning_rate", low=1e-5, high=1e-2), Axis(name="lora_r", low=4, high=64)]
    first = sweeps.plan(_spec(axes=axes, mode="random", trials=12, seed=7))
    again = sweeps.plan(_spec(axes=axes, mode="random", trials=12, seed=7))
    other = sweeps.plan(_spec(axes=axes, mode="random", trials=12, seed=8))
    assert [t.overrides for t in first] == [t.overrides for t in again]
    assert [t.overrides for t in first] != [t.overrides for t in other]
    rates = [t.overrides["learning_rate"] for t in first]
    ranks = [t.overrides["lora_r"] for t in first]
    assert all(1e-5 <= rate <= 1e-2 for rate in rates) and all(4 <= r <= 64 for r in ranks)
    assert all(isinstance(r, int) for r in ranks)


def test_the_learning_rate_is_drawn_log_uniformly():
    axes = [Axis(name="learning_rate", low=1e-6, high=1e-2)]
    rates = [
        t.overrides["learning_rate"]
        for t in sweeps.plan(_spec(axes=axes, mode="random", trials=32, seed=1))
    ]
    # uniform in log space: about a quarter fall in each decade; uniform draws would put
    # almost all of them above 1e-3
    assert sum(rate < 1e-4 for rate in rates) >= 8


def test_a_spec_refuses_what_cannot_be_planned():
    with pytest.raises(ValueError, match="grid needs values"):
        _spec(axes=[Axis(name="lora_r", low=4, high=8)], mode="grid")
    with pytest.raises(ValueError, match="low must be below"):
        Axis(name="lora_r", low=8, high=4)
    with pytest.raises(ValueError, match="swept once"):
        _spec(axes=[Axis(name="lora_r", values=[4]), Axis(name="lora_r", values=[8])])
    with pytest.raises(ValueError, match="total budget"):
        SweepSpec(axes=[Axis(name="lora_r", values=[4])])
    with pytest.raises(ValueError, match="at most 32"):
        sweeps.plan(
            _spec(
                axes=[
                    Axis(name="lora_r", values=[1, 2, 3, 4]),
                    Axis(name="lora_alpha", values=[1, 2, 3]),
                    Axis(name="num_epochs", values=[1, 2, 3]),
                ]
            )
        )


def test_the_budget_trims_the_trials_that_do_not_fit_or_refuses():
    axes = [Axis(name="lora_r", values=[4, 8, 16, 32])]
    estimates = [Estimate(cost_usd=1.5, hours=0.5)] * 4
    fit = sweeps.fit_budget(_spec(axes=axes, budget_usd=5.0), estimates)
    assert (fit.kept, fit.refused, fit.total_usd) == (3, False, 6.0)
    assert "$6.00 estimated against a budget of $5.00" in fit.message
    assert "first 3 of 4" in fit.message
    strict = sweeps.fit_budget(_spec(axes=axes, budget_usd=5.0, trim=False), estimates)
    assert (strict.kept, strict.refused) == (0, True)
    hours = sweeps.fit_budget(_spec(axes=axes, budget_usd=None, budget_hours=1.0), estimates)
    assert hours.kept == 2 and "2.00 h estimated against a budget of 1 h" in hours.message
    none = sweeps.fit_budget(_spec(axes=axes, budget_usd=1.0), estimates)
    assert none.refused and "none of them fits" in none.message
    assert sweeps.fit_budget(_spec(axes=axes, budget_usd=6.0), estimates).message == ""


def test_trials_without_an_estimate_fit_and_the_total_is_unknown():
    axes = [Axis(name="lora_r", values=[4, 8])]
    fit = sweeps.fit_budget(_spec(axes=axes, budget_hours=1.0, budget_usd=None), [Estimate()] * 2)
    assert (fit.kept, fit.total_hours, fit.message) == (2, None, "")


def test_the_next_trial_is_refused_once_the_sweep_spent_its_budget():
    assert sweeps.budget_left_refusal(5.0, None, 4.0, 0.0, Estimate(cost_usd=0.5)) == ""
    refusal = sweeps.budget_left_refusal(5.0, None, 4.0, 0.0, Estimate(cost_usd=1.5))
    assert "$5.00 would be passed" in refusal and "$4.00" in refusal
    assert sweeps.budget_left_refusal(None, 1.0, 0.0, 1.0, Estimate()) != ""


def test_the_objective_is_the_last_finite_value_and_falls_back_to_train_loss():
    metrics = [
        {"step": 1, "loss": 3.0},
        {"step": 2, "loss": 2.5, "eval_loss": 2.8},
        {"step": 3, "loss": float("nan")},
        {"step": 4, "loss": 2.0, "eval_loss": 2.4},
    ]
    assert sweeps.objective_value(metrics, "eval_loss") == 2.4
    assert sweeps.objective_value(metrics, "eval_loss", at_step=3) == 2.8
    assert sweeps.objective_value(metrics, "train_loss", at_step=3) == 2.5
    assert sweeps.objective_value([], "eval_loss") is None
    assert sweeps.objective_name("eval_loss", has_eval_split=False) == "train_loss"


def test_halving_stops_a_trial_in_the_worse_half_at_the_checkpoint():
    assert not sweeps.halving_stops(2.0, [])  # the first one goes on
    assert sweeps.halving_stops(3.0, [2.0])  # 2 trials: the better one goes on
    assert not sweeps.halving_stops(1.0, [2.0])
    assert not sweeps.halving_stops(2.5, [2.0, 3.0])  # 3 trials: the best 2 go on
    assert sweeps.halving_stops(3.5, [2.0, 3.0, 1.0])  # 4 trials: the best 2
    assert sweeps.best({"a": 2.0, "b": 1.5, "c": None}) == "b"
    assert sweeps.best({"a": None}) is None


def test_trial_names_and_config_refusals():
    overrides = {"learning_rate": 2e-4, "lora_r": 16}
    assert sweeps.trial_label(3, overrides) == "v3 · lr 2e-4 · r 16"
    config = {"method": "lora"}
    assert sweeps.trial_config_refusal(config, {"lora_r": 16}) == ""
    assert "lora_r" in sweeps.trial_config_refusal(config, {"lora_r": 5000})


def test_the_form_becomes_a_spec_or_says_what_to_fix():
    form = sweep_form.DEFAULT_FORM | {"param_2": "lora_r", "values_2": "8, 16"}
    spec = sweep_form.spec_from_form(form)
    assert [axis.name for axis in spec.axes] == ["learning_rate", "lora_r"]
    assert spec.budget_usd == 10.0 and len(sweeps.plan(spec)) == 4
    with pytest.raises(ValueError, match="not a number"):
        sweep_form.spec_from_form(form | {"values_2": "8, many"})
    with pytest.raises(ValueError, match="whole numbers"):
        sweep_form.spec_from_form(form | {"values_2": "8.5"})
    with pytest.raises(ValueError, match="cannot be swept"):
        sweep_form.spec_from_form(form | {"param_2": "output_dir"})
    hours = sweep_form.spec_from_form(form | {"budget_kind": "hours", "budget": "2"})
    assert (hours.budget_usd, hours.budget_hours) == (None, 2.0)
