"""The admin's monthly cap over all of a user's runs: what this month's runs cost, a launch
refused past the cap, and a running Job cancelled when the month's spend reaches it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from tests.trainkit.runs import give_own_token, start_run, sync_run, use_fake_hub_token
from trainpkg_app.core.caps import month_start
from trainpkg_app.db.models import Deployment, User, utc_now
from trainpkg_app.deploy.records import AlreadyRunning
from trainpkg_app.deploy.spend import month_spend


@pytest.fixture
def job_user(migrated, fake_hub, tmp_path, monkeypatch):
    """A user with a published Job version on a10g-small ($1.00 an hour) and an ended run of
    this month that cost $0.30, and one of last month that cost $5.00."""
    use_fake_hub_token(monkeypatch, fake_hub)
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"), job_flavor="a10g-small", timeout_minutes=90
    )
    owner, version_id = publish_for_new_user(migrated, snapshot)
    this_month = month_start(utc_now())
    with Session(migrated) as session:
        for cost, when in (("0.30", this_month), ("5.00", this_month - timedelta(days=1))):
            session.add(
                Deployment(
                    version_id=version_id,
                    target="hf_job",
                    status="completed",
                    actual_cost=Decimal(cost),
                    created_at=when,
                    started_at=when,
                )
            )
        session.commit()
    return give_own_token(migrated, owner), version_id


def _cap(engine, owner, dollars: str) -> None:
    with Session(engine) as session:
        session.get(User, owner).monthly_budget_usd = Decimal(dollars)
        session.commit()


def test_the_month_spend_counts_this_months_runs_only(migrated, job_user):
    owner, _version_id = job_user
    with Session(migrated) as session:
        assert month_spend(session, owner, utc_now()) == Decimal("0.30")


def test_a_launch_past_the_monthly_cap_is_refused(migrated, fake_hub, job_user, tmp_path):
    owner, version_id = job_user
    _cap(migrated, owner, "0.25")
    with pytest.raises(AlreadyRunning, match=r"cost \$0.30 of your \$0.25 monthly cap"):
        start_run(migrated, owner, version_id, tmp_path / "runs")
    assert fake_hub.jobs == {}  # nothing started, nothing billed


def test_a_running_job_is_cancelled_when_the_month_reaches_the_cap(
    migrated, fake_hub, job_user, tmp_path
):
    owner, version_id = job_user
    _cap(migrated, owner, "0.40")
    deployment_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    (job,) = fake_hub.jobs.values()
    job["stage"] = "RUNNING"
    assert sync_run(migrated, deployment_id).status == "running"
    assert job["cancels"] == 0  # $0.30 so far this month
    with Session(migrated) as session:  # ten minutes later: $0.17 more
        session.get(Deployment, deployment_id).started_at = utc_now() - timedelta(minutes=10)
        session.commit()
    stopped = sync_run(migrated, deployment_id)
    assert job["cancels"] == 1
    assert stopped.error == (
        "Stopped by the monthly cap of $0.40 (set by the admin): this month's runs have cost $0.47."
    )
