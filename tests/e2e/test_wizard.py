"""The four-step wizard, driven by role and label the way a person would."""

import re

from playwright.sync_api import Page, expect
from wizard_steps import (
    STEP_IDS,
    complete,
    complete_through,
    expect_status,
    fill_dataset,
    header,
    open_new_package,
    progress_step,
)


def open_training(page: Page) -> None:
    open_new_package(page)


def test_next_on_an_empty_model_step_shows_the_error_and_stays(page: Page, screenshot):
    open_training(page)
    page.get_by_role("button", name="Next", exact=True).click()
    expect(
        page.get_by_text("Choose a model: enter a Hub id such as Qwen/Qwen2.5-0.5B.")
    ).to_be_visible()
    expect(page.get_by_label("Model id")).to_have_attribute("aria-invalid", "true")
    expect_status(page, "model", "Error")
    expect(progress_step(page, "model")).to_have_attribute("aria-current", "step")
    expect(page.get_by_role("alert")).to_contain_text("Step 1 (Model) has errors")
    screenshot("wizard-model-error-light")


def test_full_path_reaches_completed_on_every_step(page: Page, screenshot):
    open_training(page)
    screenshot("wizard-start-light")
    complete_through(page, "deploy")
    for step in STEP_IDS:
        expect_status(page, step, "Completed")
    expect(
        page.get_by_role("status").filter(has_text="All four steps are completed")
    ).to_be_visible()
    expect(header(page, "model")).to_contain_text("Qwen/Qwen2.5-0.5B · 0.99 GB")
    expect(header(page, "dataset")).to_contain_text("tatsu-lab/alpaca · split 90/10")
    screenshot("wizard-completed-light")


def test_a_later_step_in_the_progress_indicator_is_refused_until_earlier_ones_are_done(page: Page):
    open_training(page)
    progress_step(page, "dataset").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Complete step 1 (Model) before opening step 3 (Dataset)."
    )
    expect(progress_step(page, "model")).to_have_attribute("aria-current", "step")
    complete(page, "model")
    progress_step(page, "deploy").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Complete step 2 (Config) before opening step 4 (Deploy)."
    )
    complete(page, "config")
    complete(page, "dataset")
    progress_step(page, "model").click()
    expect(header(page, "model")).to_have_attribute("aria-expanded", "true")
    progress_step(page, "deploy").click()
    expect(progress_step(page, "deploy")).to_have_attribute("aria-current", "step")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_edit_on_a_completed_step_reopens_it_and_flags_later_steps(page: Page):
    open_training(page)
    complete_through(page, "dataset")
    page.get_by_role("button", name="Edit step 1: Model").click()
    expect_status(page, "model", "In progress")
    expect(header(page, "model")).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_label("Model id")).to_have_value("Qwen/Qwen2.5-0.5B")
    for later in ("config", "dataset"):
        expect_status(page, later, "In progress")
        expect(header(page, later)).to_contain_text("Needs re-check")
    progress_step(page, "dataset").click()
    expect(page.get_by_role("alert")).to_contain_text("Complete step 1 (Model)")
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "model", "Completed")
    expect(page.get_by_role("radio", name=re.compile("^LoRA"))).to_be_checked()


def test_editing_a_field_of_a_completed_step_reopens_it(page: Page):
    open_training(page)
    complete(page, "model")
    progress_step(page, "model").click()
    expect_status(page, "model", "Completed")
    page.get_by_label("Model id").fill("Qwen/Qwen2.5-1.5B")
    expect_status(page, "model", "In progress")


def test_warnings_show_without_blocking(page: Page, screenshot):
    open_training(page)
    page.get_by_label("Model id").fill("meta-llama/Llama-3.1-8B")
    page.get_by_label("Size on disk (GB)").fill("16.1")
    warning = page.get_by_text("This model is 16.1 GB on disk, over 10 GB")
    expect(warning).to_be_visible()
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "model", "Completed")
    expect(header(page, "model")).to_contain_text("1 warning")
    complete(page, "config")
    fill_dataset(page)
    page.get_by_label("Train split (%)").fill("97")
    page.get_by_label("Train split (%)").blur()
    expect(page.get_by_text("A 97 % train split is over 95 %")).to_be_visible()
    screenshot("wizard-split-warning-light")
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "dataset", "Completed")


def test_field_errors_show_next_to_their_fields(page: Page):
    open_training(page)
    complete(page, "model")
    page.get_by_role("radio", name=re.compile("^LoRA")).click()
    page.get_by_label("Learning rate").fill("0")
    page.get_by_role("switch", name="Advanced settings").click()
    page.get_by_label("LoRA dropout").fill("1")
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "config", "Error")
    expect(page.locator("#config-learning_rate-error")).to_have_text("Must be greater than 0.")
    expect(page.locator("#config-lora_dropout-error")).to_have_text("Must be less than 1.")
    expect(page.get_by_label("Learning rate")).to_have_attribute(
        "aria-describedby", re.compile("config-learning_rate-error")
    )
    page.get_by_label("Learning rate").fill("0.0001")
    expect(page.locator("#config-learning_rate-error")).to_have_count(0)


def test_deploy_is_validated_by_target(page: Page):
    open_training(page)
    complete_through(page, "dataset")
    page.get_by_role("radio", name=re.compile("^Hugging Face Space")).click()
    page.get_by_label("Space name").fill("me/bad--name")
    page.get_by_role("button", name="Complete", exact=True).click()
    expect(page.locator("#deploy-space_name-error")).to_contain_text("Not a valid Hub id")
    page.get_by_label("Space name").fill("me/trainer")
    page.get_by_role("button", name="Complete", exact=True).click()
    expect_status(page, "deploy", "Completed")


def test_package_name_feeds_the_generated_names(page: Page):
    open_training(page)
    page.get_by_label("Package name").fill("Support Bot")
    page.get_by_label("Package name").blur()
    expect(page.get_by_text("support-bot-v1")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^support-bot-draft-\d{8}-\d{6}$"))).to_be_visible()
    page.get_by_label("Package name").fill("")
    expect(page.locator("#package-name-error")).to_contain_text("Required")


def test_the_wizard_works_in_dark_mode(page: Page, screenshot):
    open_training(page)
    page.get_by_role("button", name="Switch to dark mode").click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    screenshot("wizard-start-dark")
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "model", "Error")
    screenshot("wizard-model-error-dark")
    complete_through(page, "deploy")
    screenshot("wizard-completed-dark")
