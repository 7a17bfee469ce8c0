"""The rule that refuses a Hub run with a Hub dataset the dataset viewer did not check."""

import pytest

from trainpkg_app.core.hub_launch import hub_launch_refusal, unchecked_hub_datasets
from trainpkg_app.core.step_data import DatasetRef

CHECKED = {"source": "hub", "dataset_id": "a/checked", "viewer_checked": True}
UNCHECKED = {"source": "hub", "dataset_id": "b/unchecked"}
UPLOAD = {"source": "upload", "dataset_id": "qa.jsonl"}


@pytest.mark.parametrize("target", ["hf_space", "hf_job"])
def test_a_hub_run_with_an_unchecked_hub_dataset_is_refused(target):
    refusal = hub_launch_refusal(target, {"datasets": [CHECKED, UNCHECKED, UPLOAD]})
    assert refusal.startswith("Not started: b/unchecked was not checked with the Hub's")


def test_every_unchecked_one_is_named():
    snapshot = {"datasets": [UNCHECKED, UNCHECKED | {"dataset_id": "c/other"}]}
    assert "b/unchecked, c/other were not checked" in hub_launch_refusal("hf_job", snapshot)


@pytest.mark.parametrize("target", ["hf_space", "hf_job"])
def test_checked_hub_datasets_and_uploads_may_start(target):
    assert hub_launch_refusal(target, {"datasets": [CHECKED, UPLOAD]}) == ""


def test_a_local_run_is_not_held_back():
    assert hub_launch_refusal("local", {"datasets": [UNCHECKED]}) == ""


def test_the_flag_as_the_snapshot_stores_it():
    stored = DatasetRef.model_validate(UNCHECKED | {"viewer_checked": "true"}).model_dump()
    assert unchecked_hub_datasets({"datasets": [stored]}) == []
    assert unchecked_hub_datasets({"datasets": [DatasetRef(**UNCHECKED).model_dump()]}) == [
        "b/unchecked"
    ]


def test_the_viewer_is_asked_again_about_each_checked_hub_dataset():
    asked = []

    def recheck(ref):
        asked.append(ref["dataset_id"])
        return "it is gated now." if ref["dataset_id"] == "a/checked" else ""

    snapshot = {"datasets": [UPLOAD, CHECKED]}
    assert hub_launch_refusal("hf_job", snapshot, recheck) == (
        "Not started: a/checked failed its check before the run: it is gated now."
    )
    assert asked == ["a/checked"]  # an upload is not a Hub dataset
    assert hub_launch_refusal("local", snapshot, recheck) == ""
    assert asked == ["a/checked"]
