"""Sweep a published version: plan two learning rates, see the trials and their estimate,
start it, watch the trials queued and run in the results table, and promote the best; cancel
a sweep and none of its trials runs on."""

import re

import pytest
from playwright.sync_api import Page, expect
from test_local_run import publish_local_version


@pytest.fixture(autouse=True)
def patient_expectations():
    """This test trains two runs while the machine is shared: an upload or a step may take
    longer than Playwright's default 5 s to show."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def _planned_sweep(page: Page, tmp_path, tiny_model_folder, rates: str, steps: int):
    """A published local version's Sweep dialog with these learning rates previewed, 2 hours
    of budget."""
    publish_local_version(page, tmp_path, tiny_model_folder, max_steps=steps)
    page.get_by_role("button", name="Sweep v1").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Values").first.fill(rates)
    dialog.get_by_label("Total budget").fill("2")
    dialog.get_by_label("in", exact=True).select_option("hours")
    dialog.get_by_role("button", name="Preview trials").click()
    expect(dialog.locator("#sweep-plan-total")).to_contain_text(f"{rates.count(',') + 1} trials")
    return dialog


def test_start_a_small_sweep_and_promote_its_best_trial(
    page: Page, tmp_path, tiny_model_folder, screenshot
):
    dialog = _planned_sweep(page, tmp_path, tiny_model_folder, "0.02, 0.0001", steps=4)
    expect(dialog.locator("#sweep-plan-total")).to_contain_text("final train loss")  # no eval
    planned = dialog.get_by_role("table", name="Planned trials")
    expect(planned).to_contain_text("v1 · lr 0.02")
    expect(planned).to_contain_text("v1 · lr 1e-4")
    screenshot("sweep-plan")

    dialog.get_by_role("button", name="Start sweep").click()
    expect(dialog.locator("#sweep-message")).to_have_text("Sweep started: its trials are queued.")
    trials = dialog.get_by_role("table", name="Sweep trials")
    expect(trials.get_by_role("row")).to_have_count(3)  # the header and 2 trials
    expect(trials).to_contain_text(re.compile("queued|pending|running"))
    screenshot("sweep-queued")

    expect(dialog.locator("#sweep-status")).to_have_text("completed", timeout=240_000)
    expect(trials.get_by_text("completed")).to_have_count(2)
    expect(trials.get_by_text("best", exact=True)).to_have_count(1)
    expect(dialog.get_by_label(re.compile("^Objective against"))).to_be_visible()
    screenshot("sweep-results")
    page.evaluate("document.documentElement.classList.add('dark')")
    screenshot("sweep-results-dark")
    page.evaluate("document.documentElement.classList.remove('dark')")

    dialog.get_by_role("button", name=re.compile("^Promote ")).click()
    expect(page.locator("#history-message")).to_contain_text(
        "the sweep's best trial, into the draft"
    )
    versions = page.get_by_role("list", name="Versions")
    expect(versions.get_by_text("sweep trial", exact=True)).to_have_count(2)
    expect(versions).to_contain_text("Training: completed")
    screenshot("sweep-history")


def test_cancel_a_sweep_and_none_of_its_trials_runs_on(
    page: Page, tmp_path, tiny_model_folder, screenshot
):
    dialog = _planned_sweep(page, tmp_path, tiny_model_folder, "0.02, 0.001, 0.0001", steps=400)
    dialog.get_by_role("button", name="Start sweep").click()
    trials = dialog.get_by_role("table", name="Sweep trials")
    expect(trials.get_by_role("row")).to_have_count(4)  # the header and 3 trials

    dialog.get_by_role("button", name="Cancel sweep").click()
    expect(dialog.locator("#sweep-status")).to_have_text("cancelled")
    expect(dialog.get_by_role("button", name="Cancel sweep")).to_have_count(0)
    # a trial the monitor had started is cancelled; the others never start
    ended = trials.get_by_role("row").filter(has_text=re.compile("skipped|cancelled"))
    expect(ended).to_have_count(3)
    expect(trials).to_contain_text("Not started: the sweep was cancelled.")
    screenshot("sweep-cancelled")
    dialog.get_by_role("button", name="Close").click()
    page.get_by_role("tab", name="Runs").click()
    expect(page.get_by_text("Nothing queued.", exact=False)).to_be_visible()
