"""Concurrent sessions: N simulated users, each a real socket.io client (python-socketio) that
speaks Reflex's event protocol the way the browser does: it connects with the hydrate event
Chromium sends (captured once per run, with the user's own session token swapped in), sends
the events the server hands back (auto-save included), and edits the learning rate.

Per N (50, 100, 200): a paced phase (each session edits about once a second: event p50/p95 and
events/s), a saturated phase (no pause: the throughput ceiling), then saves lost: sessions whose
last edit is not in the database once auto-save has had time (must be 0).

    .venv/bin/python bench/concurrent_sessions.py single              # SQLite, 1 worker
    .venv/bin/python bench/concurrent_sessions.py scaled [workers]    # PostgreSQL, Redis
      (scaled reads TRAINPKG_TEST_POSTGRES_URL and TRAINPKG_TEST_REDIS_URL, as .ci/run sets)
    BENCH_SESSIONS=2 .venv/bin/python bench/concurrent_sessions.py single   # a quick try

It finds the project's bun (.tools/, installed by scripts/ensure-bun.sh when missing) and a
Chromium (TRAINPKG_CHROMIUM, else scripts/ensure-browser.sh) itself.

Writes bench/results/concurrent-<mode>.json. Traffic stays on 127.0.0.1; it stops by itself.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import socketio
import sqlalchemy as sa
from bench_kit import exit_on_help, use_project_tools

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browserkit.app import (
    CHROMIUM_ARGS,
    app_environment,
    free_port,
    new_account,
    signed_in_state,
    start_app,
    stop_app,
)
from tests.browserkit.forged import capture_connect

RESULTS = Path(__file__).with_name("results")
SIZES = tuple(int(n) for n in os.environ.get("BENCH_SESSIONS", "50,100,200").split(","))
PACED_S, SATURATED_S, THINK_S = 20, 10, 1.0
AUTOSAVE_S = 5
NAMESPACE = "/_event"
ROUTER = {"pathname": "/training/", "asPath": "/training/"}
WORKSPACE = "reflex___state____state.trainpkg_app___state___workspace____workspace_state"
SET_FIELD = f"{WORKSPACE}.set_field"


def captured_hydrate(url: str, engine: sa.Engine) -> dict:
    """The CONNECT packet's auth that Chromium sends when /training opens (hydrate event and
    state schema), for a throwaway user; each client swaps in its own session token."""
    from playwright.sync_api import sync_playwright

    user = new_account(engine, f"template-{uuid.uuid4().hex[:8]}@example.com", "x" * 16)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("TRAINPKG_CHROMIUM") or None, args=CHROMIUM_ARGS
        )
        context = browser.new_context(storage_state=signed_in_state(engine, url, user))
        auth = capture_connect(context.new_page(), url)
        browser.close()
    return auth


def session_key(auth: dict) -> str:
    """The hydrate variable that carries the session token (AuthState.session_token)."""
    return next(name for name in auth["event"]["payload"]["vars"] if "session_token" in name)


class Session:
    """One simulated user: a socket.io client that behaves like the browser's event loop."""

    def __init__(self, url: str, auth: dict, index: int):
        self.url, self.auth, self.index = url, auth, index
        self.client = socketio.AsyncClient(reconnection=False)
        self.updates: asyncio.Queue = asyncio.Queue()
        self.latencies: list[float] = []
        self.last_value = ""
        self.edits = 0
        self.client.on("event", self._on_update, namespace=NAMESPACE)

    async def _on_update(self, update: dict) -> None:
        for event in update.get("events") or []:  # server events come back to be sent
            if "." in event["name"]:  # "_call_script" and the like run in the browser
                await self.send(event["name"], event.get("payload") or {})
        await self.updates.put(update)

    async def send(self, name: str, payload: dict) -> None:
        event = {"name": name, "payload": payload, "router_data": ROUTER}
        await self.client.emit("event", event, namespace=NAMESPACE)

    async def connect(self) -> None:
        await self.client.connect(
            f"{self.url}?token={uuid.uuid4()}",
            socketio_path="/_event",
            namespaces=[NAMESPACE],
            transports=["websocket"],
            auth=self.auth,
            wait_timeout=60,
        )
        await self._until(lambda text: '"is_hydrated_rx_state_": true' in text, 60)

    async def _until(self, seen, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while True:
            update = await asyncio.wait_for(self.updates.get(), deadline - time.perf_counter())
            if seen(json.dumps(update.get("delta") or {})):
                return

    async def edit(self) -> float:
        """Change the learning rate; the time until the server's update carries it back."""
        self.edits += 1
        value = f"0.{self.index + 1:04d}{self.edits:05d}"  # unique per session and edit
        started = time.perf_counter()
        await self.send(SET_FIELD, {"step": "config", "field": "learning_rate", "value": value})
        await self._until(lambda text: value in text, 60)
        elapsed = (time.perf_counter() - started) * 1000
        self.last_value = value
        return elapsed


async def _edit_for(session: Session, seconds: float, think_s: float) -> list[float]:
    ends, latencies = time.perf_counter() + seconds, []
    await asyncio.sleep(random.uniform(0, think_s))  # users do not click in step
    while time.perf_counter() < ends:
        latencies.append(await session.edit())
        if think_s:
            await asyncio.sleep(random.uniform(0.5 * think_s, 1.5 * think_s))
    return latencies


async def _phase(sessions: list[Session], seconds: float, think_s: float) -> dict:
    started = time.perf_counter()
    results = await asyncio.gather(*(_edit_for(s, seconds, think_s) for s in sessions))
    wall = time.perf_counter() - started
    latencies = [ms for values in results for ms in values]
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "events": len(latencies),
        "events_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
    }


