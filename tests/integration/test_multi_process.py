"""train.py under ``accelerate launch --num_processes 2`` on the CPU (gloo), started the way
the app starts it (deploy/local.py): one metrics stream and one summary, written by the main
process only, and a stop request sent to the main process alone ends both ranks."""

import json
import os
import signal
import time
from pathlib import Path

import pytest

pytest.importorskip("accelerate", reason="the training libraries come with the train extra")

from tests.trainkit.packages import published_snapshot, training_env, write_rows
from trainpkg_app.deploy import local
from trainpkg_app.package.builder import build_package

RANKS = 2


def _package(tmp_path: Path, max_steps: int) -> Path:
    upload = write_rows(tmp_path / "qa.jsonl")
    snapshot = published_snapshot(upload, max_steps=max_steps, config={"eval_strategy": "steps"})
    return build_package("tiny-v1", snapshot, tmp_path / "pkg", uploads=tmp_path)


def _records(folder: Path) -> list[dict]:
    path = folder / "metrics.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line) for line in lines]


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def _rank_pids(launcher: int) -> dict[int, int]:
    """RANK -> pid of the training processes that accelerate launch started."""
    ranks = {}
    for pid in _descendants(launcher):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            continue
        rank = next((v for v in environ if v.startswith(b"RANK=")), None)
        if rank:
            ranks[int(rank.split(b"=")[1])] = pid
    return ranks


def _wait_for(condition, timeout: float = 240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def _ended(pid: int) -> bool:
    return not local.is_alive(pid)


def test_two_ranks_write_one_metrics_stream_and_one_summary(tmp_path, hf_cache):
    folder = _package(tmp_path, max_steps=8)
    launcher = local.launch(folder, RANKS, training_env(hf_cache, tmp_path))
    _wait_for(lambda: _ended(launcher))
    log = (folder / "train.log").read_text()
    assert log.count("Loading weights: 100%") == RANKS, log[-2000:]
    records = _records(folder)
    losses = [r["step"] for r in records if "loss" in r]
    assert losses == list(range(1, 9))  # each step once: not once per rank
    assert next(r["epoch"] for r in records if "loss" in r) == 0.2  # 18 rows / (2 ranks x 2)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["global_step"] == 8
    assert (folder / "output" / "adapter_model.safetensors").is_file()


def test_a_stop_request_to_the_main_process_ends_both_ranks(tmp_path, hf_cache):
    folder = _package(tmp_path, max_steps=2000)
    launcher = local.launch(folder, RANKS, training_env(hf_cache, tmp_path))
    ranks = _wait_for(lambda: len(_rank_pids(launcher)) == RANKS and _rank_pids(launcher))
    _wait_for(lambda: any(r.get("step", 0) >= 2 for r in _records(folder)))
    os.kill(ranks[0], signal.SIGTERM)  # only the main process hears it
    _wait_for(lambda: _ended(launcher), timeout=120)
    assert all(not Path(f"/proc/{pid}").exists() for pid in ranks.values())
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "cancelled" and summary["global_step"] < 2000
    assert (folder / "output" / "adapter_model.safetensors").is_file()
