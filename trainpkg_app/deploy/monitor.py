"""The app's run monitor: at start-up it fails runs whose process is gone; then it keeps the
records of active runs in step with their processes, whether or not a tab is open."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

import sqlalchemy as sa
from sqlmodel import select

from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import Deployment
from trainpkg_app.deploy import service

POLL_S = 1.0
logger = logging.getLogger(__name__)


WORKER = f"{socket.gethostname()}:{os.getpid()}"


def sync_active_runs() -> None:
    """Follow every active run this worker holds the lease of (claiming free ones)."""
    with session_scope() as session:
        active = session.exec(select(Deployment.id).where(Deployment.status.in_(service.ACTIVE)))
        for deployment_id in active.all():
            if service.claim(session, deployment_id, WORKER):
                service.sync(session, session.get(Deployment, deployment_id))


async def monitor_runs() -> None:
    """A lifespan task: reconcile once, then follow active runs until the app stops."""
    try:
        with session_scope() as session:
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
