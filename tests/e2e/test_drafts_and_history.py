"""Auto-save, reload, conflicts between tabs, publish, compare, restore and archive."""

import re
import time

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from wizard_steps import (
    complete_through,
    expect_status,
    header,
    open_new_package,
    progress_step,
    publish,
)


def stored_draft_model(app_db, package_name: str, step: str = "model") -> dict:
    with app_db.connect() as connection:
        row = connection.execute(
            sa.text(f"SELECT draft_{step} FROM training_packages WHERE name = :name"),
            {"name": package_name},
        ).scalar_one_or_none()
    return {} if row is None else __import__("json").loads(row)


def wait_for_db(predicate, timeout_s: float = 15.0) -> None:
    """Poll the database until the condition holds (the app writes asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "the database never reached the expected state"
        time.sleep(0.2)


def indicator(page: Page):
    return page.locator("#save-indicator")


def test_an_edit_reaches_the_database_after_the_autosave_interval(page: Page, app_db):
    name = open_new_package(page)
    page.get_by_label("Model id").fill("Qwen/Qwen2.5-0.5B")
    page.get_by_label("Size on disk (GB)").focus()
    expect(indicator(page)).to_have_text("Unsaved changes")
    wait_for_db(lambda: stored_draft_model(app_db, name).get("model_id") == "Qwen/Qwen2.5-0.5B")
    expect(indicator(page)).to_have_text(re.compile(r"^Saved at \d\d:\d\d:\d\d$"))


def test_a_reload_restores_the_draft(page: Page, app_db):
    name = open_new_package(page)
    complete_through(page, "model")
    page.get_by_role("radio", name=re.compile("^QLoRA")).click()
    page.get_by_label("Learning rate").fill("0.0003")
    page.get_by_label("Epochs").focus()
    # The indicator already reads "Saved at" from the step change: wait for this edit's save.
    wait_for_db(lambda: stored_draft_model(app_db, name, "config").get("learning_rate") == "0.0003")
    expect(indicator(page)).to_have_text(re.compile("^Saved at"))
    page.reload()
    expect(page.get_by_label("Package name")).to_have_value(name)
    expect_status(page, "model", "Completed")
    expect(progress_step(page, "config")).to_have_attribute("aria-current", "step")
    expect(page.get_by_role("radio", name=re.compile("^QLoRA"))).to_be_checked()
    expect(page.get_by_label("Learning rate")).to_have_value("0.0003")


def test_two_tabs_editing_one_draft_see_a_conflict_and_lose_nothing(signed_in_context, app_db):
    context = signed_in_context()
    first, second = context.new_page(), context.new_page()
    name = open_new_package(first)
    first.get_by_label("Model id").fill("tab/one")
    first.get_by_label("Parameters").focus()
    expect(indicator(first)).to_have_text(re.compile("^Saved at"))
    second.goto("/training")
    expect(second.get_by_label("Package name")).to_have_value(name)
    expect(second.get_by_label("Model id")).to_have_value("tab/one")

    first.get_by_label("Size on disk (GB)").fill("1.5")
    first.get_by_label("Parameters").focus()
    # "Saved at" still shows from the first save: wait until this one reached the database.
    wait_for_db(lambda: stored_draft_model(app_db, name).get("size_gb") == "1.5")
    expect(indicator(first)).to_have_text(re.compile("^Saved at"))
    second.get_by_label("Parameters").fill("494000000")
    second.get_by_label("Model id").focus()
    expect(indicator(second)).to_have_text("Conflict")
    expect(second.get_by_role("alert")).to_contain_text("nothing was overwritten")
    assert stored_draft_model(app_db, name)["size_gb"] == "1.5"

    second.get_by_role("button", name="Keep mine as a new draft").click()
    expect(second.get_by_label("Package name")).to_have_value(f"{name} (my copy)")
    expect(second.get_by_label("Parameters")).to_have_value("494000000")
    expect(indicator(second)).to_have_text(re.compile("^Saved"))
    assert stored_draft_model(app_db, f"{name} (my copy)")["parameters"] == "494000000"
    assert stored_draft_model(app_db, name)["size_gb"] == "1.5"


def test_a_conflict_can_load_the_newer_draft(signed_in_context):
    context = signed_in_context()
    first, second = context.new_page(), context.new_page()
    open_new_package(first)
    second.goto("/training")
    expect(second.get_by_label("Model id")).to_be_visible()
    first.get_by_label("Model id").fill("newer/one")
    first.get_by_label("Parameters").focus()
    expect(indicator(first)).to_have_text(re.compile("^Saved at"))
    second.get_by_label("Model id").fill("older/one")
    second.get_by_label("Parameters").focus()
    expect(indicator(second)).to_have_text("Conflict")
    second.get_by_role("button", name="Load the newer draft").click()
    expect(second.get_by_label("Model id")).to_have_value("newer/one")
    expect(indicator(second)).to_have_text(re.compile("^Saved"))


def versions(page: Page):
    return page.get_by_role("list", name="Versions").get_by_role("listitem")


def test_publish_refuses_an_incomplete_draft_with_field_errors(page: Page):
    open_new_package(page)
    publish(page, "too early")
    expect(page.locator("#history-message")).to_have_text(
        "Not published: step 1 (Model) has errors. Fix the marked fields."
    )
    expect_status(page, "model", "Error")
    expect(versions(page)).to_have_count(0)


def test_publish_compare_restore_and_archive(page: Page, screenshot):
    name = open_new_package(page)
    slug = name.lower().replace(" ", "-")
    complete_through(page, "deploy")
    publish(page, "first try")
    expect(page.locator("#history-message")).to_have_text(f"Published {slug}-v1.")
    expect(versions(page)).to_have_count(1)
    expect(versions(page).first).to_contain_text("first try")

    page.get_by_role("button", name="Edit step 2: Config").click()
    page.get_by_label("Learning rate").fill("0.0001")
    page.get_by_label("Epochs").fill("5")
    page.get_by_role("button", name="Next", exact=True).click()
    for step in ("dataset", "deploy"):
        page.get_by_role(
            "button", name="Complete" if step == "deploy" else "Next", exact=True
        ).click()
    publish(page, "lower learning rate, more epochs")
    expect(versions(page)).to_have_count(2)
    expect(versions(page).first).to_contain_text("v2")

    page.get_by_role("button", name="Compare v1").click()
    dialog = page.get_by_role("region", name="Compare")
    expect(dialog.get_by_role("heading", name="Compare")).to_be_focused()
    dialog.get_by_label("Right").select_option(label=f"v2 · {slug}-v2")
    rows = dialog.get_by_role("region", name="Differences").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("learning_rate")
    expect(rows.nth(0)).to_contain_text("0.0002")
    expect(rows.nth(0)).to_contain_text("0.0001")
    expect(rows.nth(1)).to_contain_text("num_epochs")
    screenshot("history-compare-light")
    dialog.get_by_role("switch", name="Only differences").click()
    expect(rows).not_to_have_count(2)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    page.get_by_role("button", name="Compare v2").click()
    expect(dialog.get_by_role("heading", name="Compare")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    page.get_by_role("button", name="Restore v1").click()
    expect(page.locator("#history-message")).to_have_text(
        "Restored v1 into the draft. History is unchanged."
    )
    progress_step(page, "config").click()
    expect(page.get_by_label("Learning rate")).to_have_value("0.0002")
    expect(page.get_by_label("Epochs")).to_have_value("3")
    expect(versions(page)).to_have_count(2)

    page.get_by_label("Epochs").fill("7")
    page.get_by_role("button", name="Restore v2").click()
    confirm = page.get_by_role("alertdialog", name="Replace the draft?")
    expect(confirm).to_be_visible()
    confirm.get_by_role("button", name="Keep the draft").click()
    expect(page.get_by_label("Epochs")).to_have_value("7")

    page.get_by_role("button", name="Archive v1").click()
    expect(versions(page)).to_have_count(1)
    page.get_by_role("switch", name="Show archived").click()
    expect(versions(page)).to_have_count(2)
    expect(versions(page).nth(1)).to_contain_text("archived")
    screenshot("history-sidebar-light")
    expect(header(page, "config")).to_be_visible()


def test_a_locked_database_keeps_the_edit_and_retries_until_saved(page: Page, app_db, data_dir):
    import sqlite3

    name = open_new_package(page)
    blocker = sqlite3.connect(data_dir / "trainpkg.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        page.get_by_label("Model id").fill("locked/out")
        page.get_by_label("Parameters").focus()
        expect(indicator(page)).to_have_text("Unsaved changes: retrying", timeout=20_000)
        expect(page.get_by_label("Model id")).to_have_value("locked/out")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    expect(indicator(page)).to_have_text(re.compile("^Saved at"), timeout=20_000)
    assert stored_draft_model(app_db, name)["model_id"] == "locked/out"


def test_package_list_creates_opens_renames_and_deletes(page: Page, app_db):
    first = open_new_package(page)
    page.get_by_label("Model id").fill("first/model")
    page.get_by_label("Package name").fill(f"{first} renamed")
    page.get_by_label("Package name").blur()
    expect(page.get_by_label("Package", exact=True)).to_contain_text(f"{first} renamed")

    page.get_by_role("button", name="New package").click()
    expect(page.get_by_label("Model id")).to_have_value("")
    second = page.get_by_label("Package name").input_value()
    page.get_by_label("Package", exact=True).select_option(label=f"{first} renamed")
    expect(page.get_by_label("Package name")).to_have_value(f"{first} renamed")
    expect(page.get_by_label("Model id")).to_have_value("first/model")

    page.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("alertdialog", name="Delete this package?")
    expect(confirm).to_contain_text(f"{first} renamed")
    confirm.get_by_role("button", name="Delete package").click()
    expect(page.get_by_label("Package", exact=True)).not_to_contain_text(f"{first} renamed")
    with app_db.connect() as connection:
        names = set(connection.execute(sa.text("SELECT name FROM training_packages")).scalars())
    assert f"{first} renamed" not in names
    assert second in names
