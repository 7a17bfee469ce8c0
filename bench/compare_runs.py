"""Comparing 8 runs of 10,000 steps each: the server's path behind the Runs tab's compare panel.

Times what RunCompareState.compare does (the 8 runs read for their owner, with their chains,
the config diff of their versions, and the chart's rows: smoothed, downsampled into 400 rows
the runs share), the first time in this process and again (the ended runs' curves kept, their
owner checked), and what each change of metric, x axis, smoothing or log scale does (the
curves read again for their owner, then the rows), and prints p50/p95 in milliseconds with the
rows' size. Writes bench/results/compare-runs.json. The browser's click-to-drawn-chart time
is not measured.

    .venv/bin/python bench/compare_runs.py
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this clone's app, not another

from bench_kit import exit_on_help, timed
from sqlmodel import Session

from trainpkg_app.core.curves import METRICS, chart_rows
from trainpkg_app.core.diff import differing_fields
from trainpkg_app.db.accounts import start_session, user_for_token
from trainpkg_app.db.engine import create_db_engine, scope_to_user, session_scope
from trainpkg_app.db.migrations import upgrade
from trainpkg_app.db.models import (
    Deployment,
    TrainingPackage,
    TrainingPackageVersion,
    User,
    utc_now,
)
from trainpkg_app.deploy.comparison import compared_curves, compared_runs
from trainpkg_app.deploy.held_curves import forget_ended

RUNS, STEPS, ROUNDS = 8, 10_000, 30
RESULTS = Path(__file__).with_name("results")


def _metrics(seed: int) -> list[dict]:
    """A run's records as train.py streams them: a train record per step, an eval every 100."""
    rng, records = random.Random(seed), []
    for step in range(1, STEPS + 1):
        record = {
            "step": step,
            "max_steps": STEPS,
            "epoch": step / 1000,
            "loss": 3.0 / (1 + step / 500) + rng.gauss(0, 0.05),
            "learning_rate": 2e-4 * (1 - step / STEPS),
            "grad_norm": abs(rng.gauss(1.0, 0.3)),
            "tokens_per_s": rng.gauss(5000, 200),
            "elapsed_s": step * 0.4,
        }
        if step % 100 == 0:
            record["eval_loss"] = 3.2 / (1 + step / 500)
        records.append(record)
    return records


def fill(engine, owner_id: uuid.UUID | None = None) -> tuple[uuid.UUID, list[str]]:
    """An owner (a new one, or ``owner_id``) with one package, 8 versions (learning rates
    differ) and a finished run each."""
    with Session(engine) as session:
        if owner_id is None:
            user = User(email="bench@example.com", password_hash="x")
            session.add(user)
            session.flush()
            owner_id = user.id
        package = TrainingPackage(
            owner_id=owner_id,
            name="sweep",
            draft_model={},
            draft_config={},
            draft_dataset={},
            draft_deploy={},
            draft_workflow={},
        )
        session.add(package)
        session.flush()
        run_ids = []
        for n in range(RUNS):
            version = TrainingPackageVersion(
                package_id=package.id,
                version_number=n + 1,
                name=f"sweep-v{n + 1}",
                status="published",
                config_snapshot={"training": {"learning_rate": 2e-4 / (n + 1)}, "deploy": {}},
                model_snapshot={"model_id": "Qwen/Qwen2.5-0.5B"},
                dataset_snapshot={},
            )
            session.add(version)
            session.flush()
            run = Deployment(version_id=version.id, target="local", status="completed")
            run.started_at, run.finished_at = utc_now() - timedelta(hours=1), utc_now()
            run.metrics = _metrics(n)
            session.add(run)
            session.flush()
            run_ids.append(str(run.id))
        session.commit()
        return owner_id, run_ids


def run(database_url: str) -> dict:
    upgrade(database_url)
    engine = create_db_engine(database_url)
    owner, run_ids = fill(engine)
    with session_scope(engine) as session:
        token = start_session(session, owner, timedelta(hours=1))

    def owners(read):  # as state/owner.as_user does: the session's user, rows scoped to them
        with session_scope(engine) as session:
            user = user_for_token(session, token)
            scope_to_user(session, user.id)
            return read(session, owner_id=user.id, run_ids=run_ids)

    def compare(_index: int) -> None:  # RunCompareState.compare
        runs = owners(compared_runs)
        differing_fields([r.snapshot for r in runs])
        chart_rows([r.curve for r in runs], "loss", "step")

    metrics = list(METRICS)

    def redraw(index: int) -> None:  # set_metric / set_smoothing / set_log_scale / set_x_axis
        curves = owners(compared_curves)
        metric, x_axis = metrics[index % len(metrics)], ("step", "time")[index % 2]
        chart_rows(curves, metric, x_axis, 0.6, index % 3 == 0)

    def compare_read(index: int) -> None:  # the first compare of these runs in this process
        forget_ended()
        compare(index)

    figures = {
        "compare_first": timed(ROUNDS, compare_read),
        "compare_again": timed(ROUNDS, compare),  # their ended curves kept
        "redraw": timed(ROUNDS * 2, redraw),
    }
    rows = chart_rows(owners(compared_curves), "loss", "step")
    figures["chart"] = {
        "rows": len(rows),
        "points_per_run_max": max(sum(f"r{i}" in row for row in rows) for i in range(RUNS)),
        "json_kb": round(len(json.dumps(rows)) / 1024, 1),
    }
    return figures


def main() -> None:
    exit_on_help(__doc__)
    with tempfile.TemporaryDirectory() as folder:
        figures = run(f"sqlite:///{folder}/bench.db")
    result = {"runs": RUNS, "steps_per_run": STEPS, "database": "sqlite", **figures}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare-runs.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
