"""The run queue's rules: per-target concurrency, each owner's order, refusals and moves."""

from datetime import UTC, datetime, timedelta

from trainpkg_app.core.run_queue import Waiting, busy_reason, moved, plan

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
LIMITS = {"local": 1, "hf_job": 2, "hf_space": 2}


def _entry(name, owner="a", target="local", position=1, minute=0, refused_at=None):
    return Waiting(name, owner, target, position, T0 + timedelta(minutes=minute), refused_at)


def test_one_local_run_at_a_time_in_position_order():
    queued = [_entry("second", position=2, minute=0), _entry("first", position=1, minute=1)]
    result = plan(queued, {}, LIMITS, T0)
    assert result.start == ["first"]
    assert result.wait == {"second": busy_reason("local", 1)}


def test_a_busy_machine_starts_nothing_and_says_why():
    result = plan([_entry("x")], {("local", ""): 1}, LIMITS, T0)
    assert result.start == []
    assert "this machine trains one run at a time" in result.wait["x"]


def test_hub_slots_are_counted_per_owner():
    queued = [
        _entry("a1", target="hf_job", position=1),
        _entry("a2", target="hf_job", position=2, minute=1),
        _entry("b1", owner="b", target="hf_job", minute=2),
    ]
    result = plan(queued, {("hf_job", "a"): 1}, LIMITS, T0)
    assert result.start == ["a1", "b1"]  # a has one slot left of two, b has both
    assert set(result.wait) == {"a2"}
    assert result.wait["a2"] == (
        "Waiting: 2 of your runs are on Hugging Face Job already (2 at a time)."
    )


def test_targets_do_not_block_each_other():
    queued = [_entry("local", position=1), _entry("job", target="hf_job", position=2)]
    result = plan(queued, {("local", ""): 1}, LIMITS, T0)
    assert result.start == ["job"]


def test_owners_share_this_machine_by_when_they_queued():
    queued = [
        _entry("b-early", owner="b", minute=0),
        _entry("a-late", owner="a", minute=5),
    ]
    assert plan(queued, {}, LIMITS, T0).start == ["b-early"]
    # a reorder within an owner's queue keeps that owner's turn among the others
    mine = [_entry("a2", position=1, minute=9), _entry("a1", position=2, minute=0)]
    theirs = [_entry("b1", owner="b", minute=3)]
    assert plan(mine + theirs, {}, {"local": 3}, T0).start == ["a2", "b1", "a1"]


def test_a_recent_refusal_gives_way_and_is_tried_again_later():
    refused = _entry("capped", position=1, refused_at=T0 - timedelta(seconds=5))
    queued = [refused, _entry("next", position=2, minute=1)]
    soon = plan(queued, {}, LIMITS, T0, retry_s=30)
    assert soon.start == ["next"] and "capped" not in soon.wait  # its own reason stays
    later = plan(queued, {}, LIMITS, T0 + timedelta(seconds=30), retry_s=30)
    assert later.start == ["capped"]


def test_moves_stay_within_the_queue():
    order = ["a", "b", "c"]
    assert moved(order, "c", -1) == ["a", "c", "b"]
    assert moved(order, "a", -1) == order
    assert moved(order, "a", 5) == ["b", "c", "a"]
    assert moved(order, "zzz", 1) == order
