"""The curves held between a compare's redraws: bounded, least recently used first out."""

from trainpkg_app.core.curves import Curve
from trainpkg_app.deploy.held_curves import HELD, held, hold, let_go


def test_at_most_so_many_compares_are_held_and_the_least_recently_used_goes_first():
    keys = [hold([Curve([{"step": n, "loss": 1.0}])]) for n in range(HELD)]
    assert held(keys[0]) is not None  # used again: now the most recent
    newer = hold([Curve([])])
    assert held(keys[1]) is None  # the least recently used went
    assert held(keys[0])[0].records == [{"step": 0, "loss": 1.0}]
    assert held(newer) is not None
    for key in [*keys, newer]:
        let_go(key)
    assert all(held(key) is None for key in keys)


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