def _learning_rate(value):
    """The learning rate in a stored draft_config (typed when valid, text when not)."""
    if isinstance(value, dict):
        if "learning_rate" in value:
            return float(value["learning_rate"])
        return next((r for r in map(_learning_rate, value.values()) if r is not None), None)
    return None


def saved_learning_rates(engine: sa.Engine, owners: list[uuid.UUID]) -> dict[str, float | None]:
    """Each owner's newest draft's learning rate, as the database holds it."""
    query = sa.text("SELECT owner_id, draft_config FROM training_packages ORDER BY updated_at DESC")
    found: dict[str, float | None] = {}
    with engine.connect() as connection:
        for owner, config in connection.execute(query):
            config = json.loads(config) if isinstance(config, str) else config
            found.setdefault(str(uuid.UUID(str(owner))), _learning_rate(config))
    return {str(owner): found.get(str(owner)) for owner in owners}


async def _saves_lost(engine, sessions, owners, timeout: float = 90) -> tuple[int, float]:
    """Sessions whose last edit is not in the database after auto-save had ``timeout`` s."""
    started = time.perf_counter()
    while True:
        saved = saved_learning_rates(engine, owners)
        lost = [
            (s.last_value, saved[str(owner)])
            for s, owner in zip(sessions, owners, strict=True)
            if s.last_value and saved[str(owner)] != float(s.last_value)
        ]
        waited = time.perf_counter() - started
        if not lost or waited > timeout:
            if lost:
                print(f"{len(lost)} saves lost, e.g. (sent, stored): {lost[:3]}", flush=True)
            return len(lost), round(waited, 1)
        await asyncio.sleep(1)


