"""Ship it in the browser: a finished local run, its adapter downloaded as a zip (a real
download through the token route), a merge started and seen to finish, the exports offered,
the merged model pushed to the (fake) Hub as a private repo, and a second push refused."""

import re
import zipfile

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session
from test_accessibility import blocking_violations
from test_local_run import publish_local_version

from tests.fakehub.server import VALID_TOKEN
from trainpkg_app.db.hub_tokens import delete_token


def _save_token(page: Page) -> None:
    dialog = page.get_by_role("dialog", name="Hugging Face token")
    dialog.get_by_label("Token").fill(VALID_TOKEN)
    dialog.get_by_role("button", name="Check and save").click()
    expect(dialog).to_be_hidden()


@pytest.fixture(autouse=True)
def patient_expect():
    """The upload, the training and the merge share a busy machine: 30 s per expectation."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for the tests after this file


def test_download_merge_and_push_a_finished_run(
    page: Page, tmp_path, tiny_model_folder, e2e_hub, screenshot, app_db, owner_id
):
    with Session(app_db) as session:  # the Hub run tests leave the owner a token
        delete_token(session, owner_id=owner_id)
        session.commit()
    publish_local_version(page, tmp_path, tiny_model_folder, max_steps=4)
    page.get_by_role("button", name="Deploy v1").click()
    expect(page.locator("#sidebar-run-status")).to_have_text("completed", timeout=180_000)
    sidebar = page.locator("#sidebar-run-panel")
    page.locator("#sidebar-ship-it").click()
    expect(sidebar.get_by_role("heading", name="Push to the Hub")).to_be_visible()
    expect(page.locator("#sidebar-ship-exports").get_by_role("button")).to_have_count(4)

    with page.expect_download() as started:
        page.locator("#sidebar-ship-download").click()
    download = started.value
    assert re.fullmatch(r".+-adapter\.zip", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = set(archive.namelist())
        card = archive.read("README.md").decode()
    assert {"README.md", "adapter_config.json", "adapter_model.safetensors"} <= names
    assert "library_name: peft" in card

    with page.expect_download() as exported:
        page.locator("#sidebar-ship-exports").get_by_role("button", name="TRL sft config").click()
    assert exported.value.suggested_filename.endswith("-trl-sft.yaml")

    page.locator("#sidebar-ship-merge").click()
    expect(page.locator("#sidebar-ship-merge-status")).to_have_text("Merged.", timeout=120_000)
    expect(sidebar.get_by_label("Merge progress")).to_be_visible()
    expect(page.locator("#sidebar-ship-download-merged")).to_be_visible()
    expect(page.locator("#sidebar-ship-merge")).to_be_disabled()
    sidebar.scroll_into_view_if_needed()
    screenshot("ship-it-merged-light")
    assert blocking_violations(page) == []
    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    assert blocking_violations(page) == []
    screenshot("ship-it-merged-dark")
    page.emulate_media(color_scheme="light")

    sidebar.get_by_role("button", name="Push to the Hub").click()
    expect(page.locator("#sidebar-ship-message")).to_contain_text("press Set token")
    sidebar.get_by_role("button", name="Set token").click()  # the push uses the user's own
    _save_token(page)
    page.locator("#sidebar-ship-it").click()  # closed, and opened again: the user's account
    page.locator("#sidebar-ship-it").click()
    repo = page.locator("#sidebar-ship-repo")
    expect(repo).to_have_value(re.compile(r"^test-user/untitled-package"))
    repo_id = repo.input_value()
    page.locator("#sidebar-ship-what").select_option("merged")
    sidebar.get_by_role("button", name="Push to the Hub").click()
    expect(page.locator("#sidebar-ship-message")).to_have_text(f"Pushed to {repo_id}.")
    pushed = e2e_hub.repo("model", repo_id)
    assert pushed["private"] and "model.safetensors" in pushed["files"]
    assert b"library_name: transformers" in pushed["files"]["README.md"]
    sidebar.get_by_role("button", name="Push to the Hub").click()  # the same name again
    expect(page.locator("#sidebar-ship-message")).to_contain_text("already exists on the Hub")
