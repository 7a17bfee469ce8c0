"""Ended runs' curves kept by the process: bounded by records, least recently used first out."""

from trainpkg_app.core.curves import Curve


def test_ended_runs_are_kept_up_to_a_number_of_records_oldest_used_first_out(monkeypatch):
    import uuid

    from trainpkg_app.deploy import held_curves

    monkeypatch.setattr(held_curves, "ENDED_RECORDS", 30)
    runs = [uuid.uuid4() for _ in range(4)]
    for run in runs[:3]:
        held_curves.keep_ended(run, Curve([{"step": n} for n in range(10)]))
    assert held_curves.ended_curve(runs[0]) is not None  # used again: kept longer
    held_curves.keep_ended(runs[3], Curve([{"step": n} for n in range(10)]))
    assert held_curves.ended_curve(runs[1]) is None
    assert all(held_curves.ended_curve(run) is not None for run in (runs[0], runs[2], runs[3]))
