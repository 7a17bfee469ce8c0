"""The playground's worker process, through the app's client: it streams tokens from the tiny
model with its chat template, Stop ends a long generation within a second, a model too large
for this machine is refused before anything is loaded, and a LoRA run loads on its base."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    training_env,
    write_rows,
)
from tests.trainkit.runs import follow_local, start_local
from tests.trainkit.tiny_model import CHAT_TEMPLATE, build_tiny_model
from trainpkg_app.db.errors import NotFound
from trainpkg_app.deploy.playground import BASE, PlaygroundWorker, choices, model_spec

GREEDY = {"do_sample": False, "max_new_tokens": 12}
HELLO = [{"role": "user", "content": "The quick brown fox"}]


@pytest.fixture
def worker(tmp_path, hf_cache):
    client = PlaygroundWorker(env=training_env(hf_cache, tmp_path))
    yield client
    client.close()


async def _collect(client, spec, messages, sampling, on_first=None) -> tuple[list, dict]:
    rid = uuid.uuid4().hex
    texts, last = [], {}
    async for event in client.stream(rid, spec, messages, sampling):
        if event["event"] == "token":
            if not texts and on_first:
                on_first(rid)
            texts.append(event["text"])
        last = event
    return texts, last


def _collect_now(client, spec, messages=HELLO, sampling=GREEDY, on_first=None):
    return asyncio.run(_collect(client, spec, messages, sampling, on_first))


def _chat_model(folder: Path, positions: int = 128, width: int = 64) -> Path:
    """The tiny model with a chat template (and a context of ``positions`` tokens)."""
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    build_tiny_model(folder)
    snapshot = next(folder.glob("models--*/snapshots/*"))
    tokenizer = AutoTokenizer.from_pretrained(snapshot)
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(snapshot)
    if positions != 128:
        config = GPT2Config(
            vocab_size=len(tokenizer), n_positions=positions, n_embd=width, n_layer=4, n_head=4
        )
        GPT2LMHeadModel(config).save_pretrained(snapshot)
    return snapshot


def test_the_worker_streams_the_chat_templated_answer_generate_gives(worker, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = _chat_model(tmp_path / "chat")
    texts, done = _collect_now(worker, {"folder": str(folder)})
    assert done["event"] == "done", done
    assert len(texts) >= 2  # streamed in pieces, not in one reply at the end
    assert done["tokens"] == GREEDY["max_new_tokens"] and not done["stopped"]

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder)
    inputs = tokenizer.apply_chat_template(
        HELLO, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    ids = model.generate(**inputs, **GREEDY, pad_token_id=tokenizer.eos_token_id)
    expected = tokenizer.decode(ids[0, inputs["input_ids"].shape[-1] :], skip_special_tokens=True)
    assert "".join(texts) == expected

    again, second = _collect_now(worker, {"folder": str(folder)})  # the loaded model, reused
    assert "".join(again) == expected and second["event"] == "done"


def test_stop_ends_a_long_generation_within_a_second(worker, tmp_path):
    folder = _chat_model(tmp_path / "long", positions=4096, width=256)
    long = {"do_sample": False, "max_new_tokens": 1024, "min_new_tokens": 1024}
    asked = {}

    def stop_soon(rid):
        asked["at"] = time.monotonic()
        worker.stop(rid)

    texts, done = _collect_now(worker, {"folder": str(folder)}, sampling=long, on_first=stop_soon)
    assert texts  # it had begun
    ended = time.monotonic()
    assert done["event"] == "done", done
    assert done["stopped"] and done["tokens"] < 1024
    assert ended - asked["at"] < 1.0


def test_a_model_too_large_for_this_machine_is_refused_before_loading(worker, tmp_path):
    folder = _chat_model(tmp_path / "huge")
    weights = folder / "model.safetensors"
    weights.unlink()  # it is a symlink into the cache's blobs
    with weights.open("wb") as sparse:  # 4 TB on paper, nothing on disk
        sparse.truncate(4 * 10**12)
    texts, refused = _collect_now(worker, {"folder": str(folder)})
    assert texts == []
    assert refused["event"] == "error"
    assert refused["message"].startswith("Not loaded: this model needs about 4001.0 GB")
    assert "this machine has" in refused["message"] and "GB free" in refused["message"]
    # the worker lives on and serves the next prompt
    small = _chat_model(tmp_path / "small")
    assert _collect_now(worker, {"folder": str(small)})[1]["event"] == "done"


@pytest.fixture
def completed_run(migrated, tmp_path, hf_cache):
    owner, version_id = publish_for_new_user(
        migrated, published_snapshot(write_rows(tmp_path / "qa.jsonl"), max_steps=6)
    )
    run = start_local(migrated, owner, version_id, tmp_path, hf_cache)
    assert follow_local(migrated, run, lambda d: d.status != "running").status == "completed"
    return owner, run


def test_an_adapter_run_loads_on_its_base(migrated, completed_run, worker, hf_cache):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    owner, run = completed_run
    with Session(migrated) as session:
        offered = choices(session, owner_id=owner, deployment_id=run)
        spec = model_spec(session, owner_id=owner, deployment_id=run, base=False)
        base = model_spec(session, owner_id=owner, deployment_id=run, base=True)
    assert [c.key for c in offered] == [str(run), BASE]
    assert spec["base"] == base["base"] == "trainpkg-tests/tiny-gpt2"
    assert (Path(spec["adapter"]) / "adapter_config.json").is_file()

    texts, done = _collect_now(worker, spec)
    assert done["event"] == "done", done
    adapter_config = json.loads((Path(spec["adapter"]) / "adapter_config.json").read_text())
    model = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(
            adapter_config["base_model_name_or_path"], cache_dir=hf_cache
        ),
        spec["adapter"],
    )
    tokenizer = AutoTokenizer.from_pretrained(spec["adapter"])
    prompt = "User: The quick brown fox\nAssistant:"  # no chat template: the plain transcript
    inputs = tokenizer(prompt, return_tensors="pt")
    ids = model.generate(**inputs, **GREEDY, pad_token_id=tokenizer.eos_token_id)
    expected = tokenizer.decode(ids[0, inputs["input_ids"].shape[-1] :], skip_special_tokens=True)
    assert "".join(texts) == expected


def test_another_users_run_is_not_found(migrated, completed_run):
    _owner, run = completed_run
    with Session(migrated) as session, pytest.raises(NotFound):
        choices(session, owner_id=uuid.uuid4(), deployment_id=run)
    with Session(migrated) as session, pytest.raises(NotFound):
        model_spec(session, owner_id=uuid.uuid4(), deployment_id=run, base=True)


def test_two_models_load_and_answer_at_once(worker, tmp_path):
    first, second = _chat_model(tmp_path / "one"), _chat_model(tmp_path / "two")

    async def both():
        return await asyncio.gather(
            *[_collect(worker, {"folder": str(f)}, HELLO, GREEDY) for f in (first, second)]
        )

    for texts, done in asyncio.run(both()):
        assert done["event"] == "done", done
        assert "".join(texts)
