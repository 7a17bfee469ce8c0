"""History at scale: 1,000 packages, one of them with 10,000 versions.

Measures auto-save of a changed draft (the path of ``AutosaveMixin._save_once`` in
state/drafts.py, without Reflex: the draft content, its fingerprint against the saved one, the
save lease, then ``save_draft`` in a transaction scoped to the session token's user, as
``state/owner.as_user`` runs it), the history's first page and a compare of two versions, and
prints p50/p95 in milliseconds. Writes bench/results/history-<dialect>.json.

    .venv/bin/python bench/history_bench.py                    # SQLite in a temporary folder
    .venv/bin/python bench/history_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this clone's app, not another

import sqlalchemy as sa
from bench_kit import exit_on_help, timed
from sqlmodel import Session

from trainpkg_app.core.diff import diff_snapshots
from trainpkg_app.core.drafts import DraftContent, initial_workflow
from trainpkg_app.core.forms import default_forms
from trainpkg_app.core.workers import lease_held, this_worker
from trainpkg_app.db.accounts import start_session, user_for_token
from trainpkg_app.db.drafts import save_draft
from trainpkg_app.db.engine import create_db_engine, scope_to_user, session_scope
from trainpkg_app.db.migrations import upgrade
from trainpkg_app.db.models import TrainingPackage, TrainingPackageVersion, User, utc_now
from trainpkg_app.db.versions import get_version, list_versions, snapshot_of_version, to_columns

PACKAGES, VERSIONS, ROUNDS = 1_000, 10_000, 300
SAVE_STALE_S = 60.0  # state/drafts.py's: a save that has not answered by then died
RESULTS = Path(__file__).with_name("results")
SNAPSHOT = {
    "model": {"model_id": "Qwen/Qwen2.5-0.5B", "revision": "a" * 40, "size_gb": 0.99},
    "config": {"method": "lora", "learning_rate": 2e-4, "num_epochs": 3, "lora_r": 16},
    "dataset": {
        "datasets": [{"dataset_id": "tatsu-lab/alpaca", "split": "train"}],
        "train_split_percent": 90.0,
    },
    "deploy": {"target": "hf_job", "job_flavor": "a10g-small", "timeout_minutes": 120},
}


def fill(engine: sa.Engine) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    owner = uuid.uuid4()
    big = uuid.uuid4()
    now = utc_now()
    with engine.begin() as connection:
        connection.execute(
            sa.insert(User.__table__),
            [
                {
                    "id": owner,
                    "email": "bench@example.com",
                    "password_hash": "x",
                    "is_admin": False,
                    "created_at": now,
                }
            ],
        )
        packages = [
            {
                "id": big if i == 0 else uuid.uuid4(),
                "owner_id": owner,
                "name": f"package {i}",
                "description": "",
                "created_at": now,
                "updated_at": now,
                "draft_model": {},
                "draft_config": {},
                "draft_dataset": {},
                "draft_deploy": {},
                "draft_workflow": {},
                "draft_started_at": now,
                "revision": 0,
                "last_version_number": VERSIONS if i == 0 else 0,
            }
            for i in range(PACKAGES)
        ]
        connection.execute(sa.insert(TrainingPackage.__table__), packages)
        version_ids = [uuid.uuid4() for _ in range(VERSIONS)]
        columns = to_columns(SNAPSHOT)
        for start in range(0, VERSIONS, 1000):
            connection.execute(
                sa.insert(TrainingPackageVersion.__table__),
                [
                    {
                        "id": version_ids[n],
                        "package_id": big,
                        "version_number": n + 1,
                        "name": f"package-0-v{n + 1}",
                        "status": "published",
                        "created_at": now,
                        "published_at": now,
                        "created_by": owner,
                        "change_summary": f"change {n + 1}",
                        "training_metrics": None,
                        **columns,
                    }
                    for n in range(start, min(start + 1000, VERSIONS))
                ],
            )
    return owner, big, version_ids


def as_user(engine: sa.Engine, token: str, crud, **kwargs):
    """``state/owner._run_as`` on this engine: the token's user, row scope, one transaction."""
    with session_scope(engine) as session:
        user = user_for_token(session, token)
        if user is None:
            raise RuntimeError("the bench's session ended")
        scope_to_user(session, user.id)
        return crud(session, owner_id=user.id, **kwargs)


def run(database_url: str) -> dict:
    upgrade(database_url)
    engine = create_db_engine(database_url)
    owner, package_id, version_ids = fill(engine)
    with session_scope(engine) as session:
        token = start_session(session, owner, timedelta(hours=1))
    # What WorkspaceState holds: the forms, the datasets and the workflow.
    forms, datasets, workflow = default_forms(), [], initial_workflow()
    # The state's revision, _saved_fingerprint and save lease (_saving_since, _saving_worker).
    saved = {"revision": 0, "fingerprint": "", "since": 0.0, "worker": ""}

    def autosave(index: int) -> None:
        forms["model"]["model_id"] = f"org/model-{index}"  # the edit
        content = DraftContent(forms=forms, datasets=datasets, workflow=workflow)
        fingerprint = content.fingerprint()
        if fingerprint == saved["fingerprint"]:
            return
        if lease_held(saved["since"], saved["worker"], SAVE_STALE_S, time.time()):
            return  # another save runs
        saved["since"], saved["worker"] = time.time(), this_worker()
        revision = as_user(
            engine,
            token,
            save_draft,
            package_id=package_id,
            expected_revision=saved["revision"],
            content=content,
        )
        saved["revision"], saved["fingerprint"], saved["since"] = revision, fingerprint, 0.0
        # Then the state asks whether edits arrived during the save: the content once more.
        after = DraftContent(forms=forms, datasets=datasets, workflow=workflow).fingerprint()
        assert after == fingerprint

    def first_page(_index: int) -> None:
        with Session(engine) as session:
            rows, total = list_versions(session, owner_id=owner, package_id=package_id, limit=10)
        assert len(rows) == 10 and total == VERSIONS

    def compare(index: int) -> None:
        left, right = version_ids[index], version_ids[-1 - index]
        with Session(engine) as session:
            snapshots = [
                snapshot_of_version(get_version(session, owner_id=owner, version_id=v))
                for v in (left, right)
            ]
        diff_snapshots(*snapshots)

    figures = {
        "database": engine.dialect.name,
        "packages": PACKAGES,
        "versions_in_one_package": VERSIONS,
        "autosave": timed(ROUNDS, autosave),
        "history_first_page": timed(ROUNDS, first_page),
        "compare_two_versions": timed(ROUNDS, compare),
    }
    engine.dispose()
    return figures


def main() -> None:
    exit_on_help(__doc__)
    if len(sys.argv) > 1:
        url = sys.argv[1]
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        name = f"trainpkg_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            figures = run(sa.engine.make_url(url).set(database=name).render_as_string(False))
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory() as folder:
            figures = run(f"sqlite:///{Path(folder) / 'bench.db'}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"history-{figures['database']}.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
