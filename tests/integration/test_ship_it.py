"""Ship it on a real tiny LoRA run: the trained model found for a local and a Hub run
(deploy/trained.py), the merge (a folder AutoModelForCausalLM loads, whose greedy output is the
adapter model's; refused without starting when memory is short), the push through the fake Hub
(a loadable private repo with its model card; bad names, read tokens and other accounts
refused), and the zip route (the adapter and README.md, streamed; a reused, expired, forged or
foreign token refused)."""

import io
import json
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.fakehub.containers import run_job
from tests.fakehub.results import card_metadata, download, load_adapter
from tests.fakehub.server import VALID_TOKEN
from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    training_env,
    write_rows,
)
from tests.trainkit.runs import (
    follow_local,
    give_own_token,
    start_local,
    start_run,
    sync_run,
    use_fake_hub_token,
)
from tests.trainkit.tiny_model import SNAPSHOT, TINY_MODEL_ID, hub_tiny_model
from trainpkg_app.db.errors import NotFound
from trainpkg_app.deploy import ship, ship_tokens
from trainpkg_app.deploy.trained import NoTrainedModel, trained_model
from trainpkg_app.settings import get_settings

PROMPT = "Question 3: what is 3 plus 3? "


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINPKG_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture
def finished_run(migrated, data_dir, tmp_path, hf_cache, monkeypatch):
    """A completed 6-step LoRA run of the tiny model on this machine: (owner, run id)."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hf_cache))
    for name, value in training_env(hf_cache, tmp_path).items():
        if name.startswith(("HF_", "TOKENIZERS")):
            monkeypatch.setenv(name, value)  # the merge worker loads the base from the cache
    owner, version_id = publish_for_new_user(
        migrated, published_snapshot(write_rows(tmp_path / "qa.jsonl"))
    )
    run_id = start_local(migrated, owner, version_id, tmp_path, hf_cache)
    done = follow_local(migrated, run_id, lambda d: d.status not in ("pending", "running"))
    assert done.status == "completed", done.log_tail
    return owner, run_id


def _in_session(engine, fn, *args, **kwargs):
    with Session(engine, expire_on_commit=False) as session:
        result = fn(session, *args, **kwargs)
        session.commit()
        return result


def _base_folder(hf_cache: Path) -> Path:
    return hf_cache / f"models--{TINY_MODEL_ID.replace('/', '--')}" / "snapshots" / SNAPSHOT


def _greedy(model, tokenizer) -> list[int]:
    import torch

    inputs = tokenizer(PROMPT, return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=12, do_sample=False, pad_token_id=0)
    return out[0].tolist()


def _logits(model, tokenizer):
    import torch

    with torch.no_grad():
        return model(**tokenizer(PROMPT, return_tensors="pt")).logits


def test_the_trained_model_of_a_local_run_is_its_output_folder(migrated, finished_run):
    owner, run_id = finished_run
    trained = _in_session(migrated, trained_model, owner, run_id)
    assert trained.folder.name == "output" and (trained.folder / "adapter_config.json").is_file()
    assert trained.is_adapter and trained.base_model == TINY_MODEL_ID
    assert trained.base_revision == SNAPSHOT
    stranger = give_own_token(migrated, _new_user(migrated))
    with pytest.raises(NotFound):
        _in_session(migrated, trained_model, stranger, run_id)


def _new_user(engine) -> uuid.UUID:
    from trainpkg_app.db.models import User

    with Session(engine) as session:
        user = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="x")
        session.add(user)
        session.commit()
        return user.id


def _wait_for_merge(engine, owner, run_id, timeout_s: float = 180) -> dict:
    deadline = time.monotonic() + timeout_s
    seen = []
    while True:
        state = _in_session(engine, ship.merge_status, owner, run_id)
        seen.append(state["progress"])
        if state["state"] in ("done", "failed"):
            return state | {"seen": seen}
        assert time.monotonic() < deadline, state
        time.sleep(0.3)


def test_a_merge_loads_as_a_plain_model_and_answers_as_the_adapter_does(
    migrated, finished_run, hf_cache
):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    owner, run_id = finished_run
    started = _in_session(migrated, ship.start_merge, owner, run_id)
    assert started["state"] == "running"
    state = _wait_for_merge(migrated, owner, run_id)
    assert state["state"] == "done", state
    trained = _in_session(migrated, trained_model, owner, run_id)
    merged_dir = Path(trained.deployment.run_dir) / "merged"
    assert not (merged_dir / "adapter_config.json").exists()
    merged = AutoModelForCausalLM.from_pretrained(merged_dir)
    adapted, tokenizer = load_adapter(trained.folder, _base_folder(hf_cache))
    base = AutoModelForCausalLM.from_pretrained(_base_folder(hf_cache))
    expected = _greedy(adapted, tokenizer)
    assert _greedy(merged, AutoTokenizer.from_pretrained(merged_dir)) == expected
    merged_logits, adapted_logits = _logits(merged, tokenizer), _logits(adapted, tokenizer)
    assert torch.allclose(merged_logits, adapted_logits, atol=1e-4)
    assert not torch.allclose(_logits(base, tokenizer), adapted_logits, atol=1e-3)  # trained
    again = _in_session(migrated, ship.start_merge, owner, run_id)
    assert again["state"] == "done"  # merged once; a second press does not start another


def test_a_merge_is_refused_without_starting_when_memory_is_short(
    migrated, finished_run, monkeypatch
):
    owner, run_id = finished_run
    monkeypatch.setattr(ship, "free_memory_gb", lambda: 0.1)
    with pytest.raises(ship.ShipRefused, match=r"needs about 0\.5 GB .* has 0\.1 GB free"):
        _in_session(migrated, ship.start_merge, owner, run_id)
    run_dir = Path(_in_session(migrated, trained_model, owner, run_id).deployment.run_dir)
    assert not (run_dir / ship.PROGRESS).exists() and not (run_dir / "merged").exists()


def test_a_merge_that_fails_says_why_and_can_be_tried_again(migrated, finished_run):
    owner, run_id = finished_run
    trained = _in_session(migrated, trained_model, owner, run_id)
    config = trained.folder / "adapter_config.json"
    good = config.read_text()
    config.write_text("{not json")
    _in_session(migrated, ship.start_merge, owner, run_id)
    state = _wait_for_merge(migrated, owner, run_id)
    assert state["state"] == "failed" and state["message"].startswith("The merge failed: ")
    assert not (Path(trained.deployment.run_dir) / "merged").exists()
    config.write_text(good)
    assert _in_session(migrated, ship.start_merge, owner, run_id)["state"] == "running"
    assert _wait_for_merge(migrated, owner, run_id)["state"] == "done"


@pytest.fixture
def pushing(migrated, finished_run, fake_hub, monkeypatch):
    use_fake_hub_token(monkeypatch, fake_hub)
    owner, run_id = finished_run
    give_own_token(migrated, owner)
    return owner, run_id


def test_a_pushed_adapter_is_a_private_repo_that_loads_with_its_card(
    migrated, pushing, fake_hub, hf_cache, tmp_path
):
    owner, run_id = pushing
    url = _in_session(
        migrated, ship.push, owner, run_id, repo_id="test-user/tiny-shipped", what="adapter"
    )
    assert url == f"{fake_hub.endpoint}/test-user/tiny-shipped"
    assert fake_hub.repo("model", "test-user/tiny-shipped")["private"]
    folder = download(fake_hub.endpoint, VALID_TOKEN, "test-user/tiny-shipped", tmp_path / "dl")
    model, tokenizer = load_adapter(folder, _base_folder(hf_cache))
    trained = _in_session(migrated, trained_model, owner, run_id)
    local, _ = load_adapter(trained.folder, _base_folder(hf_cache))
    assert _greedy(model, tokenizer) == _greedy(local, tokenizer)
    metadata = card_metadata(folder)
    assert metadata["base_model"] == TINY_MODEL_ID and metadata["library_name"] == "peft"
    assert metadata["metrics"] == ["loss", "perplexity"]  # train.py made its evaluation card
    card = (folder / "README.md").read_text()
    assert "version v1" in card and "final train loss: " in card
    assert "## Evaluation" in card
    assert "final train loss: None" not in card


def test_a_pushed_merge_loads_with_transformers_alone(migrated, pushing, fake_hub, tmp_path):
    from transformers import AutoModelForCausalLM

    owner, run_id = pushing
    with pytest.raises(ship.ShipRefused, match="Merge the adapter first"):
        _in_session(migrated, ship.push, owner, run_id, repo_id="test-user/m", what="merged")
    _in_session(migrated, ship.start_merge, owner, run_id)
    assert _wait_for_merge(migrated, owner, run_id)["state"] == "done"
    _in_session(migrated, ship.push, owner, run_id, repo_id="test-user/tiny-merged", what="merged")
    folder = download(fake_hub.endpoint, VALID_TOKEN, "test-user/tiny-merged", tmp_path / "m")
    assert AutoModelForCausalLM.from_pretrained(folder).num_parameters() > 0
    metadata = card_metadata(folder)
    assert metadata["library_name"] == "transformers" and "merged" in metadata["tags"]


@pytest.mark.parametrize(
    ("repo_id", "refusal"),
    [
        ("test-user/bad--name", "Not a valid Hub repo name"),
        ("no-owner", "Name the repo as owner/name"),
        ("someone-else/tiny", "Push into your own account: test-user/tiny"),
    ],
)
def test_a_push_to_a_name_the_hub_refuses_is_refused_before_any_write(
    migrated, pushing, fake_hub, repo_id, refusal
):
    owner, run_id = pushing
    with pytest.raises(ship.ShipRefused, match=refusal):
        _in_session(migrated, ship.push, owner, run_id, repo_id=repo_id, what="adapter")
    assert not any(line.startswith("POST") for line in fake_hub.requests)


def test_a_push_never_writes_over_an_existing_repo(migrated, pushing, fake_hub):
    owner, run_id = pushing
    push = lambda: _in_session(  # noqa: E731
        migrated, ship.push, owner, run_id, repo_id="test-user/taken", what="adapter"
    )
    push()
    files = dict(fake_hub.repo("model", "test-user/taken")["files"])
    with pytest.raises(ship.ShipRefused, match="already exists"):
        push()
    assert fake_hub.repo("model", "test-user/taken")["files"] == files


def test_a_read_token_cannot_push_and_the_message_says_so(migrated, pushing, fake_hub):
    owner, run_id = pushing
    fake_hub.accepted_tokens.add("hf_read_only")
    fake_hub.read_tokens.add("hf_read_only")
    give_own_token(migrated, owner, "hf_read_only")
    with pytest.raises(ship.ShipRefused, match="needs the write role"):
        _in_session(migrated, ship.push, owner, run_id, repo_id="test-user/r", what="adapter")
    assert "model:test-user/r" not in fake_hub.repos


def test_the_fake_hub_refuses_what_the_hub_refuses_on_create_and_commit(fake_hub):
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(endpoint=fake_hub.endpoint, token=VALID_TOKEN)
    for repo_id, status in [("someone-else/x", 403)]:
        with pytest.raises(HfHubHTTPError) as refused:
            api.create_repo(repo_id)
        assert refused.value.response.status_code == status
    fake_hub.repo_service.repos["model:someone-else/y"] = {"files": {}, "sha": "0" * 40}
    with pytest.raises(HfHubHTTPError) as refused:
        api.upload_file(path_or_fileobj=b"x", path_in_repo="a.txt", repo_id="someone-else/y")
    assert refused.value.response.status_code == 403
    api.create_repo("test-user/mine")
    with pytest.raises(HfHubHTTPError) as refused:
        api.create_repo("test-user/mine")
    assert refused.value.response.status_code == 409
    assert api.create_repo("test-user/mine", exist_ok=True).repo_id == "test-user/mine"


# --- the zip route -------------------------------------------------------------------------


@pytest.fixture
def client(migrated, monkeypatch):
    from starlette.testclient import TestClient

    from trainpkg_app.db import engine as engine_module
    from trainpkg_app.ship_route import serve_downloads

    monkeypatch.setattr(engine_module, "get_engine", lambda: migrated)

    async def reflex(scope, receive, send):  # what the route does not serve
        raise AssertionError(f"reached Reflex: {scope['path']}")

    return TestClient(serve_downloads(reflex))


def test_the_zip_route_streams_the_adapter_with_its_card_once(migrated, finished_run, client):
    from trainpkg_app.ship_route import download_path

    owner, run_id = finished_run
    token = ship_tokens.issue(owner, run_id, "adapter")
    with client.stream("GET", download_path(token)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert 'filename="tiny-v1-adapter.zip"' in response.headers["content-disposition"]
        assert "content-length" not in response.headers  # streamed, not buffered
        chunks = list(response.iter_bytes())
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    names = set(archive.namelist())
    assert {"README.md", "adapter_config.json", "adapter_model.safetensors"} <= names
    assert archive.testzip() is None
    card = archive.read("README.md").decode()
    assert "library_name: peft" in card and f"base_model: {TINY_MODEL_ID}" in card
    trained = _in_session(migrated, trained_model, owner, run_id)
    weights = (trained.folder / "adapter_model.safetensors").read_bytes()
    assert archive.read("adapter_model.safetensors") == weights
    again = client.get(download_path(token))
    assert again.status_code == 403 and "already used" in again.json()["detail"]


def test_the_zip_route_refuses_expired_forged_and_foreign_tokens(
    migrated, finished_run, client, monkeypatch
):
    from cryptography.fernet import Fernet

    from trainpkg_app.ship_route import download_path

    owner, run_id = finished_run
    old = ship_tokens.issue(owner, run_id, "adapter")
    forged = Fernet(Fernet.generate_key()).encrypt(
        json.dumps({"o": str(owner), "d": str(run_id), "w": "adapter", "n": "ab12"}).encode()
    )
    foreign = ship_tokens.issue(_new_user(migrated), run_id, "adapter")  # another user's
    unmerged = ship_tokens.issue(owner, run_id, "merged")
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + ship_tokens.TTL_S + 5)
    assert client.get(download_path(old)).status_code == 403  # expired
    monkeypatch.setattr(time, "time", real_time)
    assert client.get(download_path(forged.decode())).status_code == 403
    assert client.get(download_path("not-a-token")).status_code == 403
    refused = client.get(download_path(foreign))
    assert refused.status_code == 404 and refused.json()["detail"] == "This run does not exist."
    refused = client.get(download_path(unmerged))
    assert refused.status_code == 409 and "Merge the adapter first" in refused.json()["detail"]


# --- a Hub run ---------------------------------------------------------------------------


def test_the_trained_model_of_a_job_run_comes_from_its_results_repo(
    migrated, data_dir, fake_hub, tmp_path, monkeypatch
):
    use_fake_hub_token(monkeypatch, fake_hub)
    base = hub_tiny_model(fake_hub, tmp_path)
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), job_flavor="a10g-small")
    owner, version_id = publish_for_new_user(migrated, snapshot)
    owner = give_own_token(migrated, owner)
    run_id, _url = start_run(migrated, owner, version_id, tmp_path / "runs")
    with pytest.raises(NoTrainedModel, match="Only a completed run"):
        _in_session(migrated, trained_model, owner, run_id)
    env = training_env(tmp_path / "job-cache", tmp_path) | {"HF_ENDPOINT": fake_hub.endpoint}
    env.pop("HF_HUB_OFFLINE")
    (job,) = fake_hub.jobs.values()
    assert run_job(fake_hub, job["id"], [sys.executable], env, tmp_path).returncode == 0
    assert sync_run(migrated, run_id).status == "completed"
    trained = _in_session(migrated, trained_model, owner, run_id)
    assert trained.folder.is_relative_to(tmp_path / "runs")  # downloaded beside the run
    assert not (trained.folder / "checkpoints").exists()
    model, tokenizer = load_adapter(trained.folder, base)
    assert _greedy(model, tokenizer)


def test_a_full_fine_tune_ships_as_a_model_with_nothing_to_merge(
    migrated, data_dir, tmp_path, hf_cache, client
):
    from trainpkg_app.ship_route import download_path

    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), config={"method": "full"})
    owner, version_id = publish_for_new_user(migrated, snapshot)
    run_id = start_local(migrated, owner, version_id, tmp_path, hf_cache)
    done = follow_local(migrated, run_id, lambda d: d.status not in ("pending", "running"))
    assert done.status == "completed", done.log_tail
    with pytest.raises(ship.ShipRefused, match="fine-tuned the whole model"):
        _in_session(migrated, ship.start_merge, owner, run_id)
    response = client.get(download_path(ship_tokens.issue(owner, run_id, "adapter")))
    assert response.status_code == 200
    assert 'filename="tiny-v1-model.zip"' in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "model.safetensors" in archive.namelist()
    assert "library_name: transformers" in archive.read("README.md").decode()
