import sqlalchemy as sa

from trainpkg_app.core.autosave import CONFLICT, RETRYING
from trainpkg_app.core.workers import lease_held, start_pending, this_worker
from trainpkg_app.db.errors import DraftConflict, NotFound, save_failure


def _dead_worker() -> str:
    host = this_worker().rpartition(":")[0]
    return f"{host}:999999999"  # beyond pid_max: no such process


def test_a_lease_holds_while_young_and_its_worker_lives():
    me = this_worker()
    assert lease_held(100.0, me, ttl_s=60, now=159.0)
    assert not lease_held(100.0, me, ttl_s=60, now=160.0)  # lapsed
    assert not lease_held(100.0, _dead_worker(), ttl_s=60, now=101.0)  # its worker died
    assert not lease_held(0.0, "", ttl_s=60, now=1000.0)  # never taken


def test_a_start_event_is_awaited_only_by_the_connection_it_was_sent_to():
    assert start_pending("tab-1", 100.0, "tab-1", ttl_s=10, now=105.0)
    assert not start_pending("tab-1", 100.0, "tab-2", ttl_s=10, now=105.0)
    assert not start_pending("tab-1", 100.0, "tab-1", ttl_s=10, now=110.0)  # lost: ask again


def test_save_failures_map_to_what_the_indicator_shows():
    conflict = save_failure(DraftConflict(7))
    assert (conflict.status, conflict.retry) == (CONFLICT, False)
    assert "revision 7" in conflict.detail and conflict.refusal() == conflict.detail
    gone = save_failure(NotFound("The package was deleted."))
    assert gone.status == CONFLICT and gone.detail.endswith("Keep your edits as a new draft.")
    down = save_failure(sa.exc.OperationalError("SELECT 1", {}, Exception("refused")))
    assert (down.status, down.retry) == (RETRYING, True)
    assert down.detail == "The database did not answer (OperationalError); retrying."
    assert "Try again shortly" in down.refusal()
