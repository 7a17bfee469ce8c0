"""Forged events: a signed-in member talks to the websocket the way the compiled frontend does,
but sends what no button sends. Each refusal is asserted together with "nothing changed":
the database rows, the files, the requests the fake Hub received."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.browserkit.app import new_account
from tests.browserkit.forged import (
    ForgedClient,
    capture_connect,
    handler,
    on_page,
    with_session,
)
from tests.trainkit.packages import published_snapshot, write_rows

WORKSPACE = ("workspace", "WorkspaceState")
PACKAGES = ("packages", "PackagesState")
HISTORY = ("history", "HistoryState")
COMPARE = ("compare", "CompareState")
RUNS = ("runs", "RunState")
UPLOAD = handler("datasets", "DatasetState", "handle_upload")
OPENED = '"package_name_rx_state_": "Untitled package'  # the tab's package is on screen


def _session_token(engine, user_id) -> str:
    from trainpkg_app.db.accounts import start_session

    with Session(engine) as session:
        token = start_session(session, user_id, timedelta(hours=1))
        session.commit()
    return token


def _user_with_version(engine, who: str, package_name: str, folder: Path):
    """A new user with one package and its version 1: (user id, package id, version id)."""
    from trainpkg_app.db.packages import create_package
    from trainpkg_app.db.versions import publish_version

    user = new_account(engine, f"{who}-{uuid.uuid4().hex[:6]}@example.com", "x" * 16)
    with Session(engine) as session:
        package = create_package(session, owner_id=user, name=package_name)
        version = publish_version(
            session,
            owner_id=user,
            package_id=package.id,
            snapshot=published_snapshot(write_rows(folder / "qa.jsonl")),
            change_summary="",
            parent_version_id=None,
        )
        session.commit()
        return user, package.id, version.id


@pytest.fixture(scope="module")
def victim(app_db, data_dir, tmp_path_factory):
    """Another user with a package, a published version and an uploaded file on disk."""
    folder = tmp_path_factory.mktemp("victim")
    user, package, version = _user_with_version(app_db, "victim", "secret work", folder)
    ids = {"user": user, "package": str(package), "version": str(version)}
    upload = data_dir / "uploads" / str(user) / ids["package"] / "private.jsonl"
    upload.parent.mkdir(parents=True)
    upload.write_text('{"text": "the victim\'s data"}\n')
    return ids | {"upload": upload}


@pytest.fixture(scope="module")
def hydrate(browser, app_url, app_db, owner_id):
    """What the browser sends when /training opens, captured once."""
    from tests.browserkit.app import signed_in_state

    context = browser.new_context(storage_state=signed_in_state(app_db, app_url, owner_id))
    try:
        return capture_connect(context.new_page(), app_url)
    finally:
        context.close()


@pytest.fixture
def mallory(app_db, app_url, hydrate):
    """A member with a package of their own, connected as their browser would be."""
    user = new_account(app_db, f"mallory-{uuid.uuid4().hex[:6]}@example.com", "x" * 16)
    client = ForgedClient(app_url, with_session(hydrate, _session_token(app_db, user)))
    client.connect().wait_for(OPENED)
    yield client, user
    client.close()


def _packages_of(engine, user) -> list[dict]:
    """Each of the user's packages as stored: its name, draft and revision."""
    from sqlmodel import select

    from trainpkg_app.db.drafts import content_of
    from trainpkg_app.db.models import TrainingPackage

    with Session(engine) as session:
        rows = session.exec(select(TrainingPackage).where(TrainingPackage.owner_id == user)).all()
        return [
            {
                "name": row.name,
                "draft": content_of(row).model_dump(),
                "revision": row.revision,
            }
            for row in rows
        ]


MARK = "4242"


def _marked(packages: list[dict]) -> list[dict]:
    """The packages as they are once the draft's seed reads MARK (the only change expected)."""
    for package in packages:
        package["draft"]["forms"]["config"]["seed"] = MARK
        package.pop("revision")
    return packages


def _after_a_marked_save(client: ForgedClient, engine, user) -> list[dict]:
    """Make one real edit (the seed), save, and wait for the database to hold it: every event
    sent before it has been handled, and anything it changed would have been saved with it."""
    client.send(handler(*WORKSPACE, "set_field"), step="config", field="seed", value=MARK)
    client.send(handler(*WORKSPACE, "save_now"))
    deadline = time.monotonic() + 20
    while True:
        packages = _packages_of(engine, user)
        if all(p["draft"]["forms"]["config"]["seed"] == MARK for p in packages):
            return _marked(packages)
        assert time.monotonic() < deadline, "the marked edit was not saved in 20 s"
        time.sleep(0.1)


def _versions(engine) -> list[tuple]:
    with engine.connect() as connection:
        query = "SELECT id, status, parent_version_id FROM training_package_versions ORDER BY id"
        return [tuple(row) for row in connection.execute(sa.text(query))]


