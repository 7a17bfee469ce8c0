"""Delivering the run-end webhook: each run whose ``webhook_due_at`` has come is claimed by one
worker, POSTed to its owner's URL (checked and resolved again, and sent to the very address that
was checked), and its attempt logged; the next try is scheduled by the core's backoff.

Each step is its own short transaction: the claim is committed before the POST, so that two
workers never send it twice, and no database lock is held while a slow receiver answers."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import select

from trainpkg_app.core import webhook as rules
from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import (
    Deployment,
    TrainingPackage,
    TrainingPackageVersion,
    User,
    as_utc,
    utc_now,
)
from trainpkg_app.secrets_store import decrypt
from trainpkg_app.settings import get_settings

TIMEOUT_S = 5.0  # the whole POST, connect to status line
CLAIM_S = 120  # a claimed attempt that never reported back is tried again after this
PER_PASS = 20  # runs delivered per monitor pass, at most
logger = logging.getLogger(__name__)


def deliver_due(
    engine: sa.Engine | None = None,
    *,
    delays: Sequence[float] = rules.RETRY_DELAYS_S,
    timeout_s: float = TIMEOUT_S,
) -> int:
    """Try every due delivery once; returns how many attempts were made."""
    now = utc_now()
    with session_scope(engine, system=True) as session:
        due = session.exec(
            select(Deployment.id)
            .where(Deployment.webhook_due_at <= now)
            .order_by(Deployment.webhook_due_at)
            .limit(PER_PASS)
        ).all()
    attempts = 0
    for deployment_id in due:
        job = _claim(engine, deployment_id)
        if job is None:
            continue
        url, body, attempt = job
        status, error = _send(url, body, timeout_s)
        with session_scope(engine, system=True) as session:
            _record(session, deployment_id, attempt, status, error, delays)
        attempts += 1
    return attempts


def _claim(engine, deployment_id: uuid.UUID) -> tuple[str, dict, int] | None:
    """Take the due attempt (none when another worker took it, or the owner has no URL):
    (URL, payload, attempt number)."""
    now = utc_now()
    with session_scope(engine, system=True) as session:
        taken = session.exec(
            sa.update(Deployment)
            .where(Deployment.id == deployment_id, Deployment.webhook_due_at <= now)
            .values(webhook_due_at=now + timedelta(seconds=CLAIM_S))
        )
        if taken.rowcount != 1:
            return None
        deployment = session.get(Deployment, deployment_id)
        version = session.get(TrainingPackageVersion, deployment.version_id)
        package = session.get(TrainingPackage, version.package_id)
        owner = session.get(User, package.owner_id)
        if not owner.webhook_url_encrypted:  # nothing to deliver to: nothing to log
            deployment.webhook_due_at = None
            return None
        body = rules.payload(_run_end(deployment, version, package))
        attempt = len(deployment.webhook_log or []) + 1
        return decrypt(owner.webhook_url_encrypted), body, attempt


def _run_end(
    deployment: Deployment, version: TrainingPackageVersion, package: TrainingPackage
) -> rules.RunEnd:
    digest = version.training_metrics or {}
    app_url = get_settings().app_url.rstrip("/")
    return rules.RunEnd(
        run_id=str(deployment.id),
        package=package.name,
        version=f"v{version.version_number}",
        target=deployment.target,
        status=deployment.status,
        error=deployment.error,
        steps=digest.get("steps"),
        last_loss=digest.get("last_loss"),
        estimated_cost=deployment.estimated_cost,
        actual_cost=deployment.actual_cost,
        started_at=as_utc(deployment.started_at) if deployment.started_at else None,
        finished_at=as_utc(deployment.finished_at) if deployment.finished_at else None,
        url=f"{app_url}/training?package={package.id}" if app_url else "",
    )


def _record(session, deployment_id, attempt: int, status, error: str, delays) -> None:
    deployment = session.get(Deployment, deployment_id)
    now = utc_now()
    entry = rules.attempt_entry(attempt, now, status=status, error=error, delays=delays)
    deployment.webhook_log = [*(deployment.webhook_log or []), entry]
    wait = entry["next_in_s"]
    deployment.webhook_due_at = None if wait is None else now + timedelta(seconds=wait)


def _send(url: str, body: dict[str, Any], timeout_s: float) -> tuple[int | None, str]:
    """(HTTP status, '') or (None, why it failed): never raises, never says the URL."""
    try:
        target = rules.check_target(url, allow_private=get_settings().webhook_allow_private)
        return asyncio.run(_post(target, body, timeout_s)), ""
    except rules.WebhookRefused as refused:
        return None, str(refused)
    except (TimeoutError, httpx.TimeoutException):
        return None, f"no answer within {timeout_s:g} s"
    except httpx.ConnectError:
        return None, "could not connect"
    except httpx.HTTPError as error:
        return None, f"HTTP error ({type(error).__name__})"
    except Exception as error:  # a webhook never breaks the monitor
        logger.warning("Webhook delivery failed unexpectedly: %s", type(error).__name__)
        return None, f"unexpected error ({type(error).__name__})"


async def _post(target: rules.Target, body: dict[str, Any], timeout_s: float) -> int:
    """POST to the checked addresses themselves (a second DNS answer cannot redirect it), with
    the URL's host as Host and TLS name; no redirect followed, no proxy, the body never read."""
    url = httpx.URL(target.url)
    headers = {"Host": url.netloc.decode("ascii"), "User-Agent": "trainpkg-webhook/1"}
    extensions = {"sni_hostname": target.host} if url.scheme == "https" else {}
    async with (
        asyncio.timeout(timeout_s),
        httpx.AsyncClient(timeout=timeout_s, follow_redirects=False, trust_env=False) as client,
    ):
        for index, address in enumerate(target.addresses):
            request = client.build_request(
                "POST", url.copy_with(host=address), json=body, headers=headers
            )
            request.extensions.update(extensions)
            try:
                response = await client.send(request, stream=True)
            except httpx.ConnectError:
                if index == len(target.addresses) - 1:
                    raise
                continue
            await response.aclose()
            return response.status_code
    raise httpx.ConnectError("no address")  # not reached: check_target gives one at least


def send_test(url: str, timeout_s: float = TIMEOUT_S) -> str:
    """POST the test payload now; what the dialog shows of the answer."""
    status, error = _send(url, rules.sample_payload(utc_now()), timeout_s)
    if status is not None and 200 <= status < 300:
        return f"Test delivered (HTTP {status})."
    return f"Test failed: {error.rstrip('.') or f'HTTP {status}'}."
