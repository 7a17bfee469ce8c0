"""Every Hub path of the model step against the fake Hub, through the real huggingface_hub."""

import json
import struct

import pytest
from huggingface_hub import HfApi, constants

from tests.fakehub.server import VALID_TOKEN, model_record
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.hub.models import (
    cached_models,
    hub_model_details,
    local_model_details,
    search_models,
)


def api(hub, token=False) -> HfApi:
    return HfApi(endpoint=hub.endpoint, token=token)


def test_search_returns_text_generation_models_most_downloaded_first(fake_hub):
    hits = search_models(api(fake_hub), "qwen")
    assert [h.model_id for h in hits] == ["Qwen/Qwen2.5-0.5B-Instruct", "Qwen/Qwen2.5-0.5B"]
    assert hits[0].parameters == 494_032_768
    assert hits[0].license == "apache-2.0"
    assert not hits[0].gated
    assert "pipeline_tag=text-generation" in fake_hub.requests[-1]


def test_details_give_size_parameters_license_and_pinned_sha(fake_hub):
    info = hub_model_details(api(fake_hub), "Qwen/Qwen2.5-0.5B")
    assert info.size_gb == 0.988
    assert info.parameters == 494_032_768
    assert info.parameters_by_dtype == {"BF16": 494_032_768}
    assert info.license == "apache-2.0"
    assert info.architecture == "Qwen2ForCausalLM"
    assert info.revision == fake_hub.models["Qwen/Qwen2.5-0.5B"]["sha"]


def test_sharded_weights_are_summed(fake_hub):
    info = hub_model_details(api(fake_hub), "mistralai/Mistral-7B-v0.3")
    assert info.size_gb == 14.496


def test_unknown_model(fake_hub):
    with pytest.raises(HubProblem) as problem:
        hub_model_details(api(fake_hub), "nobody/nothing")
    assert problem.value.kind == "not_found"
    assert "nobody/nothing was not found on the Hub" in str(problem.value)


def test_gated_model_without_access_says_how_to_get_it(fake_hub):
    with pytest.raises(HubProblem) as problem:
        hub_model_details(api(fake_hub, VALID_TOKEN), "meta-llama/Llama-3.1-8B")
    assert problem.value.kind == "gated"
    assert "request access on its Hub page" in str(problem.value)
    assert "HF_TOKEN" in str(problem.value)


def test_gated_model_with_access_works(fake_hub):
    fake_hub.granted["meta-llama/Llama-3.1-8B"] = {VALID_TOKEN}
    info = hub_model_details(api(fake_hub, VALID_TOKEN), "meta-llama/Llama-3.1-8B")
    assert info.gated and info.size_gb == 16.061


def test_rate_limit_after_the_clients_own_retries(fake_hub):
    fake_hub.fail_next("/api/models", 429, times=6)
    with pytest.raises(HubProblem) as problem:
        search_models(api(fake_hub), "qwen")
    assert problem.value.kind == "rate_limited"
    assert "nothing you entered is lost" in str(problem.value)


def test_a_transient_rate_limit_is_retried_by_the_client(fake_hub):
    fake_hub.fail_next("/api/models", 429, times=2)
    assert len(search_models(api(fake_hub), "qwen")) == 2


def test_server_error(fake_hub):
    fake_hub.fail_next("/api/models/Qwen", 500)
    with pytest.raises(HubProblem) as problem:
        hub_model_details(api(fake_hub), "Qwen/Qwen2.5-0.5B")
    assert problem.value.kind == "server"
    assert "server error (500)" in str(problem.value)


def test_connection_refused_is_offline(fake_hub):
    endpoint = fake_hub.endpoint
    fake_hub.stop()
    with pytest.raises(HubProblem) as problem:
        hub_model_details(HfApi(endpoint=endpoint, token=False), "Qwen/Qwen2.5-0.5B")
    assert problem.value.kind == "offline"
    assert "local cache can still be chosen" in str(problem.value)


def test_offline_mode_is_explained(fake_hub, monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(HubProblem) as problem:
        search_models(api(fake_hub), "qwen")
    assert problem.value.kind == "offline"


def test_cached_models_are_listed(tmp_path, monkeypatch):
    snapshot = tmp_path / "models--org--tiny" / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    (tmp_path / "models--org--tiny" / "refs").mkdir()
    (tmp_path / "models--org--tiny" / "refs" / "main").write_text("a" * 40)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    assert cached_models() == ["org/tiny"]


def test_local_model_folder(tmp_path):
    header = json.dumps(
        {
            "w": {"dtype": "F32", "shape": [4, 8], "data_offsets": [0, 128]},
            "__metadata__": {"format": "pt"},
        }
    ).encode()
    (tmp_path / "model.safetensors").write_bytes(
        struct.pack("<Q", len(header)) + header + bytes(128)
    )
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"]}))
    info = local_model_details(str(tmp_path))
    assert (info.source, info.parameters, info.architecture) == ("local", 32, "GPT2LMHeadModel")


def test_a_local_folder_gives_the_shape_its_config_json_names(tmp_path):
    config = {"n_layer": 2, "n_embd": 64, "n_head": 2, "vocab_size": 300, "n_positions": 128}
    (tmp_path / "config.json").write_text(json.dumps(config))
    info = local_model_details(str(tmp_path))
    assert info.shape == {
        "layers": 2,
        "hidden": 64,
        "heads": 2,
        "vocab": 300,
        "experts": 0,
        "experts_per_token": 0,
        "expert_intermediate": 0,
    }


def test_a_hub_model_whose_config_json_cannot_be_read_has_no_shape(fake_hub):
    assert hub_model_details(api(fake_hub), "Qwen/Qwen2.5-0.5B").shape == {}


def test_a_folder_without_config_is_refused(tmp_path):
    with pytest.raises(HubProblem, match=r"has no config\.json"):
        local_model_details(str(tmp_path))


def test_model_record_helper_is_consistent():
    record = model_record("a/b", parameters=10, weight_bytes=11 * 1024**3)
    assert (
        sum(s["size"] for s in record["siblings"] if s["rfilename"].endswith(".safetensors"))
        <= 11 * 1024**3
    )
    assert len([s for s in record["siblings"] if s["rfilename"].endswith(".safetensors")]) == 3


def test_dataset_configs_splits_and_sizes(fake_hub):
    from trainpkg_app.hub.datasets import hub_dataset_details

    details = hub_dataset_details(api(fake_hub), "HuggingFaceH4/ultrachat_200k")
    assert details.splits == {"default": {"train_sft": 207_865, "test_sft": 23_110}}
    assert details.revision == fake_hub.datasets["HuggingFaceH4/ultrachat_200k"]["sha"]


def test_unknown_dataset(fake_hub):
    from trainpkg_app.hub.datasets import hub_dataset_details

    with pytest.raises(HubProblem, match="nobody/data was not found on the Hub"):
        hub_dataset_details(api(fake_hub), "nobody/data")