def _refused(client: ForgedClient, name: tuple[str, str, str], **payload) -> str:
    """Send the event; the refusal the browser is shown."""
    before = len(client.updates)
    client.send(handler(*name), **payload)
    client.wait_for("Refused: ")
    return json.dumps(client.updates[before:])


@pytest.mark.parametrize(
    ("event", "payload", "why"),
    [
        (
            (*WORKSPACE, "set_field"),
            {"step": "config", "field": "learning_rate", "value": 0.5},
            "value: Input should be a valid string",
        ),
        (
            (*WORKSPACE, "set_field"),
            {"step": "dataset", "field": "path", "value": "/etc/passwd"},
            "the dataset step has no field 'path'",
        ),
        (
            (*WORKSPACE, "set_field"),
            {"step": "model", "field": "model_id", "value": "x" * 9000},
            "value: String should have at most 4096 characters",
        ),
        (
            (*WORKSPACE, "set_field"),
            {"step": "secrets", "field": "x", "value": "1"},
            "step: Input should be 'model', 'config', 'dataset' or 'deploy'",
        ),
        (
            (*WORKSPACE, "set_advanced_config"),
            {"value": "yes"},
            "value: Input should be a valid boolean",
        ),
        ((*WORKSPACE, "use_preset"), {"preset": "__class__"}, "preset: Input should be"),
        (
            (*PACKAGES, "set_name_input"),
            {"value": "n" * 9000},
            "value: String should have at most 512 characters",
        ),
        (
            (*HISTORY, "archive"),
            {"version_id": "../../etc", "archived": True},
            "version_id: String should match pattern",
        ),
        (
            (*HISTORY, "set_include_archived"),
            {"value": float("nan")},
            "value: Input should be a valid boolean",
        ),
        ((*WORKSPACE, "go_to"), {"step": 3}, "step: Input should be"),
    ],
)
def test_wrong_types_and_sizes_are_refused_and_change_nothing(app_db, mallory, event, payload, why):
    client, user = mallory
    before = _packages_of(app_db, user)
    assert why in _refused(client, event, **payload)
    assert _after_a_marked_save(client, app_db, user) == _marked(before)


def test_helpers_are_not_events(app_db, mallory, victim):
    """The methods that attach a dataset by path are private: no event reaches them."""
    client, user = mallory
    before = _packages_of(app_db, user)
    row = {"source": "upload", "dataset_id": "x.jsonl", "path": str(victim["upload"])}
    for name in ((*WORKSPACE, "_attach_dataset"), ("datasets", "DatasetState", "_attach")):
        client.send(handler(*name), row=row)
    client.send(handler(*WORKSPACE, "attach_dataset"), row=row)  # the old public name
    client.send(handler(*WORKSPACE, "setvar"), var_name="datasets", value=[row])
    assert _after_a_marked_save(client, app_db, user) == _marked(before)
    assert "the victim's data" not in client.text()


def test_another_users_ids_get_the_answer_of_ids_that_do_not_exist(
    app_db, app_url, hydrate, mallory, victim, e2e_hub
):
    """Each question is asked on a fresh tab, once with the victim's id and once with an id
    that exists nowhere: the two tabs are told exactly the same."""
    _client, user = mallory
    versions, hub_requests = _versions(app_db), len(e2e_hub.requests)
    nobody = str(uuid.uuid4())
    for name, argument, fragment in [
        ((*PACKAGES, "open_package"), "package_id", "This package does not exist."),
        ((*RUNS, "deploy"), "version_id", "does not exist"),
        ((*COMPARE, "open_compare"), "version_id", "does not exist"),
        ((*HISTORY, "archive"), "version_id", "does not exist"),
    ]:
        extra = {"label": "v1"} if name[-1] == "deploy" else {}
        extra |= {"archived": True} if name[-1] == "archive" else {}
        answers = []
        for target in (victim[argument.split("_")[0]], nobody):
            tab = ForgedClient(app_url, with_session(hydrate, _session_token(app_db, user)))
            tab.connect().wait_for(OPENED)
            before = len(tab.updates)
            tab.send(handler(*name), **{argument: target}, **extra)
            tab.wait_for(fragment)
            answers.append(_messages(tab.updates[before:], target, fragment))
            tab.close()
        assert answers[0] == answers[1], name  # "not yours" reads as "not there"
        assert answers[0], name
    assert _versions(app_db) == versions  # nothing archived, nothing published
    # nothing reached the Hub on their behalf (no write, no whoami: a deploy's first calls);
    # earlier tests' runs may still be polled in the background (GETs of their stage and files)
    asked = e2e_hub.requests[hub_requests:]
    assert [r for r in asked if r.startswith("POST") or "whoami" in r] == []


