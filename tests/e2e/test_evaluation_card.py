"""The evaluation card in the browser: a finished run's card on the run panel (losses,
perplexity, EM/F1, 8 sample generations as articles, a long one opened on request), its line
on the version and in the Runs tab, and two runs' cards side by side in the compare view; a
failed run says why it has none. Light and dark, with axe's checks."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import Session
from test_accessibility import blocking_violations

from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from trainpkg_app.core.evaluation import card_from_summary, compact_line
from trainpkg_app.db.models import Deployment, TrainingPackageVersion, utc_now
from trainpkg_app.db.versions import publish_version

LONG_ANSWER = "It is 12, because six and six make twelve. " * 12


def _card(tuned_loss: float, answer: str) -> dict:
    """A card as train.py writes it, checked as the app stores it."""
    samples = [
        {
            "prompt": f"What is {n} plus {n}? ",
            "reference": f"It is {2 * n}.",
            "base": "plus plus plus",
            "tuned": LONG_ANSWER if n == 6 else answer.format(2 * n),
        }
        for n in range(1, 9)
    ]
    raw = {
        "base": {"eval_loss": 2.4},
        "tuned": {"eval_loss": tuned_loss},
        "eval_rows": 10,
        "samples": samples,
        "scores": {
            "base": {"exact_match": 0.0, "f1": 0.1},
            "tuned": {"exact_match": 0.75, "f1": 0.9},
        },
    }
    return card_from_summary({"evaluation": raw})


def _two_versions_with_cards(app_db, tmp_path):
    upload = write_rows(tmp_path / "qa.jsonl")
    user_id, first = publish_for_new_user(app_db, published_snapshot(upload), "evalpkg")
    with Session(app_db) as session:
        package_id = session.get(TrainingPackageVersion, first).package_id
        second = publish_version(
            session,
            owner_id=user_id,
            package_id=package_id,
            snapshot=published_snapshot(upload, config={"learning_rate": "0.02"}),
            change_summary="lr 0.02",
            parent_version_id=first,
        ).id
        runs = [
            (first, "completed", _card(1.8, "It is {}."), 20),
            (first, "failed", None, 15),
            (second, "completed", _card(1.2, "It is {}!"), 10),
        ]
        for version_id, status, card, minutes_ago in runs:
            run = Deployment(version_id=version_id, target="local", status=status)
            run.started_at = utc_now() - timedelta(minutes=minutes_ago)
            run.created_at = run.started_at
            run.finished_at = run.started_at + timedelta(minutes=4)
            run.metrics = [{"step": s, "loss": 3 - s / 10, "max_steps": 10} for s in range(1, 11)]
            run.evaluation = card
            session.add(run)
            version = session.get(TrainingPackageVersion, version_id)
            version.training_status = status
            if card:  # as records.finish digests it
                version.training_metrics = {"evaluation": compact_line(card)}
        session.commit()
    return user_id, package_id


def test_a_finished_runs_card_on_the_run_the_version_the_runs_tab_and_compare(
    signed_in_context, app_db, tmp_path, screenshot
):
    user_id, package_id = _two_versions_with_cards(app_db, tmp_path)
    page = signed_in_context(user_id).new_page()
    page.goto(f"/training?package={package_id}")

    panel = page.locator("#sidebar-run-panel")
    card = panel.get_by_role("region", name="Evaluation")
    expect(card).to_be_visible()
    table = card.get_by_role("table", name=re.compile("on 10 held-out rows"))
    expect(table.get_by_role("row", name=re.compile("^Eval loss"))).to_contain_text(
        "2.40001.2000−50.0 %"
    )
    expect(table.get_by_role("row", name=re.compile("^Exact match"))).to_contain_text("75.0 %")
    expect(card.get_by_role("article")).to_have_count(0)  # one click away in the sidebar
    card.get_by_text("Sample generations (8)").click()
    expect(card.get_by_role("article")).to_have_count(8)
    sample = card.get_by_role("article", name="Sample 1")
    expect(sample).to_contain_text("What is")
    expect(sample).to_contain_text("plus plus plus")
    expect(sample.locator("details")).to_have_count(0)  # short texts are shown whole
    long = card.get_by_role("article", name=re.compile("^Sample ")).filter(has_text="because")
    expect(long.locator("pre")).not_to_be_visible()  # cut, behind "Show all"
    long.locator("summary").click()
    expect(long.locator("pre")).to_be_visible()
    expect(long.locator("pre")).to_contain_text(LONG_ANSWER.strip())
    versions = page.get_by_role("listitem", name=re.compile("^v2 "))
    expect(versions).to_contain_text("eval loss 2.4000 → 1.2000")
    screenshot("evaluation-card-light", of=page)
    assert blocking_violations(page) == []

    page.get_by_role("tab", name="Runs").click()
    runs = page.get_by_role("region", name="Runs")
    expect(runs.locator(".run-evaluation")).to_have_text(
        ["eval loss 2.4000 → 1.2000 (−50.0 %)", "—", "eval loss 2.4000 → 1.8000 (−25.0 %)"]
    )
    runs.get_by_role("checkbox", name="Select evalpkg-v1 run 1").click()
    runs.get_by_role("checkbox", name="Select evalpkg-v1 run 2").click()
    runs.get_by_role("checkbox", name="Select evalpkg-v2 run 1").click()
    page.get_by_role("button", name="Compare selected").click()
    cards = page.get_by_role("group", name="Evaluation cards of the compared runs")
    regions = cards.get_by_role("region")
    expect(regions).to_have_count(3)
    expect(regions.nth(0)).to_contain_text("Evaluation: evalpkg · v1 · local")
    expect(regions.nth(0)).to_contain_text("−25.0 %")
    expect(regions.nth(1)).to_contain_text("The run did not complete")
    expect(regions.nth(2)).to_contain_text("−50.0 %")
    expect(regions.nth(2).get_by_role("article")).to_have_count(8)
    cards.scroll_into_view_if_needed()
    screenshot("evaluation-compare-light", of=page)
    assert blocking_violations(page) == []

    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    assert blocking_violations(page) == []
    screenshot("evaluation-compare-dark", of=page)
    page.get_by_role("tab", name="Training Packages").click()
    expect(
        page.locator("#sidebar-run-panel").get_by_role("region", name="Evaluation")
    ).to_be_visible()
    screenshot("evaluation-card-dark", of=page)
    page.emulate_media(color_scheme="light")
