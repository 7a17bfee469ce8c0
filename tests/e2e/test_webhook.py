"""The run-end webhook in the browser: a user saves a URL, sees it masked (the full URL never
reaches the browser), sends a test, and a bad URL gets a clear message and loses nothing."""

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlmodel import Session
from test_accessibility import blocking_violations

from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from tests.trainkit.receiver import Receiver
from trainpkg_app.db.models import Deployment, TrainingPackageVersion, utc_now
from trainpkg_app.deploy.records import finish

NONE_YET = "No webhook: run ends are not POSTed anywhere."


@pytest.fixture
def receiver():
    made = Receiver([200])
    yield made
    made.close()


def _stored(app_db, owner_id) -> str | None:
    with app_db.connect() as connection:
        return connection.execute(
            sa.text("SELECT webhook_url_encrypted FROM users WHERE id = :id"), {"id": owner_id.hex}
        ).scalar_one()


def _open_dialog(page: Page):
    page.get_by_role("button", name="Webhook").click()
    dialog = page.get_by_role("dialog", name="Run-end webhook")
    expect(dialog).to_be_visible()
    return dialog


def test_a_user_saves_a_webhook_sees_it_masked_and_a_bad_url_loses_nothing(
    page: Page, app_db, owner_id, receiver, screenshot
):
    frames: list[str] = []  # everything the server sends this tab
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    page.goto("/training")
    dialog = _open_dialog(page)
    expect(dialog.locator("#webhook-stored")).to_have_text(NONE_YET)
    expect(dialog.get_by_role("button", name="Send a test")).to_be_disabled()

    field = dialog.get_by_label("Webhook URL")
    field.fill(receiver.url)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("status")).to_have_text("Saved: each run's end is POSTed there.")
    expect(dialog.locator("#webhook-stored")).to_have_text("Sends to http://127.0.0.1/…")
    stored = _stored(app_db, owner_id)
    assert stored and "s3cret" not in stored  # ciphertext

    dialog.get_by_role("button", name="Send a test").click()
    expect(dialog.get_by_role("status")).to_have_text("Test delivered (HTTP 200).")
    assert receiver.requests[-1][2]["event"] == "webhook.test"

    field.fill("ftp://files.example.com/drop")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "Only http:// and https:// URLs can receive the webhook."
    )
    expect(field).to_have_value("ftp://files.example.com/drop")  # the typed text stays
    expect(dialog.locator("#webhook-stored")).to_have_text("Sends to http://127.0.0.1/…")
    assert _stored(app_db, owner_id) == stored  # and so does the saved URL
    assert blocking_violations(page) == []  # the dialog with its message, light
    screenshot("webhook-dialog-light")
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    assert blocking_violations(page) == []  # and dark
    screenshot("webhook-dialog-dark")
    page.emulate_media(color_scheme="light")

    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    other = page.context.new_page()  # another tab of the same account: masked there too
    other.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    other.goto("/training")
    dialog = _open_dialog(other)
    expect(dialog.locator("#webhook-stored")).to_have_text("Sends to http://127.0.0.1/…")
    dialog.get_by_role("button", name="Remove").click()
    expect(dialog.locator("#webhook-stored")).to_have_text(NONE_YET)
    assert _stored(app_db, owner_id) is None
    assert frames and not any("s3cret" in frame or "/hooks/" in frame for frame in frames)


def _wait_for(condition, what: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s} s")
        time.sleep(0.1)


def _end_a_run(app_db, version_id):
    """A run of the version that ends now, as the monitor ends one (records.finish)."""
    with Session(app_db, expire_on_commit=False) as session:
        run = Deployment(version_id=version_id, target="local", status="running")
        run.started_at, run.metrics = utc_now(), [{"step": 4, "loss": 1.5, "max_steps": 4}]
        session.add(run)
        session.flush()
        finish(session, run, {"status": "completed"}, 0.0)
        session.commit()
        return run.id


def _webhook_log(app_db, run_id):
    with Session(app_db) as session:
        return session.get(Deployment, run_id).webhook_log


def test_the_app_delivers_a_run_end_and_the_run_lists_it(
    signed_in_context, app_db, receiver, tmp_path, screenshot
):
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"))
    user_id, version_id = publish_for_new_user(app_db, snapshot, "hooked", store=False)
    with Session(app_db) as session:
        package_id = session.get(TrainingPackageVersion, version_id).package_id
    page = signed_in_context(user_id).new_page()
    page.goto(f"/training?package={package_id}")
    dialog = _open_dialog(page)
    dialog.get_by_label("Webhook URL").fill(receiver.url)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("status")).to_have_text("Saved: each run's end is POSTed there.")
    dialog.get_by_role("button", name="Close").click()

    run_id = _end_a_run(app_db, version_id)
    _wait_for(lambda: _webhook_log(app_db, run_id), "the app's monitor delivering the run end")
    body = receiver.requests[-1][2]
    assert (body["event"], body["run_id"], body["status"]) == (
        "run.ended",
        str(run_id),
        "completed",
    )
    assert (body["package"], body["version"], body["steps"]) == ("hooked", "v1", 4)

    page.reload()  # the package opens on its newest run
    deliveries = page.locator("#sidebar-run-panel").get_by_role("list", name="Webhook deliveries")
    expect(deliveries).to_have_text(re.compile(r"^Delivered at \d\d:\d\d UTC \(HTTP 200\)$"))
    screenshot("run-webhook-delivered-light", of=page)
