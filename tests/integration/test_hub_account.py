"""Whose Hugging Face account pays: members use their own token; the server's HF_TOKEN serves
the admin, and members only where the admin opted in, for Jobs within the caps and under the
member's name prefix. A refusal sends nothing to the Hub."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.fakehub.server import VALID_TOKEN
from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from tests.trainkit.runs import give_own_token, start_run, use_fake_hub_token
from trainpkg_app.db.models import User
from trainpkg_app.deploy.records import AlreadyRunning
from trainpkg_app.settings import get_settings


@pytest.fixture
def hub(fake_hub, monkeypatch):
    use_fake_hub_token(monkeypatch, fake_hub)  # the server has HF_TOKEN
    return fake_hub


def _member(migrated, tmp_path, *, admin: bool = False, **target):
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), **target)
    owner, version = publish_for_new_user(migrated, snapshot)
    with Session(migrated) as session:
        user = session.get(User, owner)
        user.is_admin, user.email = admin, "Ada.Lovelace@example.com"
        session.commit()
    return owner, version


def _hub_writes(hub) -> int:
    return len(hub.jobs) + len(hub.repos)


def test_a_member_without_a_token_does_not_run_on_the_servers_account(migrated, hub, tmp_path):
    owner, version = _member(migrated, tmp_path, job_flavor="t4-small")
    with pytest.raises(AlreadyRunning, match="needs a Hugging Face token"):
        start_run(migrated, owner, version, tmp_path / "runs")
    assert _hub_writes(hub) == 0


def test_the_admin_runs_on_the_servers_account(migrated, hub, tmp_path):
    owner, version = _member(migrated, tmp_path, admin=True, job_flavor="t4-small")
    start_run(migrated, owner, version, tmp_path / "runs")
    (job,) = hub.jobs.values()
    assert job["spec"]["secrets"]["HF_TOKEN"] == VALID_TOKEN


def test_a_members_own_token_is_used(migrated, hub, tmp_path):
    hub.accepted_tokens.add("hf_members_own")
    owner, version = _member(migrated, tmp_path, job_flavor="t4-small")
    give_own_token(migrated, owner, "hf_members_own")
    start_run(migrated, owner, version, tmp_path / "runs")
    (job,) = hub.jobs.values()
    assert job["spec"]["secrets"]["HF_TOKEN"] == "hf_members_own"


@pytest.fixture
def opted_in(monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "hub_token_for_members", True)
    monkeypatch.setattr(settings, "hub_member_max_usd_per_hour", 1.0)
    monkeypatch.setattr(settings, "hub_member_max_hours", 1.0)


def test_opted_in_a_member_runs_a_job_under_their_prefix(migrated, hub, opted_in, tmp_path):
    owner, version = _member(migrated, tmp_path, job_flavor="t4-small")  # $0.40/h, 30 min
    start_run(migrated, owner, version, tmp_path / "runs")
    assert any(key.startswith("model:test-user/tp-ada-lovelace-tiny-v1") for key in hub.repos)


@pytest.mark.parametrize(
    ("target", "refusal"),
    [
        ({"space": "test-user/tp-ada-lovelace-space"}, "A Space bills until it is paused"),
        ({"job_flavor": "a100-large"}, r"costs \$2\.50/h; the admin allows up to \$1\.00/h"),
    ],
)
def test_opted_in_the_caps_hold(migrated, hub, opted_in, tmp_path, target, refusal):
    owner, version = _member(migrated, tmp_path, **target)
    with pytest.raises(AlreadyRunning, match=refusal):
        start_run(migrated, owner, version, tmp_path / "runs")
    assert _hub_writes(hub) == 0


def test_opted_in_the_time_cap_holds(migrated, hub, opted_in, tmp_path, monkeypatch):
    monkeypatch.setattr(get_settings(), "hub_member_max_hours", 0.25)
    owner, version = _member(migrated, tmp_path, job_flavor="t4-small")  # a 30-minute timeout
    with pytest.raises(AlreadyRunning, match=r"timeout is 0\.5 h; the admin allows up to 0\.25 h"):
        start_run(migrated, owner, version, tmp_path / "runs")
    assert _hub_writes(hub) == 0
