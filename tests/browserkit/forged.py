"""A client that speaks the app's websocket protocol as the compiled frontend does (socket.io
on /_event, the hydrate event Chromium sends), so that a test can send what no button sends:
any handler, any arguments. Used by tests/e2e/test_forged_events.py and the bench."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid

import socketio

NAMESPACE = "/_event"
ROUTER = {"pathname": "/training/", "asPath": "/training/"}
ROOT = "reflex___state____state"


def handler(module: str, state: str, name: str) -> str:
    """The event name of ``trainpkg_app.state.<module>.<state>.<name>``."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in state).lstrip("_")
    return f"{ROOT}.trainpkg_app___state___{module}____{snake}.{name}"


def capture_connect(page, url: str) -> dict:
    """The CONNECT packet's auth (the hydrate event) that the browser sends on /training."""
    frames: list[str] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda f: frames.append(f)))
    page.goto(f"{url}/training")
    deadline = time.monotonic() + 60
    while not any(str(frame).startswith("40/_event,") for frame in frames):
        if time.monotonic() > deadline:
            raise RuntimeError("the browser sent no socket.io CONNECT to /_event in 60 s")
        page.wait_for_timeout(100)  # lets Playwright deliver the frame events
    connect = next(f for f in frames if str(f).startswith("40/_event,"))
    return json.loads(connect.removeprefix("40/_event,"))


def with_session(auth: dict, session_token: str) -> dict:
    """The captured auth with another user's session token in the hydrate."""
    auth = json.loads(json.dumps(auth))
    variables = auth["event"]["payload"]["vars"]
    key = next(name for name in variables if "session_token" in name)
    variables[key] = session_token
    return auth


def on_page(auth: dict, path: str) -> dict:
    """The captured auth as if the tab were on another page (its on_load events run)."""
    auth = json.loads(json.dumps(auth))
    router = auth["event"].setdefault("router_data", {})
    router |= {"pathname": path, "asPath": path}
    return auth


class ForgedClient:
    """One tab's connection, driven from synchronous tests (its loop runs in a thread)."""

    def __init__(self, url: str, auth: dict, client_token: str | None = None):
        """``client_token``: another connection of an earlier tab (its state on the server)."""
        self.url, self.auth = url, auth
        self.client_token = client_token or str(uuid.uuid4())
        self.updates: list[dict] = []
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        self._client = socketio.AsyncClient(reconnection=False)
        self._client.on("event", self._on_update, namespace=NAMESPACE)

    def _run(self, coroutine, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _on_update(self, update: dict) -> None:
        self.updates.append(update)
        for event in update.get("events") or []:  # a backend event handed back, as a tab does
            if "." in event["name"]:
                await self._emit(event["name"], event.get("payload") or {})

    async def _emit(self, name: str, payload: dict) -> None:
        event = {"name": name, "payload": payload, "router_data": ROUTER}
        await self._client.emit("event", event, namespace=NAMESPACE)

    def connect(self) -> ForgedClient:
        self._run(
            self._client.connect(
                f"{self.url}?token={self.client_token}",
                socketio_path="/_event",
                namespaces=[NAMESPACE],
                transports=["websocket"],
                auth=self.auth,
                wait_timeout=60,
            )
        )
        self.wait_for('"is_hydrated_rx_state_": true')
        return self

    def text(self) -> str:
        return json.dumps(self.updates)

    def wait_for(self, fragment: str, timeout: float = 20) -> str:
        """Until an update carries ``fragment``; the text of all updates so far."""
        deadline = time.monotonic() + timeout
        while fragment not in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"no update carried {fragment!r} in {timeout} s")
            time.sleep(0.05)
        return self.text()

    def send(self, name: str, **payload) -> None:
        self._run(self._emit(name, payload))

    def close(self) -> None:
        self._run(self._client.disconnect())
        self._loop.call_soon_threadsafe(self._loop.stop)
