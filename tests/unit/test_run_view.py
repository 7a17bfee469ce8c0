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


def test_the_end_of_a_run_is_told_with_its_reason():
    from trainpkg_app.core.run_view import end_notice

    assert end_notice("completed", "", "v2") == "The run of v2 completed."
    assert end_notice("failed", "Out of memory", "v2") == "The run of v2 failed: Out of memory"
    assert end_notice("cancelled", "Stopped by the time cap of 2 h.", "v1") == (
        "The run of v1 was stopped by the time cap of 2 h."
    )
    assert end_notice("cancelled", "Cancelled by the user.", "v1") == (
        "The run of v1 was stopped: Cancelled by the user."
    )
    assert end_notice("cancelled", "", "v1") == "The run of v1 was stopped."


def test_a_returning_tab_hears_of_runs_that_ended_within_a_day_only():
    from datetime import UTC, datetime, timedelta

    from trainpkg_app.core.run_view import is_news

    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    ended = RunRecord(run_id="r", status="completed", finished_at=now - timedelta(hours=23))
    assert is_news(ended, now)
    old = RunRecord(run_id="r", status="completed", finished_at=now - timedelta(days=2))
    assert not is_news(old, now)
    assert not is_news(RunRecord(run_id="r", status="running"), now)


def test_an_ended_run_offers_resume_or_extend_in_the_unit_it_was_planned_in():
    failed = run_view(RunRecord(run_id="r", status="failed", chain="Went on from step 4 · 2 runs"))
    assert (failed.can_resume, failed.can_extend, failed.chain) == (
        True,
        False,
        "Went on from step 4 · 2 runs",
    )
    done = run_view(RunRecord(run_id="r", status="completed", planned_by_steps=False))
    assert (done.can_resume, done.can_extend, done.extend_unit) == (False, True, "epochs")
    running = run_view(RunRecord(run_id="r", status="running"))
    assert not (running.can_resume or running.can_extend)


def test_the_run_shows_its_webhook_deliveries_in_words():
    from datetime import UTC, datetime

    from trainpkg_app.core.webhook import attempt_entry

    at = datetime(2026, 12, 3, 18, 2, tzinfo=UTC)
    log = [attempt_entry(1, at, status=500, error=""), attempt_entry(2, at, status=204, error="")]
    view = run_view(RunRecord(run_id="r", status="completed", webhook_log=log))
    assert view.webhook == [
        "Attempt 1 failed: HTTP 500; next try in 10 s",
        "Delivered at 18:02 UTC (HTTP 204)",
    ]
    assert run_view(RunRecord(run_id="r", status="completed")).webhook == []


def test_a_long_runs_curve_is_downsampled_and_keeps_its_extremes_and_eval_losses():
    from trainpkg_app.core.curves import ROWS

    metrics = [{"step": s, "loss": 3.0 - s / 10_000} for s in range(1, 10_001)]
    metrics[4_321]["loss"] = 9.0  # a spike
    for s in range(500, 10_001, 500):
        metrics[s - 1]["eval_loss"] = 2.0 + s / 100_000
    points = curve_points(metrics)
    assert len(points) <= ROWS + 4  # each curve's own first and last at most
    losses = [p["loss"] for p in points if "loss" in p]
    assert 9.0 in losses and min(losses) == 2.0 and points[0] == {"step": 1, "loss": 2.9999}
    assert len([p for p in points if "eval_loss" in p]) == 20  # few enough to keep each
    assert points[-1]["step"] == 10_000
