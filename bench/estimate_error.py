"""Error of the calibrated time estimate against the static one, leave-one-out, on real runs.

Trains N tiny LoRA packages on this CPU through the app (deploy service, local backend, the
runs recorded in a scratch SQLite database, as in the app), each with its own step count and
batch size. Then, for each run, the app's estimate (core/insights.run_estimate) calibrated by
the *other* runs (core/calibration.py) and the static formula (k x params x tokens at this
CPU's measured matmul throughput, plus the local overhead; the app shows no static time for
this machine, so the bench gives the formula this CPU as its "GPU") are set against the wall
time the run took. Prints the table and the mean absolute errors; writes
bench/results/estimate-error.json.

    .venv/bin/python bench/estimate_error.py [runs]      (default 6)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_kit import exit_on_help
from sqlmodel import Session
from train_overhead import cpu_flavor, measured_matmul_tflops

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.trainkit.packages import (
    measured_snapshot,
    new_owner_with_package,
    publish_next_version,
    training_env,
    write_rows,
)
from tests.trainkit.tiny_model import build_tiny_model
from trainpkg_app.core.calibration import error_pct
from trainpkg_app.core.cost import OVERHEAD_MINUTES, compute_seconds
from trainpkg_app.core.drafts import content_from_snapshot
from trainpkg_app.core.hardware import Flavor
from trainpkg_app.core.insights import run_estimate
from trainpkg_app.db.engine import create_db_engine
from trainpkg_app.db.migrations import upgrade
from trainpkg_app.db.models import Deployment
from trainpkg_app.deploy import service
from trainpkg_app.deploy.backends.local import LocalBackend
from trainpkg_app.deploy.calibration import measured_runs

RESULTS = Path(__file__).with_name("results")
PLANS = [(8, 4), (16, 2), (24, 4), (32, 2), (48, 4), (64, 2), (12, 2), (40, 4)]  # steps, batch


def train(engine, owner, version_id, runs_dir: Path, env: dict) -> Deployment:
    with Session(engine) as session:
        deployment_id = (
            LocalBackend()
            .start(session, owner_id=owner, version_id=version_id, runs_dir=runs_dir, env=env)
            .id
        )
        session.commit()
    while True:  # what the app's monitor does, every 0.2 s here
        with Session(engine, expire_on_commit=False) as session:
            deployment = session.get(Deployment, deployment_id)
            status = service.sync(session, deployment)
            session.commit()
        if status not in service.ACTIVE:
            assert status == "completed", deployment.log_tail
            return deployment
        time.sleep(0.2)


def static_seconds(snapshot: dict, tokens: int, cpu: Flavor) -> float:
    config = snapshot["config"]
    seconds = compute_seconds(
        parameters=snapshot["model"]["parameters"],
        tokens=tokens,
        method=config["method"],
        gradient_checkpointing=config["gradient_checkpointing"],
        flavor=cpu,
    )
    return seconds + OVERHEAD_MINUTES["local"] * 60


def main() -> None:
    exit_on_help(__doc__)
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    plans = (PLANS * 2)[:count]
    tflops = measured_matmul_tflops()
    cpu = cpu_flavor(tflops)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        cache = root / "hf-cache"
        build_tiny_model(cache)
        env = training_env(cache, root)
        url = f"sqlite:///{root / 'bench.db'}"
        upgrade(url)
        engine = create_db_engine(url)
        owner, package_id = new_owner_with_package(engine, "bench")
        upload = write_rows(root / "qa.jsonl")
        snapshots, runs = [], []
        for index, (steps, batch) in enumerate(plans):
            snapshot = measured_snapshot(
                upload, cache, steps, config={"per_device_batch_size": str(batch)}
            )
            version_id = publish_next_version(engine, owner, package_id, snapshot)
            snapshots.append(snapshot)
            runs.append(train(engine, owner, version_id, root / f"runs-{index}", env))
            print(f"run {index + 1}/{len(plans)}: {steps} steps, batch {batch}", flush=True)
        with Session(engine) as session:
            measured = measured_runs(session, owner_id=owner)
        engine.dispose()
    rows = []
    for snapshot, run, (steps, batch) in zip(snapshots, runs, plans, strict=True):
        others = [m for m in measured if m["run_id"] != str(run.id)]  # leave this run out
        content = content_from_snapshot(snapshot)
        found = run_estimate(content.forms, content.datasets, others)
        tokens = int(found["tokens"])
        actual = run.measured["wall_s"]
        calibrated_s = float(found["hours"]) * 3600
        static_s = static_seconds(snapshot, tokens, cpu)
        rows.append(
            {
                "steps": steps,
                "batch": batch,
                "tokens_estimated": tokens,
                "tokens_measured": run.measured["tokens"],
                "actual_wall_s": actual,
                "calibrated_s": round(calibrated_s, 2),
                "static_s": round(static_s, 2),
                "calibrated_error_pct": error_pct(calibrated_s, actual),
                "static_error_pct": error_pct(static_s, actual),
            }
        )
    figures = {
        "runs": len(rows),
        "cpu_matmul_tflops": round(tflops, 3),
        "mean_abs_error_calibrated_pct": round(
            statistics.mean(abs(r["calibrated_error_pct"]) for r in rows), 1
        ),
        "mean_abs_error_static_pct": round(
            statistics.mean(abs(r["static_error_pct"]) for r in rows), 1
        ),
        "rows": rows,
        "note": "tiny GPT-2 LoRA on this CPU, leave-one-out: each run's calibrated estimate "
        "uses the other runs only; wall time from the run's start to its recorded end",
    }
    print(
        f"{'steps':>5} {'batch':>5} {'actual s':>9} {'calib s':>8} {'err':>7} "
        f"{'static s':>9} {'err':>8}"
    )
    for r in rows:
        print(
            f"{r['steps']:>5} {r['batch']:>5} {r['actual_wall_s']:>9.1f} {r['calibrated_s']:>8.1f} "
            f"{r['calibrated_error_pct']:>+6.0f}% {r['static_s']:>9.1f} "
            f"{r['static_error_pct']:>+7.0f}%"
        )
    print(
        f"mean absolute error: calibrated {figures['mean_abs_error_calibrated_pct']}%, "
        f"static {figures['mean_abs_error_static_pct']}%"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "estimate-error.json").write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