def _messages(updates: list[dict], target: str, fragment: str) -> list[str]:
    """The texts that carry the answer, with the id that was asked for blanked out."""
    found = []
    for update in updates:
        for text in _strings(update):
            if fragment in text:
                found.append(text.replace(target, "<id>"))
    return sorted(set(found))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


# --- uploads ------------------------------------------------------------------------------


def _jsonl(megabytes: float) -> bytes:
    row = json.dumps({"prompt": "p" * 200, "completion": "c" * 200}).encode() + b"\n"
    return row * int(megabytes * 1e6 / len(row))


def _upload(app_url: str, client_token: str, data: bytes, **headers) -> httpx.Response:
    return httpx.post(
        f"{app_url}/_upload",
        headers={"reflex-client-token": client_token, "reflex-event-handler": UPLOAD} | headers,
        files={"files": ("rows.jsonl", data, "application/octet-stream")},
        timeout=60,
    )


def _stored(data_dir) -> list[Path]:
    return sorted(p for p in (data_dir / "uploads").rglob("*") if p.is_file())


def test_an_upload_from_a_tab_that_is_not_signed_in_is_refused_unread(
    app_url, hydrate, data_dir, victim
):
    stored = _stored(data_dir)
    tab = ForgedClient(app_url, with_session(hydrate, "")).connect()
    for token in (tab.client_token, str(uuid.uuid4())):
        response = _upload(app_url, token, _jsonl(0.1))
        assert (response.status_code, response.json()) == (
            401,
            {"detail": "Sign in to upload files."},
        )
    tab.close()
    assert _stored(data_dir) == stored


def test_an_oversized_or_unmeasured_upload_is_refused_before_its_body(app_url, mallory, data_dir):
    client, _user = mallory
    stored = _stored(data_dir)
    response = _upload(app_url, client.client_token, _jsonl(2.0))
    assert response.status_code == 413
    assert "over the 1 MB upload limit" in response.json()["detail"]
    chunked = httpx.post(
        f"{app_url}/_upload",
        headers={"reflex-client-token": client.client_token, "reflex-event-handler": UPLOAD},
        content=iter([b"--x\r\n", b"..."]),  # no Content-Length: sent chunked
        timeout=60,
    )
    assert chunked.status_code == 411
    assert _stored(data_dir) == stored


def test_parallel_uploads_cannot_pass_the_quota_together(
    app_url, app_db, hydrate, mallory, data_dir
):
    """Two tabs of one user upload 0.9 MB each at once against a 1.5 MB quota: one is kept."""
    _client, user = mallory
    tabs = [
        ForgedClient(app_url, with_session(hydrate, _session_token(app_db, user))).connect()
        for _ in range(2)
    ]
    for tab in tabs:
        tab.wait_for(OPENED)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda tab: _upload(app_url, tab.client_token, _jsonl(0.9)), tabs))
    for tab in tabs:
        tab.close()
    assert [answer.status_code for answer in answers] == [200, 200]
    mine = [p for p in _stored(data_dir) if str(user) in str(p)]
    assert len(mine) == 1
    assert sum("MB quota" in answer.text for answer in answers) == 1


# --- background loops -----------------------------------------------------------------------


@pytest.fixture
def running_run(app_db, tmp_path):
    """A member whose only package has a local run in progress (its process lives)."""
    from trainpkg_app.db.models import Deployment, utc_now

    user, _package, version = _user_with_version(app_db, "watcher", "watched", tmp_path)
    process = subprocess.Popen(["sleep", "600"])
    with Session(app_db) as session:
        session.add(
            Deployment(
                version_id=version,
                target="local",
                status="running",
                pid=process.pid,
                run_dir=str(tmp_path),
                started_at=utc_now(),
            )
        )
        session.commit()
    yield user
    process.kill()
    process.wait()


def _live_on_reconnect(app_url: str, auth: dict, client_token: str) -> str:
    """What the server holds for an earlier tab, read by reconnecting it on /login: a page that
    follows no run, so the probe itself starts no watch."""
    probe = ForgedClient(app_url, on_page(auth, "/login/"), client_token).connect()
    hydrated = json.dumps(probe.updates[0])  # the state as the server kept it
    probe.close()
    return "true" if '"live_rx_state_": true' in hydrated else "false"


def test_a_run_watch_ends_with_its_tab(app_db, app_url, hydrate, running_run):
    auth = with_session(hydrate, _session_token(app_db, running_run))
    tab = ForgedClient(app_url, auth).connect()
    tab.wait_for('"live_rx_state_": true')  # opening the package follows its run
    tab.send(handler(*RUNS, "watch"))  # a forged second loop: the newest wins, one runs
    tab.close()
    deadline = time.monotonic() + 30
    while _live_on_reconnect(app_url, auth, tab.client_token) == "true":
        assert time.monotonic() < deadline, "the watch loop outlived its tab by 30 s"
        time.sleep(1.5)  # each probe reconnects for a moment: let its own loop see it leave
