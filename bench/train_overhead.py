"""Training overhead of the app: the same package run by the app (deploy service + monitor sync)
against ``python train.py`` run directly. Prints the wall times and their ratio (target <= 1.02)
and writes bench/results/train-overhead.json.

    .venv/bin/python bench/train_overhead.py [rounds]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.trainkit.packages import (
    publish_for_new_user,
    published_snapshot,
    training_env,
    write_rows,
)
from tests.trainkit.tiny_model import build_tiny_model
from trainpkg_app.db.engine import create_db_engine
from trainpkg_app.db.migrations import upgrade
from trainpkg_app.db.models import Deployment
from trainpkg_app.deploy import service
from trainpkg_app.package.builder import build_package

STEPS = 60
RESULTS = Path(__file__).with_name("results")
POLL_S = 0.1


def run_direct(folder: Path, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "train.py"], cwd=folder, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def run_through_app(engine, owner, version_id, runs_dir: Path, env: dict) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        deployment_id = service.start_local(
            session, owner_id=owner, version_id=version_id, runs_dir=runs_dir, env=env
        ).id
        session.commit()
    while True:  # what the app monitor does (it polls every 1 s; here 0.1 s, to time the run)
        with Session(engine) as session:
            status = service.sync(session, session.get(Deployment, deployment_id))
            session.commit()
        if status not in service.ACTIVE:
            break
        time.sleep(POLL_S)
    assert status == "completed", status
    return time.perf_counter() - started


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        cache = root / "hf-cache"
        build_tiny_model(cache)
        env = training_env(cache, root)
        snapshot = published_snapshot(write_rows(root / "qa.jsonl"), max_steps=STEPS)
        url = f"sqlite:///{root / 'bench.db'}"
        upgrade(url)
        engine = create_db_engine(url)
        owner, version_id = publish_for_new_user(engine, snapshot, name="bench")
        direct, app = [], []
        for index in range(rounds):  # alternate, so that drift hits both alike
            folder_direct = build_package("bench-v1", snapshot, root / f"direct-{index}")
            direct.append(run_direct(folder_direct, env))
            app.append(
                run_through_app(engine, owner, version_id, root / f"runs-{uuid.uuid4().hex}", env)
            )
        engine.dispose()
    figures = {
        "steps": STEPS,
        "rounds": rounds,
        "direct_s": [round(t, 2) for t in direct],
        "app_s": [round(t, 2) for t in app],
        "median_direct_s": round(statistics.median(direct), 2),
        "median_app_s": round(statistics.median(app), 2),
        "ratio": round(statistics.median(app) / statistics.median(direct), 3),
        "note": "CPU, tiny GPT-2, polled every 0.1 s; the app monitor polls every 1 s, "
        "which adds up to 1 s before the UI shows the end",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "train-overhead.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
