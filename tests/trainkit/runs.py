"""Start and follow runs through the deploy service, one transaction each (like the app)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trainpkg_app.db.models import Deployment


def use_fake_hub_token(monkeypatch, fake_hub) -> None:
    """The server's own token (HF_TOKEN) and endpoint point at the fake Hub."""
    from pydantic import SecretStr

    from tests.fakehub.server import VALID_TOKEN
    from trainpkg_app.settings import get_settings

    monkeypatch.setattr(get_settings(), "hf_token", SecretStr(VALID_TOKEN))
    monkeypatch.setattr(get_settings(), "hf_endpoint", fake_hub.endpoint)


def give_own_token(engine, owner, token: str | None = None):
    """The user stores their own Hub token (the fake Hub's valid one by default)."""
    from sqlmodel import Session

    from tests.fakehub.server import VALID_TOKEN
    from trainpkg_app.db.hub_tokens import save_token

    with Session(engine) as session:
        save_token(session, owner_id=owner, token=token or VALID_TOKEN, hub_username="test-user")
        session.commit()
    return owner


def start_run(engine, owner, version_id, runs_dir: Path):
    """Deploy the version on its own target: (deployment id, deployment URL)."""
    from sqlmodel import Session

    from trainpkg_app.deploy import service

    with Session(engine) as session:
        deployment = service.start(
            session, owner_id=owner, version_id=version_id, runs_dir=runs_dir
        )
        session.commit()
        return deployment.id, deployment.deployment_url


def sync_run(engine, deployment_id):
    """One monitor pass over the run; returns the refreshed record."""
    from sqlmodel import Session

    from trainpkg_app.db.models import Deployment
    from trainpkg_app.deploy import service

    with Session(engine, expire_on_commit=False) as session:
        deployment = session.get(Deployment, deployment_id)
        service.sync(session, deployment)
        session.commit()
        return deployment


def cancel_run(engine, owner, deployment_id) -> None:
    from sqlmodel import Session

    from trainpkg_app.deploy import service

    with Session(engine) as session:
        service.cancel(session, owner_id=owner, deployment_id=deployment_id)
        session.commit()


def start_local(engine, owner, version_id, tmp_path, hf_cache) -> uuid.UUID:
    """Run the version on this machine, training offline from the test's model cache."""
    from sqlmodel import Session

    from tests.trainkit.packages import training_env
    from trainpkg_app.deploy.backends.local import LocalBackend

    with Session(engine) as session:
        deployment = LocalBackend().start(
            session,
            owner_id=owner,
            version_id=version_id,
            runs_dir=tmp_path / "runs",
            env=training_env(hf_cache, tmp_path),
        )
        session.commit()
        return deployment.id


def follow_local(engine, deployment_id, until, timeout_s: float = 180.0) -> Deployment:
    """Sync the record every 0.3 s until ``until(deployment)`` holds."""
    import time

    from sqlmodel import Session

    from trainpkg_app.db.models import Deployment
    from trainpkg_app.deploy import service

    deadline = time.monotonic() + timeout_s
    while True:
        with Session(engine, expire_on_commit=False) as session:
            deployment = session.get(Deployment, deployment_id)
            service.sync(session, deployment)
            session.commit()
        if until(deployment):
            return deployment
        assert time.monotonic() < deadline, f"still {deployment.status}: {deployment.log_tail}"
        time.sleep(0.3)
