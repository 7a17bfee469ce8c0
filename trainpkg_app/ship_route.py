"""The download route of Ship it (``GET /_ship/download/<token>``), as ASGI middleware in front
of Reflex: the token (deploy/ship_tokens.py: short-lived, single-use, bound to its owner and
run) is all the browser sends; the server finds the folder and streams it as a zip with its
model card. A reused, expired or forged token answers 403; a run that is not the token
owner's, or has nothing to ship, answers 404 or 409 with the reason."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from trainpkg_app.db.engine import scope_to_user, session_scope
from trainpkg_app.db.errors import NotFound
from trainpkg_app.deploy.records import CannotResume
from trainpkg_app.deploy.ship import ShipRefused, shipment, zip_stream
from trainpkg_app.deploy.ship_tokens import TokenRefused, redeem
from trainpkg_app.hub.errors import HubProblem

PREFIX = "/_ship/download/"


def download_path(token: str) -> str:
    return PREFIX + token


def _prepared(token: str):
    grant = redeem(token)
    with session_scope() as session:
        scope_to_user(session, grant.owner_id)
        return shipment(session, grant.owner_id, grant.deployment_id, grant.what)


async def _answer(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def serve_downloads(asgi_app: Callable) -> Callable:
    """The transformer (``api_transformer``): downloads here, everything else to Reflex."""

    async def app(scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            return await asgi_app(scope, receive, send)
        token = scope["path"][len(PREFIX) :]
        try:
            shipped = await run_in_threadpool(_prepared, token)
        except TokenRefused as refused:
            return await _answer(send, 403, str(refused))
        except NotFound as missing:
            return await _answer(send, 404, str(missing))
        except (ShipRefused, CannotResume, HubProblem) as refused:
            return await _answer(send, 409, str(refused))
        response = StreamingResponse(
            zip_stream(shipped.folder, shipped.card),
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{shipped.zip_name}"',
                "Cache-Control": "no-store",
            },
        )
        return await response(scope, receive, send)

    return app
