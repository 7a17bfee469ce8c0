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
    ended = run_view(RunRecord(run_id="r", status="cancelled", metrics=metrics))
    assert (ended.step_label, ended.eta) == ("step 10 of 20", "")  # no ETA once it ended
    assert view.actual_cost == "$1.50"


def test_the_curve_keeps_train_and_eval_losses_and_skips_other_lines():
    metrics = [
        {"step": 1, "loss": 2.0, "grad_norm": 0.3},
        {"step": 2, "eval_loss": 1.9},
        {"step": 3, "learning_rate": 1e-4},
        {"train_runtime": 4.0},
    ]
    assert curve_points(metrics) == [{"step": 1, "loss": 2.0}, {"step": 2, "eval_loss": 1.9}]


NAN_RUN = [{"step": 1, "max_steps": 9, "loss": 2.0}, {"step": 2, "max_steps": 9, "loss": "NaN"}]


def test_a_nan_loss_is_not_drawn_and_the_doctor_names_it_with_its_step():
    view = run_view(RunRecord(run_id="r", status="running", metrics=NAN_RUN, doctor="warn"))
    assert view.points == [{"step": 1, "loss": 2.0}]
    [finding] = view.findings
    assert (finding.title, finding.step) == ("Loss is NaN or infinite", 2)
    assert (finding.start_step, finding.end_step) == (1, 3)  # one step, widened to be seen
    assert "NaN" in finding.evidence and finding.fix


def test_with_the_doctor_off_a_run_shows_no_finding():
    view = run_view(RunRecord(run_id="r", status="running", metrics=NAN_RUN, doctor="off"))
    assert view.findings == []


def test_the_view_fields_keep_finding_rows_typed():
    view = run_view(RunRecord(run_id="r", status="running", metrics=NAN_RUN, doctor="warn"))
    assert view.fields()["findings"] == view.findings