async def _measure(url: str, auth: dict, engine, users, size: int) -> dict:
    key = session_key(auth)
    sessions = []
    for index, (_, token) in enumerate(users[:size]):
        personal = copy.deepcopy(auth)
        personal["event"]["payload"]["vars"][key] = token
        sessions.append(Session(url, personal, index))
    started = time.perf_counter()
    for batch in range(0, size, 25):  # a crowd arriving, not one burst
        await asyncio.gather(*(s.connect() for s in sessions[batch : batch + 25]))
    connected_s = time.perf_counter() - started
    paced = await _phase(sessions, PACED_S, THINK_S)
    saturated = await _phase(sessions, SATURATED_S, 0)
    lost, waited = await _saves_lost(engine, sessions, [owner for owner, _ in users[:size]])
    await asyncio.gather(*(s.client.disconnect() for s in sessions))
    return {
        "sessions": size,
        "connect_all_s": round(connected_s, 1),
        "paced": paced,
        "saturated": saturated,
        "saves_lost": lost,
        "saved_within_s": waited,
    }


def _users(engine, count: int) -> list[tuple[uuid.UUID, str]]:
    from datetime import timedelta

    from sqlmodel import Session as DbSession

    from trainpkg_app.db.accounts import start_session
    from trainpkg_app.db.models import User

    users = []
    with DbSession(engine) as db:
        for index in range(count):
            user = User(email=f"load-{index}-{uuid.uuid4().hex[:6]}@example.com", password_hash="x")
            db.add(user)
            db.flush()
            users.append((user.id, start_session(db, user.id, timedelta(hours=2))))
        db.commit()
    return users


def _scaled_environment(stack: ExitStack, data_dir: Path, port: int, workers: int):
    import redis

    from tests.integration.conftest import _fresh_postgres_database
    from trainpkg_app.db.migrations import upgrade

    redis_url = os.environ["TRAINPKG_TEST_REDIS_URL"]
    redis.Redis.from_url(redis_url).flushdb()
    databases = _fresh_postgres_database(os.environ["TRAINPKG_TEST_POSTGRES_URL"])
    database_url = next(databases)
    stack.callback(lambda: next(databases, None))  # drops the database
    upgrade(database_url)
    env = app_environment(
        data_dir,
        port,
        TRAINPKG_DATABASE_URL=database_url,
        REFLEX_REDIS_URL=redis_url,
        GRANIAN_WORKERS=str(workers),
        TRAINPKG_AUTOSAVE_INTERVAL_S=str(AUTOSAVE_S),
        REFLEX_OPLOCK_ENABLED=os.environ.get("OPLOCK", "true"),  # as make run-scaled
    )
    return env, database_url


def main() -> None:
    exit_on_help(__doc__)
    use_project_tools()
    mode = sys.argv[1] if len(sys.argv) > 1 else "single"
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else (2 if mode == "scaled" else 1)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        data_dir, port = Path(folder), free_port()
        if mode == "scaled":
            env, database_url = _scaled_environment(stack, data_dir, port, workers)
        else:
            env = app_environment(data_dir, port, TRAINPKG_AUTOSAVE_INTERVAL_S=str(AUTOSAVE_S))
            database_url = f"sqlite:///{data_dir / 'trainpkg.db'}"
        app = start_app(env, data_dir / "app.log", migrate=mode != "scaled")
        stack.callback(stop_app, app)
        engine = sa.create_engine(database_url)
        stack.callback(engine.dispose)
        url = f"http://127.0.0.1:{port}"
        auth = captured_hydrate(url, engine)
        users = _users(engine, max(SIZES))
        runs = []
        for size in SIZES:
            runs.append(asyncio.run(_measure(url, auth, engine, users, size)))
            print(json.dumps(runs[-1]), flush=True)
    figures = {
        "mode": mode,
        "workers": workers,
        "database": "postgresql" if mode == "scaled" else "sqlite",
        "state_manager": "redis" if mode == "scaled" else "memory",
        "think_s": THINK_S,
        "paced_s": PACED_S,
        "saturated_s": SATURATED_S,
        "autosave_interval_s": AUTOSAVE_S,
        "runs": runs,
        "note": "load generator and app share this 2-core machine",
    }
    RESULTS.mkdir(exist_ok=True)
    name = f"concurrent-{mode}" + (f"-{workers}w" if mode == "scaled" else "")
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
