"""Deploying on the Hub with a Hub dataset that the dataset viewer did not check is refused
before anything is created on the Hub (nothing billed)."""

import pytest

from tests.fakehub.dataset_viewer import GATED
from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from tests.trainkit.runs import give_own_token, start_run, use_fake_hub_token
from trainpkg_app.deploy.records import AlreadyRunning

HUB_REF = {"source": "hub", "dataset_id": "tatsu-lab/alpaca", "config": "default", "split": "train"}


def _publish(migrated, tmp_path, ref: dict, **target) -> tuple:
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), **target)
    snapshot["dataset"]["datasets"].append(ref)
    owner, version_id = publish_for_new_user(migrated, snapshot)
    return give_own_token(migrated, owner), version_id


@pytest.mark.parametrize("target", [{"job_flavor": "a10g-small"}, {"space": "test-user/tiny"}])
def test_an_unchecked_hub_dataset_stops_a_hub_run(
    migrated, fake_hub, tmp_path, monkeypatch, target
):
    use_fake_hub_token(monkeypatch, fake_hub)
    owner, version_id = _publish(migrated, tmp_path, HUB_REF, **target)
    with pytest.raises(AlreadyRunning, match="tatsu-lab/alpaca was not checked"):
        start_run(migrated, owner, version_id, tmp_path / "runs")
    assert fake_hub.jobs == {} and fake_hub.repos == {}


def test_a_checked_hub_dataset_starts_the_job(migrated, fake_hub, tmp_path, monkeypatch):
    use_fake_hub_token(monkeypatch, fake_hub)
    checked = HUB_REF | {"viewer_checked": True, "format": "alpaca"}
    owner, version_id = _publish(migrated, tmp_path, checked, job_flavor="a10g-small")
    start_run(migrated, owner, version_id, tmp_path / "runs")
    assert len(fake_hub.jobs) == 1


def test_a_checked_flag_is_not_taken_on_trust(migrated, fake_hub, tmp_path, monkeypatch):
    """A snapshot that claims a gated dataset was checked: the viewer is asked again."""
    use_fake_hub_token(monkeypatch, fake_hub)
    forged = {"source": "hub", "dataset_id": GATED, "config": "default", "viewer_checked": True}
    owner, version_id = _publish(migrated, tmp_path, forged, job_flavor="a10g-small")
    with pytest.raises(AlreadyRunning, match=f"{GATED} failed its check before the run: .*gated"):
        start_run(migrated, owner, version_id, tmp_path / "runs")
    assert fake_hub.jobs == {}
