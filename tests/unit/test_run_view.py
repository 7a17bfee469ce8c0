from decimal import Decimal

from trainpkg_app.core.run_view import RunRecord, curve_points, run_view


def test_a_run_that_has_not_logged_yet_is_starting():
    view = run_view(RunRecord(run_id="r", status="pending"))
    assert (view.progress, view.step_label, view.eta, view.points) == (0, "starting…", "", [])
    assert view.estimated_cost == "—"


def test_progress_eta_and_costs_come_from_the_last_metric_line():
    metrics = [
        {"step": 5, "max_steps": 20, "loss": 2.0},
        {"step": 10, "max_steps": 20, "loss": 1.5, "eta_s": 12.4},
    ]
    view = run_view(
        RunRecord(run_id="r", status="running", metrics=metrics, actual_cost=Decimal("1.5"))
    )
    assert (view.progress, view.step_label, view.eta) == (50, "step 10 of 20", "ETA 12 s")
    assert view.actual_cost == "$1.50"


def test_the_curve_keeps_train_and_eval_losses_and_skips_other_lines():
    metrics = [
        {"step": 1, "loss": 2.0, "grad_norm": 0.3},
        {"step": 2, "eval_loss": 1.9},
        {"step": 3, "learning_rate": 1e-4},
        {"train_runtime": 4.0},
    ]
    assert curve_points(metrics) == [{"step": 1, "loss": 2.0}, {"step": 2, "eval_loss": 1.9}]
