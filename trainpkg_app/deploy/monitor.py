"""The app's run monitor: at start-up it fails runs whose process is gone; then it keeps the
records of active runs in step with their processes, whether or not a tab is open."""

from __future__ import annotations

import asyncio
import logging
import time

import sqlalchemy as sa
from sqlmodel import select

from trainpkg_app.core.workers import this_worker
from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import Deployment
from trainpkg_app.deploy import run_queue, service, webhook
from trainpkg_app.deploy.backends import backend_for
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.settings import get_settings

POLL_S = 1.0
logger = logging.getLogger(__name__)

_last_poll: dict[str, float] = {}  # run id -> when this worker last synced it


def _due(deployment: Deployment) -> bool:
    """Whether the run's backend may be asked again (a Hub run at most every hub_poll_s)."""
    now, run = time.monotonic(), str(deployment.id)
    if now - _last_poll.get(run, 0.0) < backend_for(deployment.target).poll_interval_s:
        return False
    _last_poll[run] = now
    return True


def sync_active_runs() -> None:
    """Follow every active run this worker holds the lease of (claiming free ones)."""
    with session_scope(system=True) as session:
        active = session.exec(select(Deployment.id).where(Deployment.status.in_(service.ACTIVE)))
        for deployment_id in active.all():
            deployment = session.get(Deployment, deployment_id)
            if _due(deployment) and service.claim(session, deployment_id, this_worker()):
                try:
                    service.sync(session, deployment)
                except HubProblem as problem:  # the Hub is down: keep the run, try again later
                    deployment.log_tail = f"Could not reach the Hub: {problem}"


async def deliver_webhooks() -> None:
    """Send the due run-end webhooks, apart from the run loop: a slow receiver delays no run."""
    while True:
        try:
            await asyncio.to_thread(webhook.deliver_due)
        except Exception as error:  # a webhook never stops the monitor
            logger.error("Webhook delivery: %s; retrying.", type(error).__name__)
        await asyncio.sleep(POLL_S)


async def monitor_runs() -> None:
    """A lifespan task: reconcile once, then follow active runs until the app stops."""
    webhooks = asyncio.create_task(deliver_webhooks())
    try:
        await _follow_runs()
    finally:
        webhooks.cancel()


async def _follow_runs() -> None:
    try:
        with session_scope(system=True) as session:
            ended = await asyncio.to_thread(service.reconcile, session)
        if ended:
            logger.warning("Marked %d run(s) failed: their process was gone at start-up.", ended)
    except sa.exc.SQLAlchemyError as error:
        logger.error("Could not reconcile runs at start-up: %s", error)
    while True:
        try:
            await asyncio.to_thread(sync_active_runs)
            await asyncio.to_thread(drive_run_queue)
        except sa.exc.SQLAlchemyError as error:
            logger.error("Run monitor: the database did not answer (%s); retrying.", error)
        await asyncio.sleep(POLL_S)


def drive_run_queue() -> None:
    """Start the queued runs whose turn it is (one worker drives, deploy/run_queue.py)."""
    run_queue.drive_as(this_worker(), get_settings().data_dir / "runs")
