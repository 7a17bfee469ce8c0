"""Publish, deploy on this machine, watch the progress and the loss chart, see it complete."""

import json
import re
import time

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from test_accessibility import blocking_violations
from wizard_steps import expect_status, open_new_package, progress_step, publish

from tests.trainkit.packages import ROWS

# The browser's Notification, recorded: what the app asks and shows (headless has no prompt).
NOTIFICATIONS = """
window.notified = [];
window.Notification = class {
  static get permission() { return localStorage.getItem("granted") ? "granted" : "default"; }
  static requestPermission() {
    localStorage.setItem("granted", "1");  // a browser remembers the answer
    window.askedPermission = (window.askedPermission || 0) + 1;
    return Promise.resolve("granted");
  }
  constructor(title, options) { window.notified.push(options.body); }
};
"""


def _notified(page: Page) -> list[str]:
    return page.evaluate("window.notified")


def publish_local_version(
    page: Page, tmp_path, tiny_model_folder, max_steps: int, doctor: str = "", save: str = ""
) -> None:
    """Walk the wizard for the tiny model on this machine (the training doctor's mode and the
    checkpoint strategy when given), then publish v1."""
    open_new_package(page)
    page.get_by_label("Model id").fill(str(tiny_model_folder))
    page.get_by_role("button", name="Look up model details").click()
    expect(page.get_by_label("Model facts")).to_contain_text("a folder on this machine")
    page.get_by_role("button", name="Next", exact=True).click()

    page.get_by_role("button", name="Apply the Quick test preset").click()
    page.get_by_role("switch", name="Advanced settings").click()
    page.get_by_label("Max steps").fill(str(max_steps))
    page.get_by_label("Max sequence length").fill("64")
    page.get_by_label("LoRA target modules").fill("c_attn")
    page.get_by_label("Learning rate").fill("0.01")
    if doctor:
        page.get_by_label("Training doctor").select_option(doctor)
    if save:
        page.get_by_label("Save checkpoints").select_option(save)
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "config", "Completed")

    data = tmp_path / "qa.jsonl"
    data.write_text("\n".join(json.dumps(row) for row in ROWS))
    page.get_by_label("Dataset file").set_input_files(str(data))
    page.get_by_role("button", name="Upload and inspect").click()
    expect(page.get_by_role("list", name="Attached datasets")).to_contain_text("qa.jsonl")
    page.get_by_role("button", name="Next", exact=True).click()

    page.get_by_role("radio", name=re.compile("^This machine")).click()
    page.get_by_label("GPUs").fill("0")
    page.get_by_label("Output folder").fill(str(tmp_path / "runs"))
    page.get_by_role("button", name="Complete", exact=True).click()
    expect_status(page, "deploy", "Completed")

    publish(page)


def test_publish_deploy_locally_and_watch_it_train(
    page: Page, tmp_path, tiny_model_folder, screenshot
):
    page.add_init_script(NOTIFICATIONS)
    publish_local_version(page, tmp_path, tiny_model_folder, max_steps=8)
    page.get_by_role("button", name="Deploy v1").click()
    page.wait_for_function("window.askedPermission === 1")  # asked on the click (a gesture)
    expect(page.locator("#sidebar-run-status")).to_have_text(re.compile("running|completed"))
    sidebar = page.locator("#sidebar-run-panel")
    chart_lines = sidebar.get_by_label("Loss chart").locator("path.recharts-line-curve")
    expect(chart_lines.first).to_be_visible(timeout=120_000)
    expect(page.locator("#sidebar-run-status")).to_have_text("completed", timeout=180_000)
    expect(page.locator("#sidebar-run-step")).to_contain_text("step 8 of 8")
    expect(sidebar.get_by_label("Training progress")).to_be_visible()
    expect(page.locator("#sidebar-run-cost")).to_have_text("Cost (est. / actual): — / $0.00")
    expect(page.get_by_text("The run of v1 completed.")).to_be_visible()  # the toast
    assert _notified(page) == ["The run of v1 completed."]  # and the browser's notification
    screenshot("run-completed-light")
    version = page.get_by_role("list", name="Versions").get_by_role("listitem").first
    expect(version).to_contain_text("Training: completed")
    expect(version).to_contain_text("Cost (est. / actual): — / $0.00")
    card = sidebar.get_by_role("region", name="Evaluation")  # train.py's own card, measured
    expect(card.get_by_role("row", name=re.compile(r"^Eval loss \d"))).to_be_visible()
    expect(version).to_contain_text(re.compile(r"Evaluation: eval loss [\d.]+ → [\d.]+"))

    page.get_by_role("tab", name="Runs").click()
    runs = page.get_by_role("region", name="Runs")
    expect(runs).to_contain_text(re.compile(r"completed"))
    expect(runs).to_contain_text("$0.00")
    expect(runs.locator(".run-evaluation").first).to_contain_text("eval loss ")
    runs.get_by_role("button", name=re.compile("^Open ")).first.click()
    expect(page.get_by_role("tab", name="Training Packages")).to_have_attribute(
        "aria-selected", "true"
    )


