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
from trainpkg_app.deploy import service
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.settings import get_settings

POLL_S = 1.0
logger = logging.getLogger(__name__)

_last_hub_poll: dict[str, float] = {}


def _due(deployment: Deployment) -> bool:
    if deployment.target == "local":
        return True
    now = time.monotonic()
    if now - _last_hub_poll.get(str(deployment.id), 0.0) < get_settings().hub_poll_s:
        return False
    _last_hub_poll[str(deployment.id)] = now
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


async def monitor_runs() -> None:
    """A lifespan task: reconcile once, then follow active runs until the app stops."""
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
        except sa.exc.SQLAlchemyError as error:
            logger.error("Run monitor: the database did not answer (%s); retrying.", error)
        await asyncio.sleep(POLL_S)
