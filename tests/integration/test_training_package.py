"""A package built from a published snapshot trains for real on the CPU, with no app present."""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

pytest.importorskip("trl", reason="the training libraries come with the train extra")

from tests.trainkit.as_user import ROOT_NEEDED, chown_tree, python_for
from tests.trainkit.packages import (
    ROWS,
    published_snapshot,
    store_uploads,
    training_env,
    write_rows,
)
from trainpkg_app.package.builder import build_package, zip_package

PACKAGE_FILES = [
    "Dockerfile",
    "README.md",
    "answer_scores.py",
    "chat_format.py",
    "data",
    "evaluation.py",
    "formats.py",
    "hub_results.py",
    "machine.py",
    "package.yaml",
    "requirements.txt",
    "train.py",
    "training_data.py",
]


def _train(folder: Path, env: dict[str, str], *args: str) -> list[dict]:
    """Run the package's train.py here; its metrics records."""
    run = subprocess.run(
        [sys.executable, "train.py", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]


def test_the_package_folder_is_self_contained(tmp_path):
    upload = write_rows(tmp_path / "qa.jsonl")
    folder = build_package(
        "tiny-v1", published_snapshot(upload), tmp_path / "pkg", uploads=tmp_path
    )
    assert sorted(p.name for p in folder.iterdir()) == PACKAGE_FILES
    spec = yaml.safe_load((folder / "package.yaml").read_text())
    assert spec["model"]["revision"] == "0123456789abcdef0123456789abcdef01234567"
    assert spec["dataset"]["datasets"][0]["path"] == "data/qa.jsonl"
    assert spec["training_arguments"]["lora"]["target_modules"] == ["c_attn"]
    assert (folder / "data" / "qa.jsonl").read_text() == upload.read_text()
    pins = spec["environment"]["pins"]  # recorded for reproducibility: what requirements.txt says
    assert (folder / "requirements.txt").read_text().split() == [
        f"{k}=={v}" for k, v in pins.items()
    ]
    assert spec["environment"]["runtime"] == "local" and "trl" in pins and "torch" in pins
    assert zip_package(folder).name == "pkg.zip"


def test_train_py_trains_on_the_cpu_without_the_app(tmp_path, hf_cache):
    upload = write_rows(tmp_path / "qa.jsonl")
    folder = build_package(
        "tiny-v1", published_snapshot(upload), tmp_path / "pkg", uploads=tmp_path
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRAINPKG_", "PYTHONPATH"))}
    env |= {
        "HF_HUB_CACHE": str(hf_cache),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_DATASETS_CACHE": str(tmp_path / "ds-cache"),
        "TOKENIZERS_PARALLELISM": "false",
    }
    records = _train(folder, env)
    losses = [r["loss"] for r in records if "loss" in r]
    assert len(losses) == 6 and all(math.isfinite(loss) for loss in losses)
    assert records[-1]["max_steps"] == 6
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["global_step"] == 6
    assert (folder / "output" / "adapter_model.safetensors").is_file()


@pytest.mark.skipif(os.geteuid() != 0, reason=ROOT_NEEDED)
def test_train_py_runs_as_uid_1000_in_a_copy_owned_by_root(tmp_path, hf_cache):
    """What a Docker Space does: uid 1000, with the package in a folder it cannot write to.
    The outputs go to the user's home instead."""
    root = Path(tempfile.mkdtemp(prefix="trainpkg-uid1000-", dir="/tmp"))
    try:
        root.chmod(0o755)  # pytest's own tmp folders are 0700: uid 1000 could not even read them
        folder = build_package(
            "tiny-v1", published_snapshot(write_rows(root / "qa.jsonl")), root / "pkg", uploads=root
        )
        assert folder.stat().st_uid == 0 and not folder.stat().st_mode & 0o022
        home = root / "home"
        shutil.copytree(hf_cache, home / ".cache" / "hub")
        chown_tree(home, 1000)
        python, extra = python_for(1000)
        env = training_env(home / ".cache" / "hub", home) | {"HOME": str(home)} | extra
        run = subprocess.run(
            [*python, "train.py"],
            cwd=folder,
            env=env,
            user=1000,
            group=1000,
            extra_groups=[],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        out = home / "trainpkg-output" / "pkg"
        summary = json.loads((out / "summary.json").read_text())
        assert summary["status"] == "completed" and summary["global_step"] == 6
        adapter = out / "output" / "adapter_model.safetensors"
        assert adapter.is_file() and adapter.stat().st_uid == 1000
        assert (out / "metrics.jsonl").read_text().count('"loss"') == 6
        assert sorted(p.name for p in folder.iterdir()) == PACKAGE_FILES  # nothing written there
    finally:
        shutil.rmtree(root)


def test_trainpkg_export_writes_a_published_version(tmp_path, monkeypatch, capsys):
    from sqlmodel import Session

    from trainpkg_app import cli
    from trainpkg_app.db import engine as engine_module
    from trainpkg_app.db.accounts import create_account
    from trainpkg_app.db.migrations import upgrade
    from trainpkg_app.db.packages import create_package
    from trainpkg_app.db.versions import publish_version
    from trainpkg_app.settings import get_settings

    monkeypatch.setenv("TRAINPKG_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    engine_module.get_engine.cache_clear()
    get_settings().ensure_data_dir()
    upgrade(get_settings().resolved_database_url)
    upload = tmp_path / "qa.jsonl"
    upload.write_text(json.dumps(ROWS[0]))
    with Session(engine_module.get_engine()) as session:
        owner = create_account(session, email="admin@example.com", password="a long passphrase").id
        package = create_package(session, owner_id=owner, name="tiny")
        snapshot = published_snapshot(upload)
        store_uploads(snapshot, get_settings().uploads_dir(owner, package.id))
        publish_version(
            session,
            owner_id=owner,
            package_id=package.id,
            snapshot=snapshot,
            change_summary="",
            parent_version_id=None,
        )
        session.commit()
    assert (
        cli.main(["export", "tiny", "--version", "1", "--out", str(tmp_path / "out"), "--zip"]) == 0
    )
    assert "Wrote" in capsys.readouterr().out
    assert (tmp_path / "out" / "package.yaml").is_file() and (tmp_path / "out.zip").is_file()
    with pytest.raises(SystemExit, match="No version 2 of a package named 'tiny'"):
        cli.main(["export", "tiny", "--version", "2", "--out", str(tmp_path / "out2")])
    get_settings.cache_clear()
    engine_module.get_engine.cache_clear()


def _train_module(folder):
    """The package's own train.py, imported as a module (formats.py beside it)."""
    import importlib.util

    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location("package_train", folder / "train.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(folder))


@pytest.mark.parametrize("method", ["lora", "qlora", "full"])
def test_the_base_model_loads_as_the_method_and_the_memory_estimate_assume_it(tmp_path, method):
    import torch

    config = {"method": method, "precision": "bf16"}
    upload = write_rows(tmp_path / "qa.jsonl")
    snapshot = published_snapshot(upload, config=config, job_flavor="a10g-small")  # has bf16
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    args = yaml.safe_load((folder / "package.yaml").read_text())["training_arguments"]
    options = _train_module(folder).loading_options(args, gpu=True)
    assert options.pop("attn_implementation") == "sdpa"
    requirements = (folder / "requirements.txt").read_text()
    if method == "qlora":  # 4-bit weights, bf16 compute, and bitsandbytes to load them
        quantization = options["quantization_config"]
        assert quantization.load_in_4bit and quantization.bnb_4bit_quant_type == "nf4"
        assert options["dtype"] == torch.bfloat16
        assert options["device_map"] == {"": 0}  # this process's own GPU, never "auto"
        assert "bitsandbytes" in requirements
    elif method == "lora":  # the frozen base in the 16-bit precision it trains in
        assert options == {"dtype": torch.bfloat16}
        assert "bitsandbytes" not in requirements
    else:  # a full fine-tune keeps fp32 weights: the master copy for mixed precision
        assert options == {}
    if method != "qlora":  # the CPU trains in fp32 (QLoRA is refused there, see train.py)
        cpu = _train_module(folder).loading_options(args, gpu=False)
        assert cpu == {"attn_implementation": "sdpa"}


@pytest.mark.parametrize("method", ["lora", "full"])
def test_the_model_card_links_the_results_to_their_base_model_and_datasets(tmp_path, method):
    upload = write_rows(tmp_path / "qa.jsonl")
    snapshot = published_snapshot(upload, config={"method": method})
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    spec = yaml.safe_load((folder / "package.yaml").read_text())
    spec["dataset"]["datasets"].append({"source": "hub", "dataset_id": "tatsu-lab/alpaca"})
    summary = {"training_loss": 1.25, "eval_loss": 1.5, "global_step": 6, "status": "completed"}
    card = _train_module(folder).model_card(spec, summary, adapter=method == "lora")
    metadata = yaml.safe_load(card.split("---\n")[1])
    assert metadata["base_model"] == spec["model"]["model_id"]
    assert metadata["library_name"] == ("peft" if method == "lora" else "transformers")
    assert metadata["datasets"] == ["tatsu-lab/alpaca"]  # Hub ids only; uploads are listed below
    assert "- `qa.jsonl` (upload)" in card and "- `tatsu-lab/alpaca` (hub)" in card
    assert "final train loss: 1.25" in card and "final eval loss: 1.5" in card
    assert "**tiny-v1**" in card and "max_steps: 6" in card


def test_a_run_resumes_from_its_latest_checkpoint(tmp_path, hf_cache):
    snapshot = published_snapshot(
        write_rows(tmp_path / "qa.jsonl"), max_steps=10, config={"save_strategy": "epoch"}
    )  # 9 steps an epoch: checkpoints at steps 9 and 10
    folder = build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)
    env = training_env(hf_cache, tmp_path)

    def losses(*args: str) -> list[dict]:
        return [record for record in _train(folder, env, *args) if "loss" in record]

    assert len(losses()) == 10
    checkpoints = folder / "checkpoints"
    assert sorted(p.name for p in checkpoints.glob("checkpoint-*")) == [
        "checkpoint-10",
        "checkpoint-9",
    ]
    shutil.rmtree(checkpoints / "checkpoint-10")  # as if the run had stopped after step 9
    assert [record["step"] for record in losses("--resume")] == [10]  # only the missing step
    assert json.loads((folder / "summary.json").read_text())["global_step"] == 10
