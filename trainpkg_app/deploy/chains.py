"""Runs that go on from one another (Resume, Extend): a run's chain, oldest first, as the core
sees it."""

from __future__ import annotations

from sqlmodel import Session

from trainpkg_app.core.resume import Link
from trainpkg_app.db.models import Deployment, as_utc, utc_now

MAX_LINKS = 100  # a chain is walked this far back at most


def chain_of(session: Session, deployment: Deployment) -> list[Deployment]:
    """The runs this one went on from, and itself, oldest first."""
    chain, seen = [deployment], {deployment.id}
    while chain[0].resumed_from_id and len(chain) < MAX_LINKS:
        earlier = session.get(Deployment, chain[0].resumed_from_id)
        if earlier is None or earlier.id in seen:
            break
        chain.insert(0, earlier)
        seen.add(earlier.id)
    return chain


def minutes(deployment: Deployment) -> float | None:
    """How long the run has trained (so far)."""
    if not deployment.started_at:
        return None
    end = deployment.finished_at or utc_now()
    return (as_utc(end) - as_utc(deployment.started_at)).total_seconds() / 60


def link(deployment: Deployment) -> Link:
    return Link(
        metrics=deployment.metrics or [],
        resumed_from_step=deployment.resumed_from_step,
        estimated_cost=deployment.estimated_cost,
        actual_cost=deployment.actual_cost,
        minutes=minutes(deployment),
    )


def links(session: Session, deployment: Deployment) -> list[Link]:
    return [link(run) for run in chain_of(session, deployment)]
