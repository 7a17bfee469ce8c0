"""ASGI middleware in front of Reflex's upload endpoint (``/_upload``).

Reflex parses the whole multipart body before it calls the handler, and the handler is where
the session is checked. So, before a byte of the body is read: the request must name a client
whose session is signed in (401 otherwise), declare its length (411), and stay within the
upload limit (413); while streaming, a body longer than it declared is cut off (413) rather
than buffered."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import reflex as rx

from trainpkg_app.db.accounts import user_for_token
from trainpkg_app.db.engine import session_scope
from trainpkg_app.settings import get_settings
from trainpkg_app.state.auth import AuthState

UPLOAD_PATH = "/_upload"
MULTIPART_SLACK = 64 * 1024  # boundaries, part headers and the event-args field


class BodyTooLarge(Exception):
    pass


def _signed_in(session_token: str) -> bool:
    with session_scope() as session:
        return user_for_token(session, session_token) is not None


async def _session_token(app: rx.App, client_token: str) -> str:
    state = await app.state_manager.get_state(rx.BaseStateToken(ident=client_token, cls=AuthState))
    if not isinstance(state, AuthState):
        state = await state.get_state(AuthState)
    return state.session_token


async def _refuse(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _capped(receive: Callable[[], Awaitable[dict]], limit: int):
    seen = 0

    async def capped_receive() -> dict:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise BodyTooLarge
        return message

    return capped_receive


async def _problem(app: rx.App, headers: dict[bytes, bytes], limit: int) -> tuple[int, str]:
    """Why this upload is refused before its body is read: (status, detail), or (0, '')."""
    client = headers.get(b"reflex-client-token", b"").decode("latin-1")
    token = await _session_token(app, client) if client else ""
    if not token or not await rx.run_in_thread(lambda: _signed_in(token)):
        return 401, "Sign in to upload files."
    length = headers.get(b"content-length", b"")
    if not length.isdigit():
        return 411, "An upload must say its length (Content-Length)."
    if int(length) > limit:
        return 413, f"The file is over the {get_settings().max_upload_mb:g} MB upload limit."
    return 0, ""


def guard_uploads(get_app: Callable[[], rx.App]) -> Callable:
    """The transformer: ``get_app`` returns the Reflex app (its state manager holds sessions)."""

    def transform(asgi_app: Callable) -> Callable:
        async def guarded(scope, receive, send):
            if scope["type"] != "http" or scope["path"].rstrip("/") != UPLOAD_PATH:
                return await asgi_app(scope, receive, send)
            limit = get_settings().max_upload_bytes + MULTIPART_SLACK
            status, detail = await _problem(get_app(), dict(scope["headers"]), limit)
            if status:
                return await _refuse(send, status, detail)
            started = False

            async def tracked_send(message):
                nonlocal started
                started = started or message["type"] == "http.response.start"
                await send(message)

            try:
                await asgi_app(scope, _capped(receive, limit), tracked_send)
            except BodyTooLarge:
                if not started:
                    await _refuse(send, 413, "The upload is larger than it said it was.")

        return guarded

    return transform
