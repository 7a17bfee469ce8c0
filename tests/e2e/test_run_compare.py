"""Comparing runs in the browser: three finished runs of three versions, ticked in the Runs
tab, overlaid with a legend; metric, smoothing and log scale change the chart; the config diff
shows the learning rate that differs; the CSV downloads every record."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import Session
from test_accessibility import blocking_violations

from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from trainpkg_app.db.models import Deployment, TrainingPackageVersion, utc_now
from trainpkg_app.db.versions import publish_version

LEARNING_RATES = ("0.01", "0.001", "0.01")
STEPS = 300


def _runs_of_three_versions(app_db, tmp_path) -> tuple:
    """A new user's package 'sweep' with v1-v3 (learning rates above), a finished run each."""
    upload = write_rows(tmp_path / "qa.jsonl")
    user_id, first = publish_for_new_user(
        app_db, published_snapshot(upload, config={"learning_rate": LEARNING_RATES[0]}), "sweep"
    )
    with Session(app_db) as session:
        package_id = session.get(TrainingPackageVersion, first).package_id
        versions = [first]
        for rate in LEARNING_RATES[1:]:
            snapshot = published_snapshot(upload, config={"learning_rate": rate})
            version = publish_version(
                session,
                owner_id=user_id,
                package_id=package_id,
                snapshot=snapshot,
                change_summary=f"lr {rate}",
                parent_version_id=versions[-1],
            )
            versions.append(version.id)
        for number, version_id in enumerate(versions, start=1):
            run = Deployment(version_id=version_id, target="local", status="completed")
            run.started_at = utc_now() - timedelta(minutes=10)
            run.finished_at = utc_now()
            run.metrics = [
                {
                    "step": s,
                    "loss": 4.0 / (1 + s * number / 50),
                    "learning_rate": 0.01 / number,
                    "grad_norm": 0.4 * number + (s % 7) / 10,
                    "elapsed_s": s * 0.5,
                    "max_steps": STEPS,
                }
                for s in range(1, STEPS + 1)
            ]
            session.add(run)
        session.commit()
    return user_id, package_id


def test_three_runs_compare_overlaid_with_their_diff_and_csv(
    signed_in_context, app_db, tmp_path, screenshot
):
    user_id, package_id = _runs_of_three_versions(app_db, tmp_path)
    page = signed_in_context(user_id).new_page()
    page.goto(f"/training?package={package_id}")
    page.get_by_role("tab", name="Runs").click()
    runs = page.get_by_role("region", name="Runs")
    compare = page.get_by_role("button", name="Compare selected")
    for number in (1, 2, 3):
        runs.get_by_role("checkbox", name=f"Select sweep-v{number} run 1").click()
        expect(page.get_by_text(f"{number} of 8 selected")).to_be_visible()
    expect(compare).to_be_enabled()
    compare.click()

    panel = page.get_by_role("region", name="Compare runs")
    chart = panel.get_by_role("figure", name="Comparison chart")
    expect(chart.locator(".recharts-line")).to_have_count(3)
    expect(chart.locator(".recharts-legend-item")).to_have_text(
        ["sweep · v1 · local", "sweep · v2 · local", "sweep · v3 · local"]
    )
    differences = panel.get_by_role("region", name="Config differences")
    expect(differences.get_by_role("row")).to_have_count(2)  # the header and the learning rate
    expect(differences).to_contain_text("config.learning_rate")
    screenshot("run-compare-light", of=page)
    assert blocking_violations(page) == []

    surface = chart.locator(".recharts-wrapper > svg")  # its text: the axes' ticks
    loss_ticks = surface.text_content()
    panel.get_by_label("Metric").select_option("grad_norm")
    expect(surface).not_to_have_text(loss_ticks)  # the y axis now spans the grad norms
    panel.get_by_label(re.compile("^Smoothing")).fill("0.9")
    expect(panel.get_by_text("Smoothing 0.90")).to_be_visible()
    linear_ticks = surface.text_content()
    panel.get_by_role("switch", name="Log scale").click()
    expect(panel.get_by_role("switch", name="Log scale")).to_be_checked()
    expect(surface).not_to_have_text(linear_ticks)
    expect(chart.locator(".recharts-line")).to_have_count(3)

    with page.expect_download() as info:
        panel.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "run-comparison.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert len(rows) == 3 * STEPS and rows[0]["run"] == "sweep · v1 · local"

    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    assert blocking_violations(page) == []
    screenshot("run-compare-dark", of=page)
    compare.hover()  # a solid button's hover keeps its label readable in dark mode too
    assert blocking_violations(page) == []
    page.emulate_media(color_scheme="light")
