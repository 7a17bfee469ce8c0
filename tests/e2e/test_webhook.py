"""The run-end webhook in the browser: a user saves a URL, sees it masked (the full URL never
reaches the browser), sends a test, and a bad URL gets a clear message and loses nothing."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from test_accessibility import blocking_violations

from tests.trainkit.receiver import Receiver

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
