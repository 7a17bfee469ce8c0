"""Estimates that learn, in the browser: with two measured runs of a 0.5B-class model on a Space's
A10G small, the Deploy step's estimate says it is calibrated by them and names them; the Runs
tab shows each run's estimate against what it took, with the error, and the mean error per
target."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect
from sqlmodel import Session
from test_accessibility import blocking_violations
from wizard_steps import header

from tests.trainkit.packages import published_snapshot, store_uploads, write_rows
from trainpkg_app.core.drafts import content_from_snapshot
from trainpkg_app.db.drafts import create_with_draft
from trainpkg_app.db.models import Deployment, User, utc_now
from trainpkg_app.db.versions import publish_version
from trainpkg_app.settings import get_settings

PARAMETERS = 494_000_000
# (tokens/s, train seconds, wall seconds, cost) each run measured; each was estimated 20 min
MEASURED = [(4000.0, 700.0, 900.0, 0.25), (5000.0, 650.0, 750.0, 0.21)]


def _measured_runs(app_db, tmp_path) -> tuple[uuid.UUID, uuid.UUID]:
    """A new user's package 'calib' for a Space on A10G small, its draft as its version 1,
    which has two completed runs that measured what MEASURED says."""
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"), 600, space="me/trainer")
    snapshot["model"]["parameters"] = PARAMETERS
    snapshot["dataset"]["datasets"][0] |= {"rows": 20000, "mean_tokens": 200.0}
    with Session(app_db) as session:
        user = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        stored = create_with_draft(
            session, owner_id=user.id, name="calib", content=content_from_snapshot(snapshot)
        )
        package_id = uuid.UUID(stored.package_id)
        store_uploads(snapshot, get_settings().uploads_dir(user.id, package_id))
        version = publish_version(
            session,
            owner_id=user.id,
            package_id=package_id,
            snapshot=snapshot,
            change_summary="",
            parent_version_id=None,
            estimated_cost=Decimal("0.34"),
        )
        for age, (rate, train_s, wall_s, cost) in enumerate(MEASURED):
            run = Deployment(version_id=version.id, target="hf_space", status="completed")
            run.created_at = run.started_at = utc_now() - timedelta(hours=age + 1)
            run.finished_at = run.started_at + timedelta(seconds=wall_s)
            run.actual_cost = Decimal(str(cost))
            run.metrics = [  # the older run was recorded before num_tokens was logged
                {"step": step, "loss": 3.0 / step, "elapsed_s": step * 1.0}
                | ({"num_tokens": step * 128} if age == 0 else {})
                for step in range(1, 41)
            ]
            run.estimate = {"hours": 1 / 3, "cost_usd": 0.34, "basis": "static", "run_ids": []}
            run.measured = {
                "status": "completed",
                "hardware": "hf_space:a10g-small",
                "hardware_label": "a10g-small",
                "parameters": PARAMETERS,
                "method": "lora",
                "tokens": int(rate * train_s),
                "train_s": train_s,
                "wall_s": wall_s,
                "tokens_per_s": rate,
                "cost_usd": cost,
            }
            session.add(run)
        session.commit()
        return user.id, package_id


def test_the_deploy_step_is_calibrated_and_the_runs_tab_shows_the_error(
    signed_in_context, app_db, tmp_path, screenshot
):
    user_id, package_id = _measured_runs(app_db, tmp_path)
    page = signed_in_context(user_id).new_page()
    page.goto(f"/training?package={package_id}")
    header(page, "deploy").click()
    estimate = page.locator("#run-estimate")
    expect(estimate).to_contain_text(
        "Based on: Calibrated by 2 runs of 0.5B-class models on a10g-small, median tokens/s "
        "4,500 (calib-v1)"
    )
    # 600 steps x 2 rows x 64 tokens (the max length) = 76,800 tokens / 4,500 tokens/s = 17 s,
    # + 150 s median overhead (wall - train): 2.8 min, 3 started minutes at $1.00/h
    expect(estimate).to_contain_text("About 3 min and $0.05 on Nvidia A10G small.")
    expect(estimate).to_contain_text("tokens/s measured")
    screenshot("calibrated-estimate-light", of=page)
    assert blocking_violations(page) == []

    page.get_by_role("tab", name="Runs").click()
    runs = page.get_by_role("region", name="Runs")
    # estimated 20 min; measured 15 min (+33%) and 12.5 min (+60%)
    expect(runs.locator(".estimate-vs-actual")).to_have_text(
        ["20.0 min est. / 15.0 min", "20.0 min est. / 12.5 min"]
    )
    expect(runs).to_contain_text("time +33%")
    expect(runs).to_contain_text("cost +36%")  # $0.34 against $0.25
    accuracy = page.get_by_role("region", name="Estimate accuracy")
    expect(accuracy).to_contain_text("hf_space: time off by 47%, cost off by 49% on average")
    screenshot("estimate-accuracy-light", of=page)
    assert blocking_violations(page) == []

    for number in (1, 2):  # the compare view's x axis by tokens seen
        runs.get_by_role("checkbox", name=f"Select calib-v1 run {number}").click()
    page.get_by_role("button", name="Compare selected").click()
    panel = page.get_by_role("region", name="Compare runs")
    chart = panel.get_by_role("figure", name="Comparison chart")
    expect(chart.locator(".recharts-line")).to_have_count(2)
    surface = chart.locator(".recharts-wrapper > svg")  # its text: the axes' ticks
    step_ticks = surface.text_content()
    panel.get_by_label("X axis").select_option("tokens")
    expect(panel).to_contain_text(
        "No tokens seen recorded for calib · v1 · hf_space (runs trained before"
    )
    expect(surface).not_to_have_text(step_ticks)  # the x axis now spans 128 to 5,120 tokens
    screenshot("compare-by-tokens-light", of=page)

    # the pointer off the buttons: a hovered solid button in dark mode is Radix's indigo-10,
    # 4.28:1 against white (main's Compare selected; reported, not this feature's)
    page.mouse.move(0, 0)
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    screenshot("estimate-accuracy-dark", of=page)
    assert blocking_violations(page) == []
    page.emulate_media(color_scheme="light")
