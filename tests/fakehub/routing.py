"""The fake Hub's route table: (method, path pattern) -> handler, first match wins.

A handler takes the request as a ``Call`` and the pattern's groups, and answers through
``call.send`` (JSON) or ``call.http`` (raw bytes). GET routes answer HEAD too, as the Hub does
for ``hf_hub_download``'s metadata request."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse


@dataclass
class Call:
    """One request as a route handler sees it."""

    http: BaseHTTPRequestHandler
    path: str  # unquoted, without the query
    query: dict[str, list[str]]
    token: str  # the bearer token, "" without one
    body: bytes  # b"" for GET and HEAD

    @classmethod
    def read(cls, http: BaseHTTPRequestHandler, with_body: bool) -> Call:
        url = urlparse(http.path)
        length = int(http.headers.get("content-length") or 0) if with_body else 0
        return cls(
            http=http,
            path=unquote(url.path),
            query=parse_qs(url.query),
            token=(http.headers.get("authorization") or "").removeprefix("Bearer ").strip(),
            body=http.rfile.read(length) if length else b"",
        )

    def send(self, status: int, body: Any, **headers: str | None) -> None:
        send_json(self.http, status, body, **headers)


Handler = Callable[..., None]
Route = tuple[str, str, Handler]  # method ("GET" or "POST"), pattern (full match), handler


class RouteTable:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = [
            (method, re.compile(pattern), handler) for method, pattern, handler in routes
        ]

    def dispatch(self, method: str, call: Call) -> bool:
        """Answer with the first route that matches; False when none does."""
        for route_method, pattern, handler in self.routes:
            match = pattern.fullmatch(call.path) if route_method == method else None
            if match:
                handler(call, *match.groups())
                return True
        return False


def send_json(
    request: BaseHTTPRequestHandler,
    status: int,
    body: Any,
    *,
    error_code: str | None = None,
    error_message: str | None = None,
) -> None:
    payload = json.dumps(body).encode()
    request.send_response(status)  # adds the one Date header
    request.send_header("Content-Type", "application/json")
    if status == 429:
        request.send_header("Retry-After", "0")  # the client retries at once, so tests stay fast
    request.send_header("Content-Length", str(len(payload)))
    if error_code:
        request.send_header("X-Error-Code", error_code)
    if error_message:
        request.send_header("X-Error-Message", error_message)
    request.end_headers()
    if request.command != "HEAD":
        request.wfile.write(payload)