def test_cancel_a_run_from_the_sidebar(page: Page, tmp_path, tiny_model_folder):
    publish_local_version(page, tmp_path, tiny_model_folder, max_steps=2000)
    page.get_by_role("button", name="Deploy v1").click()
    expect(page.locator("#sidebar-run-step")).to_contain_text(
        re.compile(r"step [1-9]\d* of 2000"), timeout=120_000
    )
    page.get_by_role("button", name="Deploy v1").click()
    expect(page.locator("#sidebar-run-message")).to_contain_text("is already being trained")
    page.locator("#sidebar-run-panel").get_by_role("button", name="Cancel run").click()
    expect(page.locator("#sidebar-run-status")).to_have_text("cancelled", timeout=60_000)
    expect(page.get_by_role("button", name="Cancel run")).to_have_count(0)


def test_the_doctor_stops_a_run_whose_loss_turns_nan_and_marks_it(
    page: Page, tmp_path, tiny_model_folder, data_dir, screenshot
):
    publish_local_version(
        page, tmp_path, tiny_model_folder, max_steps=2000, doctor="stop", save="steps"
    )
    page.get_by_role("button", name="Deploy v1").click()
    expect(page.locator("#sidebar-run-step")).to_contain_text(
        re.compile(r"step [1-9]\d* of 2000"), timeout=120_000
    )
    # the newest run folder of the app's data dir is this run's (runs/<run id>/)
    metrics = max((data_dir / "runs").glob("*/metrics.jsonl"), key=lambda p: p.stat().st_mtime)
    saved = _first_checkpoint(metrics.parent)
    last_step = max(saved, json.loads(metrics.read_text().splitlines()[-1])["step"])
    with metrics.open("a") as handle:  # what train.py writes when the loss turns NaN
        handle.write(json.dumps({"step": last_step + 1, "loss": float("nan")}) + "\n")
    sidebar = page.locator("#sidebar-run-panel")
    expect(sidebar).to_contain_text(
        f"Stopped by the training doctor at step {last_step + 1}", timeout=60_000
    )
    expect(page.locator("#sidebar-run-status")).to_have_text("cancelled", timeout=60_000)
    finding = sidebar.get_by_role("article", name="Loss is NaN or infinite")
    expect(finding).to_contain_text(f"at step {last_step + 1}")
    expect(finding).to_contain_text("Fix: ")
    expect(sidebar.get_by_label("Loss chart").locator(".recharts-reference-area")).to_have_count(1)
    screenshot("run-stopped-by-doctor")
    assert blocking_violations(page) == []  # the findings and the shaded chart, light
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    assert blocking_violations(page) == []  # and dark
    screenshot("run-stopped-by-doctor-dark")
    page.emulate_media(color_scheme="light")
    sidebar.get_by_role(
        "button", name="New draft: restore the best checkpoint and lower the learning rate"
    ).click()
    expect(page.get_by_text("with the learning rate halved (0.01 to 0.005)")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"starting from its checkpoint at step \d+"))
    ).to_be_visible()
    expect_status(page, "config", "In progress")  # the change reopened the step
    progress_step(page, "config").click()
    expect(page.get_by_label("Learning rate")).to_have_value("0.005")
    expect(page.get_by_label("Start from checkpoint")).to_contain_text(
        re.compile(r"checkpoint step \d+ of an earlier run")
    )
    screenshot("retry-from-the-best-checkpoint")


def test_a_run_that_ended_while_the_tab_was_away_is_told_when_it_comes_back(
    page: Page, tmp_path, tiny_model_folder, app_db
):
    page.add_init_script(NOTIFICATIONS)
    publish_local_version(page, tmp_path, tiny_model_folder, max_steps=8)
    page.get_by_role("button", name="Deploy v1").click()
    expect(page.locator("#sidebar-run-status")).to_have_text(re.compile("running|completed"))
    page.goto("about:blank")  # the user leaves
    deadline = time.monotonic() + 180
    while _newest_run_status(app_db) != "completed":
        assert time.monotonic() < deadline, "the run did not complete"
        time.sleep(0.5)
    page.goto("/training")  # and comes back
    expect(page.locator("#sidebar-run-status")).to_have_text("completed")
    expect(page.get_by_text("The run of v1 completed.")).to_be_visible()
    assert _notified(page) == ["The run of v1 completed."]
    page.reload()  # told once per browser
    expect(page.locator("#sidebar-run-status")).to_have_text("completed")
    page.wait_for_timeout(1500)  # room for a toast that must not come
    expect(page.get_by_text("The run of v1 completed.")).to_have_count(0)
    assert _notified(page) == []


def _first_checkpoint(run_dir) -> int:
    """The step of the run's first complete checkpoint, once it is saved."""
    deadline = time.monotonic() + 120
    while not (found := sorted(run_dir.glob("checkpoints/*/trainer_state.json"))):
        assert time.monotonic() < deadline, "no checkpoint was saved"
        time.sleep(0.1)
    return int(found[0].parent.name.split("-")[1])


def _newest_run_status(engine) -> str:
    with engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT status FROM deployments ORDER BY created_at DESC LIMIT 1")
        ).scalar_one()
