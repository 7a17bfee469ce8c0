"""Hub datasets on the dataset step, checked with the (fake) dataset viewer: config and split
pickers, preview and stats; a gated one without access is explained and cannot start a Hub run."""

import re

from playwright.sync_api import Page, expect
from sqlmodel import Session
from test_hub_runs import _choose_job, _set_token
from wizard_steps import complete, expect_status, open_new_package, pick_searched_model, publish

from tests.fakehub.dataset_viewer import GATED
from trainpkg_app.db.hub_tokens import delete_token


def attached(page: Page):
    return page.get_by_role("list", name="Attached datasets")


def add_hub_dataset(page: Page, dataset_id: str) -> None:
    page.get_by_label("Hub dataset id").fill(dataset_id)
    page.get_by_role("button", name="Add dataset").click()


def to_dataset_step(page: Page) -> None:
    open_new_package(page)
    pick_searched_model(page)
    complete(page, "config")


def hub_facts(page: Page):
    return page.get_by_role("table", name="Hub dataset")


def test_pick_config_and_split_and_see_preview_and_stats(page: Page, screenshot):
    to_dataset_step(page)
    add_hub_dataset(page, "trainpkg-tests/two-configs")
    expect(attached(page).get_by_text("checked", exact=True)).to_be_visible()
    expect(hub_facts(page)).to_contain_text(re.compile(r"Config\s*en"))
    expect(hub_facts(page)).to_contain_text(re.compile(r"Rows\s*1,200"))
    expect(hub_facts(page)).to_contain_text(re.compile(r"Size\s*2\.4 MB \(Parquet\)"))
    expect(page.get_by_text("Prompt / completion", exact=True)).to_be_visible()
    preview = page.get_by_role("list", name="Preview").get_by_role("listitem")
    expect(preview.first.locator("pre")).to_have_text("Q0: A0")

    config = page.get_by_label("Config of trainpkg-tests/two-configs")
    split = page.get_by_label("Split of trainpkg-tests/two-configs")
    expect(split.locator("option")).to_have_text(["train", "test"])
    split.select_option("test")
    expect(hub_facts(page)).to_contain_text(re.compile(r"Rows\s*300"))
    expect(attached(page)).to_contain_text("300 rows")
    config.select_option("fr")
    expect(hub_facts(page)).to_contain_text(re.compile(r"Config\s*fr"))
    expect(split.locator("option")).to_have_text(["train"])
    expect(hub_facts(page)).to_contain_text(re.compile(r"Rows\s*800"))
    expect(page.get_by_text("Plain text", exact=True)).to_be_visible()
    expect(preview.first.locator("pre")).to_have_text("Bonjour 0")
    stats = page.get_by_role("table", name="Dataset statistics")
    expect(stats).to_contain_text(re.compile(r"Rows\s*800"))
    expect(page.get_by_text(re.compile("Token counts: .*on the first 4 rows"))).to_be_visible()
    screenshot("dataset-hub-checked")
    page.get_by_role("button", name="Switch to dark mode").click()
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    screenshot("dataset-hub-checked-dark")
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "dataset", "Completed")


def test_a_gated_dataset_without_access_is_explained_and_cannot_start_a_job(
    page: Page, e2e_hub, screenshot, app_db, owner_id
):
    with Session(app_db) as session:  # the Hub run tests (and this one) leave the owner a token
        delete_token(session, owner_id=owner_id)
        session.commit()
    to_dataset_step(page)
    add_hub_dataset(page, GATED)
    alert = page.locator("#dataset-problem")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text(f"{GATED} is gated and an anonymous request (no token set)")
    expect(alert).to_contain_text("A Hub run (Space or Job) will refuse it until it is checked.")
    expect(attached(page).get_by_text("not checked", exact=True)).to_be_visible()
    screenshot("dataset-hub-gated")
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "dataset", "Completed")
    _choose_job(page)
    _set_token(page)
    page.get_by_role("button", name="Complete", exact=True).click()
    publish(page)
    jobs_before = len(e2e_hub.jobs)
    page.get_by_role("button", name="Deploy latest version").click()
    expect(page.locator("#deploy-run-message")).to_contain_text(
        f"Not started: {GATED} was not checked with the Hub's dataset viewer"
    )
    assert len(e2e_hub.jobs) == jobs_before


def test_unknown_hub_columns_are_mapped_like_an_upload(page: Page):
    to_dataset_step(page)
    add_hub_dataset(page, "trainpkg-tests/qa-columns")
    problem = page.locator("#dataset-problem")
    expect(problem).to_contain_text("(question, answer) match no known format: map them below.")
    expect(attached(page).get_by_text("not checked", exact=True)).to_be_visible()
    form = page.get_by_role("form", name="Map the Hub dataset's columns")
    form.get_by_label("Format").select_option(label="Prompt / completion")
    form.get_by_label("Column for prompt").select_option("question")
    form.get_by_role("button", name="Use this mapping").click()
    expect(problem).to_contain_text("Choose a column for: completion")
    form.get_by_label("Column for completion").select_option("answer")
    form.get_by_role("button", name="Use this mapping").click()
    expect(form).to_be_hidden()
    expect(problem).to_be_hidden()
    expect(attached(page).get_by_text("checked", exact=True)).to_be_visible()
    preview = page.get_by_role("list", name="Preview").get_by_role("listitem")
    expect(preview.first.locator("pre")).to_have_text("Why? So.")
