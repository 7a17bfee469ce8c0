"""The dataset viewer client against the fake viewer (real HTTP, the real refusal shapes)."""

import httpx
import pytest
from huggingface_hub import HfApi

from tests.fakehub.dataset_viewer import GATED, PRIVATE, SCRIPTED
from tests.fakehub.server import VALID_TOKEN
from trainpkg_app.hub.dataset_viewer import SplitSize, check_dataset, first_rows
from trainpkg_app.hub.errors import HubProblem


def api(hub, token=False) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token)


def test_configs_splits_sizes_and_the_pinned_revision(fake_hub):
    checked = check_dataset(api(fake_hub), "trainpkg-tests/two-configs")
    assert list(checked.splits) == ["en", "fr"]
    assert checked.splits["en"] == {
        "train": SplitSize(rows=1_200, bytes=2_400_000),
        "test": SplitSize(rows=300, bytes=600_000),
    }
    assert checked.revision == fake_hub.datasets["trainpkg-tests/two-configs"]["sha"]
    asked = [p.split("?")[0] for p in fake_hub.requests if p.startswith("/viewer/")]
    assert asked == ["/viewer/is-valid", "/viewer/splits", "/viewer/size"]


def test_first_rows_columns_and_split_size(fake_hub):
    rows = first_rows(api(fake_hub), "trainpkg-tests/two-configs", "en", "test")
    assert rows.columns == ["prompt", "completion"]
    assert rows.rows[0] == {"prompt": "Q0: ", "completion": "A0"}
    assert len(rows.rows) == 30
    assert (rows.rows_total, rows.bytes_total, rows.truncated) == (300, 600_000, False)


def test_the_first_rows_stop_at_one_hundred(fake_hub):
    rows = first_rows(api(fake_hub), "trainpkg-tests/two-configs", "en", "train")
    assert len(rows.rows) == 100


def test_a_gated_dataset_without_a_token_is_explained(fake_hub):
    with pytest.raises(HubProblem) as refused:
        check_dataset(api(fake_hub), GATED)
    assert refused.value.kind == "gated"
    assert "an anonymous request (no token set) has no access yet" in str(refused.value)
    response = httpx.get(f"{fake_hub.endpoint}/viewer/is-valid", params={"dataset": GATED})
    assert (response.status_code, response.headers["X-Error-Code"]) == (
        401,
        "ExternalUnauthenticatedError",
    )


def test_a_gated_dataset_with_a_token_but_no_access(fake_hub):
    with pytest.raises(HubProblem, match="gated and your Hugging Face token has no access"):
        check_dataset(api(fake_hub, VALID_TOKEN), GATED)


def test_a_gated_dataset_once_access_is_granted(fake_hub):
    fake_hub.granted[GATED] = {VALID_TOKEN}
    checked = check_dataset(api(fake_hub, VALID_TOKEN), GATED)
    assert checked.splits == {"default": {"train": SplitSize(rows=5_000, bytes=8_000_000)}}
    authorized = [p for p in fake_hub.requests if p.startswith("/viewer/")]
    assert len(authorized) == 3  # every viewer call carried the token (else 401 above)


def test_a_private_dataset_without_access_reads_as_missing(fake_hub):
    with pytest.raises(HubProblem) as refused:
        check_dataset(api(fake_hub, VALID_TOKEN), PRIVATE)
    assert refused.value.kind == "not_found"
    assert f"{PRIVATE} was not found on the Hub, or it is private" in str(refused.value)


def test_a_missing_dataset(fake_hub):
    with pytest.raises(HubProblem, match="nobody/data was not found on the Hub"):
        check_dataset(api(fake_hub), "nobody/data")


def test_a_dataset_the_viewer_cannot_read(fake_hub):
    with pytest.raises(HubProblem) as refused:
        check_dataset(api(fake_hub), SCRIPTED)
    assert refused.value.kind == "not_supported"
    assert "cannot be read by the Hub's dataset viewer (no preview)" in str(refused.value)


def test_a_disabled_viewer_is_named(fake_hub):
    fake_hub.datasets["tatsu-lab/alpaca"]["cardData"]["viewer"] = False
    with pytest.raises(HubProblem, match="dataset viewer is disabled in tatsu-lab/alpaca"):
        check_dataset(api(fake_hub), "tatsu-lab/alpaca")


def test_an_unknown_split_is_not_found(fake_hub):
    with pytest.raises(HubProblem, match=r"\(Not found\.\)") as refused:
        first_rows(api(fake_hub), "trainpkg-tests/two-configs", "fr", "test")
    assert refused.value.kind == "not_supported"


def test_a_viewer_still_processing_asks_to_retry(fake_hub):
    fake_hub.viewer.processing.add("tatsu-lab/alpaca")
    with pytest.raises(HubProblem, match="still processing tatsu-lab/alpaca") as refused:
        check_dataset(api(fake_hub), "tatsu-lab/alpaca")
    assert refused.value.kind == "not_ready"


def test_a_viewer_server_error(fake_hub):
    fake_hub.fail_next("/viewer/splits", 500)
    with pytest.raises(HubProblem, match=r"dataset viewer failed \(500\)"):
        check_dataset(api(fake_hub), "tatsu-lab/alpaca")


def test_an_unreachable_viewer(fake_hub, monkeypatch):
    from trainpkg_app.settings import get_settings

    monkeypatch.setenv("TRAINPKG_DATASET_VIEWER_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    with pytest.raises(HubProblem) as refused:
        check_dataset(api(fake_hub), "tatsu-lab/alpaca")
    assert refused.value.kind == "offline"


def test_a_split_is_checked_like_an_upload(fake_hub):
    from trainpkg_app.hub.dataset_check import check_split

    hub_api = api(fake_hub)
    checked = check_dataset(hub_api, "trainpkg-tests/two-configs")
    result = check_split(hub_api, checked, "en", "test")
    assert result.problem == ""
    assert result.ref | {"choices": ""} == {
        "source": "hub",
        "dataset_id": "trainpkg-tests/two-configs",
        "config": "en",
        "split": "test",
        "revision": checked.revision,
        "rows": 300,
        "size_bytes": 600_000,
        "choices": "",
        "format": "prompt_completion",
        "mapping": {"prompt": "prompt", "completion": "completion"},
        "viewer_checked": True,
    }
    assert result.summary()["size"] == "0.6 MB (Parquet)"


def test_unknown_columns_are_not_checked_until_mapped(fake_hub):
    from trainpkg_app.core.dataset_formats import Detected, Format
    from trainpkg_app.hub.dataset_check import check_split, with_format

    hub_api = api(fake_hub)
    checked = check_dataset(hub_api, "trainpkg-tests/qa-columns")
    result = check_split(hub_api, checked, "default", "train")
    assert result.problem == "its columns (question, answer) match no known format: map them below."
    assert "viewer_checked" not in result.ref
    mapped = Detected(
        format=Format.PROMPT_COMPLETION, mapping={"prompt": "question", "completion": "answer"}
    )
    assert with_format(result, mapped).ref["viewer_checked"] is True
    wrong = Detected(format=Format.TEXT, mapping={"text": "nothing"})
    assert with_format(result, wrong).problem.startswith("as Plain text, row 1: no value")
