"""The run queue in the browser: queue two versions from the Deploy step, see them on the Runs
tab with their positions and why they wait, move one up, cancel the other."""

import re
from decimal import Decimal

from playwright.sync_api import expect
from sqlmodel import Session
from test_accessibility import blocking_violations
from wizard_steps import progress_step

from tests.trainkit.packages import publish_for_new_user, published_snapshot, write_rows
from trainpkg_app.core.drafts import content_from_snapshot
from trainpkg_app.db.models import TrainingPackage, TrainingPackageVersion, User
from trainpkg_app.db.packages import draft_columns
from trainpkg_app.db.versions import publish_version

CAPPED = "monthly cap"


def _capped_user_with_v1(app_db, tmp_path):
    """A new user whose monthly cap is $0 (so queued runs wait, saying why), with a package
    'queued' whose v1 is published and whose draft holds it, every step complete."""
    snapshot = published_snapshot(write_rows(tmp_path / "qa.jsonl"))
    user_id, version_id = publish_for_new_user(app_db, snapshot, "queued")
    with Session(app_db) as session:
        session.get(User, user_id).monthly_budget_usd = Decimal("0")
        package_id = session.get(TrainingPackageVersion, version_id).package_id
        package = session.get(TrainingPackage, package_id)
        for column, value in draft_columns(content_from_snapshot(snapshot)).items():
            setattr(package, column, value)
        session.commit()
    return user_id, package_id, version_id, snapshot


def _publish_v2(app_db, user_id, package_id, parent, snapshot) -> None:
    with Session(app_db) as session:
        publish_version(
            session,
            owner_id=user_id,
            package_id=package_id,
            snapshot=snapshot,
            change_summary="again",
            parent_version_id=parent,
        )
        session.commit()


def test_queue_two_versions_reorder_and_cancel(signed_in_context, app_db, tmp_path, screenshot):
    user_id, package_id, v1, snapshot = _capped_user_with_v1(app_db, tmp_path)
    page = signed_in_context(user_id).new_page()
    page.goto(f"/training?package={package_id}")
    progress_step(page, "deploy").click()
    page.get_by_role("button", name="Queue latest version").click()
    expect(page.locator("#queue-message")).to_have_text(
        "v1 is queued at position 1: see the Runs tab."
    )
    _publish_v2(app_db, user_id, package_id, v1, snapshot)
    page.get_by_role("button", name="Queue latest version").click()
    expect(page.locator("#queue-message")).to_have_text(
        "v2 is queued at position 2: see the Runs tab."
    )
    screenshot("run-queue-deploy-step", of=page)

    page.get_by_role("tab", name="Runs").click()
    queue = page.get_by_role("region", name="Run queue")
    rows = queue.get_by_role("row")
    expect(rows).to_have_count(3)  # the header and two entries
    expect(rows.nth(1).get_by_role("cell").first).to_have_text("1")
    expect(rows.nth(1)).to_contain_text("queued-v1")
    expect(rows.nth(2)).to_contain_text("queued-v2")
    expect(rows.nth(1)).to_contain_text(CAPPED)  # the monitor tried it: why it waits
    expect(queue.get_by_role("button", name="Move up queued-v1 (position 1)")).to_be_disabled()
    expect(queue.get_by_role("button", name="Move down queued-v2 (position 2)")).to_be_disabled()
    screenshot("run-queue-light", of=page)
    assert blocking_violations(page) == []

    queue.get_by_role("button", name="Move up queued-v2 (position 2)").click()
    expect(rows.nth(1)).to_contain_text("queued-v2")
    expect(rows.nth(2)).to_contain_text("queued-v1")
    expect(rows.nth(2).get_by_role("cell").first).to_have_text("2")

    queue.get_by_role("button", name="Cancel queued queued-v1").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("queued-v2")
    expect(rows.nth(1).get_by_role("cell").first).to_have_text("1")

    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    assert blocking_violations(page) == []
    screenshot("run-queue-dark", of=page)
    page.emulate_media(color_scheme="light")

    page.reload()  # the queue lives in the database
    page.get_by_role("tab", name="Runs").click()
    expect(page.get_by_role("region", name="Run queue").get_by_role("row")).to_have_count(2)
