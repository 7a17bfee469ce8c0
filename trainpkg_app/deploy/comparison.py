"""The runs a user compares, read for them only: each run's whole curve (a resumed run with the
runs it went on from; an ended run's kept by this process after its first compare), its
version's snapshot, and the label its line gets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from trainpkg_app.core.curves import Curve, chain_records
from trainpkg_app.db.models import Deployment, TrainingPackage, TrainingPackageVersion
from trainpkg_app.db.versions import snapshot_of_version
from trainpkg_app.deploy.chains import links
from trainpkg_app.deploy.held_curves import ended_curve, keep_ended
from trainpkg_app.deploy.records import ACTIVE, owned


@dataclass(frozen=True)
class ComparedRun:
    id: str
    label: str  # package · version · target
    curve: Curve
    snapshot: dict[str, Any]
    status: str = ""
    evaluation: dict[str, Any] | None = None  # its evaluation card


def _unique(labels: list[str]) -> list[str]:
    """Two runs of one version on one target get '(2)', '(3)'... after the first."""
    seen: dict[str, int] = {}
    named = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        named.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return named


def _curve(session: Session, deployment: Deployment) -> Curve:
    ended = deployment.status not in ACTIVE
    curve = ended_curve(deployment.id) if ended else None
    if curve is None:
        curve = Curve(chain_records(links(session, deployment)))
        if ended:
            keep_ended(deployment.id, curve)
    return curve


def compared_curves(session: Session, *, owner_id: uuid.UUID, run_ids: list[str]) -> list[Curve]:
    """The owner's runs' curves in the order given (what a redraw needs); NotFound as below."""
    return [
        _curve(session, owned(session, owner_id, uuid.UUID(i), lazy_metrics=True)) for i in run_ids
    ]


def compared_runs(
    session: Session, *, owner_id: uuid.UUID, run_ids: list[str]
) -> list[ComparedRun]:
    """The owner's runs in the order given; NotFound when one is not theirs or not there."""
    found = []
    for run_id in run_ids:
        deployment = owned(session, owner_id, uuid.UUID(run_id), lazy_metrics=True)
        version = session.get(TrainingPackageVersion, deployment.version_id)
        package = session.get(TrainingPackage, version.package_id)
        label = f"{package.name} · v{version.version_number} · {deployment.target}"
        card = (deployment.status, deployment.evaluation)
        found.append(
            (run_id, label, _curve(session, deployment), snapshot_of_version(version), card)
        )
    labels = _unique([label for _, label, _, _, _ in found])
    return [
        ComparedRun(run_id, label, curve, snapshot, status=card[0], evaluation=card[1])
        for (run_id, _, curve, snapshot, card), label in zip(found, labels, strict=True)
    ]
