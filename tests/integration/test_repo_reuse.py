"""A run reuses a Space or Job repo only when its package made it (a marker file names the
package); a repo that exists without that marker is someone else's, and the run takes the next
free name instead of writing over it."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from tests.fakehub.repos import new_repo
from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from tests.trainkit.runs import give_own_token, start_run, sync_run, use_fake_hub_token
from trainpkg_app.db.models import Deployment, TrainingPackageVersion
from trainpkg_app.deploy.hub_names import MARKER

SPACE = "test-user/shared-name"


@pytest.fixture
def hub(fake_hub, monkeypatch):
    use_fake_hub_token(monkeypatch, fake_hub)
    return fake_hub


def _deploy(engine, tmp_path, **target) -> tuple[uuid.UUID, str, str]:
    """A new user's package deployed once: (owner, package id, the repo it used)."""
    snapshot = published_snapshot(write_rows(tmp_path / f"{uuid.uuid4().hex}.jsonl"), **target)
    owner, version = publish_for_new_user(engine, snapshot)
    give_own_token(engine, owner)
    deployment_id, _url = start_run(engine, owner, version, tmp_path / "runs")
    with Session(engine) as session:
        package_id = session.get(TrainingPackageVersion, version).package_id
        return owner, str(package_id), session.get(Deployment, deployment_id).remote_id


def test_a_space_someone_else_made_is_not_written_over(migrated, hub, tmp_path):
    hub.repos[f"space:{SPACE}"] = new_repo(private=True, sdk="docker")  # a person's own Space
    _owner, package_id, used = _deploy(migrated, tmp_path, space=SPACE)
    assert used == f"{SPACE}-2"
    assert hub.repos[f"space:{SPACE}"]["files"] == {}  # untouched
    assert hub.repos[f"space:{used}"]["files"][MARKER] == package_id.encode()
    assert f"model:{SPACE}-2-results" in hub.repos


def test_two_packages_with_one_space_name_get_two_spaces(migrated, hub, tmp_path):
    first = _deploy(migrated, tmp_path, space=SPACE)
    second = _deploy(migrated, tmp_path, space=SPACE)
    assert (first[2], second[2]) == (SPACE, f"{SPACE}-2")


def test_a_package_reuses_the_space_it_made(migrated, hub, tmp_path):
    owner, _package_id, used = _deploy(migrated, tmp_path, space=SPACE)
    with Session(migrated) as session:
        run = session.exec(Deployment.__table__.select()).first()
        version_id = run.version_id
    hub.repos[f"space:{used}"]["stage"] = "PAUSED"  # the first run ended
    sync_run(migrated, run.id)
    _again, _url = start_run(migrated, owner, version_id, tmp_path / "runs-2")
    with Session(migrated) as session:
        assert session.get(Deployment, _again).remote_id == SPACE


def test_a_job_repo_someone_else_made_is_not_written_over(migrated, hub, tmp_path):
    hub.repos["model:test-user/tiny-v1-job"] = new_repo(private=True)
    _owner, _package_id, used = _deploy(migrated, tmp_path, job_flavor="t4-small")
    assert used.startswith("test-user/")  # the Job's own id; its repo is the next free name
    assert "model:test-user/tiny-v1-job-2" in hub.repos
    assert hub.repos["model:test-user/tiny-v1-job"]["files"] == {}
