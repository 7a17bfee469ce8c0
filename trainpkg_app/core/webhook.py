"""The run-end webhook's rules: what is POSTed, when it is tried again, which URLs and which
addresses are refused, and the delivery log's lines. No reflex, no database: the resolver is
a parameter (the system's by default), so the rules are tested with any answer."""

from __future__ import annotations

import ipaddress
import math
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

EVENT = "run.ended"
TEST_EVENT = "webhook.test"
MAX_URL_LENGTH = 2048
# Seconds to wait after each failed attempt; one attempt more than delays, then give up.
RETRY_DELAYS_S: tuple[float, ...] = (10, 30, 120, 600, 3600)

Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookRefused(ValueError):
    """A URL or a destination the webhook will not POST to; says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the addresses its host resolved to (all of them allowed)."""

    url: str
    host: str
    port: int
    addresses: list[str]


def check_url(url: str) -> str:
    """The URL, stripped, or WebhookRefused with what is wrong with it."""
    url = url.strip()
    if not url:
        raise WebhookRefused("Enter the URL to POST to (https://…).")
    if len(url) > MAX_URL_LENGTH:
        raise WebhookRefused(f"The URL is too long: at most {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise WebhookRefused("The URL must not contain spaces or control characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise WebhookRefused("Only http:// and https:// URLs can receive the webhook.")
    if "@" in parts.netloc:
        raise WebhookRefused("Leave credentials out of the URL (no user:password@).")
    if not parts.hostname:
        raise WebhookRefused("The URL has no host name.")
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise WebhookRefused("The URL's port is not a number from 1 to 65535.") from None
    return url


def address_refusal(address: Address) -> str:
    """Why the webhook may not reach this address (a private or special one), or ''."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour  # an IPv4 address in disguise
        if embedded:
            return address_refusal(embedded)
        if address.teredo:
            return f"{address} is a Teredo tunnel address"
        if address.is_site_local:
            return f"{address} is a site-local address"
    for kind, test in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if test:
            return f"{address} is a {kind} address"
    return "" if address.is_global else f"{address} is not a public address"


def check_addresses(host: str, addresses: Sequence[str], *, allow_private: bool) -> None:
    """Every address the host resolved to must be public (unless private ones are allowed)."""
    if not addresses:
        raise WebhookRefused(f"{host} does not resolve to any address.")
    if allow_private:
        return
    for text in addresses:
        reason = address_refusal(ipaddress.ip_address(text.split("%")[0]))
        if reason:
            raise WebhookRefused(
                f"Refused: {host} resolves to {reason}; the webhook only goes to public hosts."
            )


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolves the host to (numeric forms included)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookRefused(f"{host} cannot be resolved ({error}).") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_target(url: str, *, allow_private: bool, resolve: Resolver = system_resolver) -> Target:
    """A URL checked and resolved now: at save time, and again before each delivery."""
    parts = urlsplit(check_url(url))
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    host = parts.hostname or ""
    addresses = resolve(host, port)
    check_addresses(host, addresses, allow_private=allow_private)
    return Target(url=url.strip(), host=host, port=port, addresses=addresses)


def masked(url: str) -> str:
    """What the browser may see of a stored URL: its scheme and host, then an ellipsis."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else "…"


def next_delay(attempt: int, delays: Sequence[float] = RETRY_DELAYS_S) -> float | None:
    """Seconds until the next try after failed attempt ``attempt`` (1-based); None: give up."""
    return delays[attempt - 1] if 1 <= attempt <= len(delays) else None


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _finite(value: float | None) -> float | None:
    return value if isinstance(value, int | float) and math.isfinite(value) else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class RunEnd:
    """The facts of an ended run that the payload carries (the db row, without the db)."""

    run_id: str
    package: str
    version: str
    target: str
    status: str
    error: str = ""
    steps: int | None = None
    last_loss: float | None = None
    estimated_cost: Decimal | None = None
    actual_cost: Decimal | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    url: str = ""


def payload(run: RunEnd) -> dict[str, Any]:
    """The JSON body of a run-end notice (costs in USD as strings, times in ISO 8601)."""
    return {
        "event": EVENT,
        "run_id": run.run_id,
        "package": run.package,
        "version": run.version,
        "target": run.target,
        "status": run.status,
        "error": run.error or None,
        "steps": run.steps,
        "last_loss": _finite(run.last_loss),
        "estimated_cost_usd": _money(run.estimated_cost),
        "actual_cost_usd": _money(run.actual_cost),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "url": run.url or None,
    }


def sample_payload(now: datetime) -> dict[str, Any]:
    """What "Send a test" POSTs: the same shape, marked as a test."""
    sample = RunEnd(
        run_id="test", package="Example package", version="v1", target="local",
        status="completed", steps=0, started_at=now, finished_at=now,
    )  # fmt: skip
    return payload(sample) | {"event": TEST_EVENT}


def attempt_entry(
    attempt: int,
    at: datetime,
    *,
    status: int | None,
    error: str,
    delays: Sequence[float] = RETRY_DELAYS_S,
) -> dict[str, Any]:
    """One attempt for the run's delivery log (never the URL): delivered on a 2xx, else when
    the next try comes (None: given up)."""
    delivered = status is not None and 200 <= status < 300
    return {
        "attempt": attempt,
        "at": at.isoformat(),
        "status": status,
        "error": "" if delivered else error or _status_words(status),
        "delivered": delivered,
        "next_in_s": None if delivered else next_delay(attempt, delays),
    }


def _status_words(status: int | None) -> str:
    if status is not None and 300 <= status < 400:
        return f"HTTP {status} (redirects are not followed)"
    return f"HTTP {status}"


def wait_words(seconds: float) -> str:
    """10 s, 2 min, 1 h."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def log_lines(entries: Sequence[dict[str, Any]]) -> list[str]:
    """The delivery log as the run panel shows it."""
    lines = []
    for entry in entries:
        if entry.get("delivered"):
            at = datetime.fromisoformat(entry["at"]).strftime("%H:%M")
            lines.append(f"Delivered at {at} UTC (HTTP {entry['status']})")
            continue
        line = f"Attempt {entry['attempt']} failed: {entry['error']}"
        if entry.get("next_in_s") is not None:
            lines.append(f"{line}; next try in {wait_words(entry['next_in_s'])}")
        else:
            lines += [line, f"Gave up after {entry['attempt']} attempts"]
    return lines
