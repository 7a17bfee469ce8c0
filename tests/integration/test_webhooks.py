"""The run-end webhook against a real HTTP server on loopback: retries with backoff until it
is delivered, a receiver that fails or hangs never touches the run, the SSRF rule at save and at
delivery, and the URL stored encrypted."""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.integration import test_row_level_security as rls
from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from tests.trainkit.receiver import Receiver
from trainpkg_app import secrets_store
from trainpkg_app.core.webhook import WebhookRefused
from trainpkg_app.db.models import Deployment, utc_now
from trainpkg_app.db.webhooks import delete_webhook, read_webhook, save_webhook
from trainpkg_app.deploy import webhook
from trainpkg_app.deploy.records import finish
from trainpkg_app.settings import get_settings

postgres_url, seeded = rls.postgres_url, rls.seeded  # the RLS tests' role, for one test here
SHORT = (0, 0, 0)  # the backoff, made instant: four attempts, then give up


@pytest.fixture
def settings_here(tmp_path, monkeypatch):
    """Settings on a fresh data folder (its own secret key), private targets allowed."""
    monkeypatch.setenv("TRAINPKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TRAINPKG_SECRET_KEY", raising=False)
    monkeypatch.setenv("TRAINPKG_WEBHOOK_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    secrets_store._fernet.cache_clear()
    get_settings().ensure_data_dir()
    yield get_settings()
    get_settings.cache_clear()
    secrets_store._fernet.cache_clear()


@pytest.fixture
def receivers():
    made: list[Receiver] = []
    yield lambda statuses, hang=False: made.append(Receiver(statuses, hang)) or made[-1]
    for receiver in made:
        receiver.close()


@pytest.fixture
def owner_and_version(migrated, settings_here, tmp_path):
    return publish_for_new_user(migrated, published_snapshot(write_rows(tmp_path / "qa.jsonl")))


def _store_url(engine, owner, url: str) -> str:
    with Session(engine) as session:
        shown = save_webhook(session, owner_id=owner, url=url)
        session.commit()
    return shown


def _ended_run(engine, version_id, status: str = "completed", error: str = ""):
    """A run record that starts and ends here, as the monitor would end it."""
    with Session(engine, expire_on_commit=False) as session:
        deployment = Deployment(version_id=version_id, target="local", status="running")
        deployment.started_at = utc_now()
        deployment.metrics = [{"step": 6, "loss": 2.5, "max_steps": 6}]
        session.add(deployment)
        session.flush()
        finish(session, deployment, {"status": status, "error": error}, 0.0)
        session.commit()
        return deployment.id


def _run(engine, deployment_id) -> Deployment:
    with Session(engine) as session:
        return session.get(Deployment, deployment_id)


def test_the_run_end_is_delivered_on_the_third_attempt_and_logged(
    migrated, owner_and_version, receivers
):
    owner, version_id = owner_and_version
    receiver = receivers([500, 503, 200])
    assert _store_url(migrated, owner, receiver.url) == "http://127.0.0.1/…"
    run_id = _ended_run(migrated, version_id)
    for _attempt in range(3):  # the monitor's passes; the backoff is zero here
        assert webhook.deliver_due(migrated, delays=SHORT) == 1
    assert webhook.deliver_due(migrated, delays=SHORT) == 0  # delivered: nothing is due

    run = _run(migrated, run_id)
    assert [(e["attempt"], e["status"], e["delivered"]) for e in run.webhook_log] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert run.webhook_due_at is None
    assert "s3cret" not in json.dumps(run.webhook_log)  # the log never holds the URL
    path, headers, body = receiver.requests[-1]
    assert path == "/hooks/run-ended?key=s3cret"
    assert headers["Host"] == receiver.url.split("/")[2]
    assert body["event"] == "run.ended" and body["run_id"] == str(run_id)
    assert (body["package"], body["version"], body["target"]) == ("tiny", "v1", "local")
    assert (body["status"], body["steps"], body["last_loss"]) == ("completed", 6, 2.5)
    assert body["actual_cost_usd"] == "0.00" and body["finished_at"].startswith("20")


def test_the_backoff_waits_between_attempts(migrated, owner_and_version, receivers):
    owner, version_id = owner_and_version
    receiver = receivers([500])
    _store_url(migrated, owner, receiver.url)
    run_id = _ended_run(migrated, version_id)
    assert webhook.deliver_due(migrated) == 1  # the real schedule: next try in 10 s
    assert webhook.deliver_due(migrated) == 0
    run = _run(migrated, run_id)
    assert run.webhook_log[0]["next_in_s"] == 10
    assert 9 <= (run.webhook_due_at - run.finished_at).total_seconds() <= 12
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("hang", [False, True], ids=["failing", "hanging"])
def test_a_webhook_that_fails_or_hangs_never_changes_the_run(
    migrated, owner_and_version, receivers, hang
):
    owner, version_id = owner_and_version
    receiver = receivers([500], hang=hang)
    _store_url(migrated, owner, receiver.url)
    run_id = _ended_run(migrated, version_id, status="failed", error="CUDA out of memory")
    before = _run(migrated, run_id)
    for _attempt in range(4):
        assert webhook.deliver_due(migrated, delays=SHORT, timeout_s=0.3) == 1
    run = _run(migrated, run_id)
    assert (run.status, run.error, run.actual_cost) == (
        "failed",
        "CUDA out of memory",
        before.actual_cost,
    )
    assert run.webhook_due_at is None  # given up
    last = run.webhook_log[-1]
    assert last["attempt"] == 4 and last["next_in_s"] is None
    assert last["error"] == ("no answer within 0.3 s" if hang else "HTTP 500")


def test_two_workers_never_claim_the_same_attempt(migrated, owner_and_version, receivers):
    owner, version_id = owner_and_version
    _store_url(migrated, owner, receivers([200]).url)
    run_id = _ended_run(migrated, version_id)
    assert webhook._claim(migrated, run_id) is not None
    assert webhook._claim(migrated, run_id) is None


def test_a_user_without_a_webhook_gets_nothing_logged(migrated, owner_and_version):
    _owner, version_id = owner_and_version
    run_id = _ended_run(migrated, version_id)
    assert webhook.deliver_due(migrated) == 0
    run = _run(migrated, run_id)
    assert run.webhook_due_at is None and run.webhook_log is None


def test_loopback_is_refused_unless_private_targets_are_allowed(
    migrated, owner_and_version, receivers, monkeypatch
):
    owner, version_id = owner_and_version
    receiver = receivers([200])
    _store_url(migrated, owner, receiver.url)  # allowed while the setting is on
    monkeypatch.setattr(get_settings(), "webhook_allow_private", False)
    with pytest.raises(WebhookRefused, match=r"127\.0\.0\.1 is a loopback address"):
        _store_url(migrated, owner, receiver.url)
    run_id = _ended_run(migrated, version_id)
    assert webhook.deliver_due(migrated) == 1  # checked again at delivery: refused, not sent
    assert receiver.requests == []
    entry = _run(migrated, run_id).webhook_log[0]
    assert entry["status"] is None and "loopback" in entry["error"]


def test_the_stored_url_is_ciphertext(migrated, owner_and_version, receivers):
    owner, _version_id = owner_and_version
    url = receivers([200]).url
    _store_url(migrated, owner, url)
    with migrated.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT webhook_url_encrypted FROM users WHERE id = :id"),
            {"id": owner.hex if migrated.dialect.name == "sqlite" else owner},
        ).scalar_one()
    assert stored and "127.0.0.1" not in stored and "s3cret" not in stored
    with Session(migrated) as session:
        assert read_webhook(session, owner_id=owner) == url
        delete_webhook(session, owner_id=owner)
        session.commit()
        assert read_webhook(session, owner_id=owner) is None


