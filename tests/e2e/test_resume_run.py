"""Resume a failed run from its checkpoint, then Extend it, in the browser: one chain, one
curve, and the chain said on the run card."""

import os
import re
import signal
import time

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from test_accessibility import blocking_violations
from test_local_run import publish_local_version

STEPS = 600  # checkpoints every 50 steps


def _newest_run(engine) -> tuple[int | None, str, str]:
    with engine.connect() as connection:
        return tuple(
            connection.execute(
                sa.text("SELECT pid, run_dir, status FROM deployments ORDER BY created_at DESC")
            ).first()
        )


def _kill_after_its_first_checkpoint(engine) -> None:
    """The machine loses the run (SIGKILL: no summary, nothing saved on the way out)."""
    from pathlib import Path

    deadline = time.monotonic() + 120
    while True:
        pid, run_dir, _ = _newest_run(engine)
        if run_dir and any(Path(run_dir).glob("checkpoints/*/trainer_state.json")):
            os.killpg(pid, signal.SIGKILL)
            return
        assert time.monotonic() < deadline, "no checkpoint was saved"
        time.sleep(0.1)


def test_resume_a_failed_run_then_extend_it(
    page: Page, tmp_path, tiny_model_folder, app_db, screenshot
):
    publish_local_version(page, tmp_path, tiny_model_folder, max_steps=STEPS, save="steps")
    page.get_by_role("button", name="Deploy v1").click()
    expect(page.locator("#sidebar-run-status")).to_have_text(re.compile("running"))
    _kill_after_its_first_checkpoint(app_db)
    status = page.locator("#sidebar-run-status")
    expect(status).to_have_text("failed", timeout=60_000)
    sidebar = page.locator("#sidebar-run-panel")
    sidebar.get_by_role("button", name="Resume from the last checkpoint").click()

    expect(page.locator("#sidebar-run-chain")).to_contain_text(
        re.compile(r"Went on from step \d+ · 2 runs")
    )
    expect(status).to_have_text("completed", timeout=180_000)
    expect(page.locator("#sidebar-run-step")).to_contain_text(f"step {STEPS} of {STEPS}")
    expect(sidebar.get_by_role("button", name="Resume from the last checkpoint")).to_have_count(0)
    screenshot("run-resumed-light")
    assert blocking_violations(page) == []

    sidebar.get_by_label("More steps").fill("50")
    sidebar.get_by_role("button", name="Extend").click()
    expect(page.locator("#sidebar-run-chain")).to_contain_text(
        f"Went on from step {STEPS} · 3 runs"
    )
    expect(status).to_have_text("completed", timeout=180_000)
    expect(page.locator("#sidebar-run-step")).to_contain_text(f"step {STEPS + 50} of {STEPS + 50}")
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    assert blocking_violations(page) == []
    screenshot("run-extended-dark")
    page.emulate_media(color_scheme="light")

    more = sidebar.get_by_label("More steps")
    more.fill("0")  # the browser refuses it before it is sent (the server would too)
    sidebar.get_by_role("button", name="Extend").click()
    assert more.evaluate("input => input.validity.rangeUnderflow")
    expect(page.locator("#sidebar-run-chain")).to_contain_text("3 runs")
