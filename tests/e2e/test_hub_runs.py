"""Deploy a published version to a Space and as a Job from the deploy step, against the fake
Hub; the test plays the Hub's part (stages, pushed metrics, logs) and watches the UI follow."""

import json
import re

import pytest
from playwright.sync_api import Page, expect
from wizard_steps import (
    complete,
    expect_status,
    header,
    open_new_package,
    pick_searched_model,
    publish,
)

from tests.fakehub.server import VALID_TOKEN, FakeHub

METRICS = [{"step": s, "max_steps": 4, "loss": 3.0 - 0.5 * s, "eta_s": 4 - s} for s in (1, 2, 3)]


def _set_token(page: Page) -> None:
    page.get_by_role("button", name="Set token").click()
    dialog = page.get_by_role("dialog", name="Hugging Face token")
    dialog.get_by_label("Token").fill(VALID_TOKEN)
    dialog.get_by_role("button", name="Check and save").click()
    expect(dialog).to_be_hidden()


def _choose_space(page: Page) -> None:
    page.get_by_role("radio", name=re.compile("^Hugging Face Space")).click()
    page.get_by_label("Space name").fill("test-user/e2e-trainer")
    page.get_by_label("Hardware").select_option("a10g-small")


def _choose_job(page: Page) -> None:
    page.get_by_role("radio", name=re.compile("^Hugging Face Job")).click()
    page.get_by_label("Hardware").select_option("a10g-small")
    page.get_by_label("Timeout (minutes)").fill("60")


def _space_trains(hub: FakeHub, metrics: list[dict]) -> None:
    space = hub.repo("space", "test-user/e2e-trainer")
    results = hub.repo("model", "test-user/e2e-trainer-results")
    space["stage"] = "RUNNING"
    results["files"]["metrics.jsonl"] = "".join(json.dumps(m) + "\n" for m in metrics).encode()


def _space_ends(hub: FakeHub) -> None:
    hub.repo("model", "test-user/e2e-trainer-results")["files"]["summary.json"] = (
        b'{"status": "completed"}'
    )
    hub.repo("space", "test-user/e2e-trainer")["stage"] = "PAUSED"


def _job(hub: FakeHub) -> dict:
    return next(job for job in hub.jobs.values() if job["stage"] not in ("COMPLETED",))


def _job_trains(hub: FakeHub, metrics: list[dict]) -> None:
    job = _job(hub)
    job["stage"] = "RUNNING"
    for record in metrics:
        hub.job_log(job["id"], "TRAINPKG_METRICS " + json.dumps(record))


def _job_ends(hub: FakeHub) -> None:
    job = _job(hub)
    hub.job_log(job["id"], 'TRAINPKG_SUMMARY {"status": "completed"}')
    job["running_secs"], job["stage"] = 90, "COMPLETED"


TARGETS = {
    "space": (_choose_space, _space_trains, _space_ends, "/spaces/test-user/e2e-trainer"),
    "job": (_choose_job, _job_trains, _job_ends, "/jobs/test-user/"),
}


@pytest.mark.parametrize("target", TARGETS)
def test_deploy_on_the_hub_and_follow_the_run(
    page: Page, e2e_hub: FakeHub, screenshot, target: str
):
    choose, trains, ends, url_part = TARGETS[target]
    open_new_package(page)
    pick_searched_model(page)
    complete(page, "config")
    complete(page, "dataset")
    choose(page)
    _set_token(page)
    page.get_by_role("button", name="Complete", exact=True).click()
    expect_status(page, "deploy", "Completed")
    publish(page)

    expect(header(page, "deploy")).to_have_attribute("aria-expanded", "true")
    page.get_by_role("button", name="Deploy latest version").click()
    status = page.locator("#deploy-run-status")
    expect(status).to_have_text("pending")
    expect(page.get_by_role("link", name="Open on the Hub").first).to_have_attribute(
        "href", re.compile(re.escape(url_part))
    )
    trains(e2e_hub, METRICS)
    expect(status).to_have_text("running", timeout=20_000)
    expect(page.locator("#deploy-run-step")).to_contain_text("step 3 of 4")
    chart = page.locator("#deploy-run-panel").get_by_label("Loss chart")
    expect(chart.locator("path.recharts-line-curve").first).to_be_visible()
    screenshot(f"{target}-run-live")
    ends(e2e_hub)
    expect(status).to_have_text("completed", timeout=20_000)
    cost = page.locator("#deploy-run-cost")
    expect(cost).to_contain_text(re.compile(r"Cost \(est\. / actual\): \$\d+\.\d\d / \$0\.0[23]"))
    version = page.get_by_role("list", name="Versions").get_by_role("listitem").first
    expect(version).to_contain_text("Training: completed")