def test_send_a_test_reports_the_http_answer(settings_here, receivers):
    assert webhook.send_test(receivers([204]).url) == "Test delivered (HTTP 204)."
    assert webhook.send_test(receivers([404]).url) == "Test failed: HTTP 404."
    assert webhook.send_test("ftp://example.com/") == (
        "Test failed: Only http:// and https:// URLs can receive the webhook."
    )


def test_the_monitor_delivers_in_its_own_loop_and_outlives_a_failing_pass(
    migrated, database_url, owner_and_version, receivers, monkeypatch
):
    from trainpkg_app.db import engine as engine_module
    from trainpkg_app.deploy import monitor

    owner, version_id = owner_and_version
    receiver = receivers([200])
    _store_url(migrated, owner, receiver.url)
    run_id = _ended_run(migrated, version_id)
    monkeypatch.setattr(get_settings(), "database_url", database_url)  # the app's engine: this DB
    engine_module.get_engine.cache_clear()
    passes, deliver = [], webhook.deliver_due

    def deliver_after_a_broken_pass():
        passes.append(1)
        if len(passes) == 1:
            raise RuntimeError("the database went away")
        return deliver()

    monkeypatch.setattr(webhook, "deliver_due", deliver_after_a_broken_pass)
    monkeypatch.setattr(monitor, "POLL_S", 0.05)

    async def until_delivered() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(monitor.deliver_webhooks())
        deadline = loop.time() + 15
        while not receiver.requests and loop.time() < deadline and not task.done():
            await asyncio.sleep(0.05)
        task.cancel()

    try:
        asyncio.run(until_delivered())
    finally:
        engine_module.get_engine().dispose()
        engine_module.get_engine.cache_clear()
    assert len(passes) >= 2  # the failing pass was logged, and the loop went on
    assert receiver.requests[0][2]["run_id"] == str(run_id)
    assert _run(migrated, run_id).webhook_log[0]["delivered"] is True


def test_delivery_works_under_row_level_security(seeded, settings_here, receivers):
    """PostgreSQL as the app runs it (an ordinary role): the monitor's system scope claims,
    reads and logs a user's run."""
    from trainpkg_app.db.engine import scope_to_user, session_scope

    app, users = seeded
    owner, _version_id = users["a"]
    receiver = receivers([200])
    with session_scope(app) as session:
        scope_to_user(session, owner)
        save_webhook(session, owner_id=owner, url=receiver.url)
    with session_scope(app, system=True) as session:
        (run,) = session.exec(sa.select(Deployment)).scalars().all()
        run.webhook_due_at, run_id = utc_now(), run.id
    assert webhook.deliver_due(app, delays=SHORT) == 1
    assert receiver.requests[0][2]["run_id"] == str(run_id)
    with session_scope(app, system=True) as session:
        assert session.get(Deployment, run_id).webhook_log[0]["delivered"] is True
