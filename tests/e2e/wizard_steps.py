"""How a person fills each wizard step, reused by the browser tests."""

import re

from playwright.sync_api import Locator, Page, expect

STEP_IDS = ["model", "config", "dataset", "deploy"]
TITLES = {"model": "Model", "config": "Config", "dataset": "Dataset", "deploy": "Deploy"}


def open_new_package(page: Page) -> str:
    """Open the Training page and start a fresh package, as a user beginning new work would."""
    page.goto("/training")
    name_field = page.get_by_label("Package name")
    expect(name_field).not_to_have_value("")
    previous = name_field.input_value()
    page.get_by_role("button", name="New package").click()
    expect(name_field).not_to_have_value(previous)
    expect(header(page, "model")).to_have_attribute("aria-expanded", "true")
    expect_status(page, "model", "In progress")
    return name_field.input_value()


def progress_step(page: Page, step: str) -> Locator:
    number = STEP_IDS.index(step) + 1
    nav = page.get_by_role("navigation", name="Wizard progress")
    return nav.get_by_role("button", name=re.compile(rf"^{number}\. {TITLES[step]}\b"))


def header(page: Page, step: str) -> Locator:
    number = STEP_IDS.index(step) + 1
    return page.get_by_role("button", name=re.compile(rf"^{number}\. {TITLES[step]} ")).and_(
        page.locator(f"#step-{step}-header")
    )


def expect_status(page: Page, step: str, label: str) -> None:
    expect(header(page, step)).to_contain_text(f"Status: {label}")


def fill_model(page: Page, model_id: str = "Qwen/Qwen2.5-0.5B", size_gb: str = "0.99") -> None:
    page.get_by_label("Model id").fill(model_id)
    page.get_by_label("Size on disk (GB)").fill(size_gb)


def fill_config(page: Page) -> None:
    page.get_by_role("radio", name=re.compile("^LoRA")).click()


def fill_dataset(page: Page, dataset_id: str = "tatsu-lab/alpaca") -> None:
    page.get_by_label("Hub dataset id").fill(dataset_id)
    page.get_by_role("button", name="Add dataset").click()
    expect(page.get_by_role("list", name="Attached datasets")).to_contain_text(dataset_id)


def fill_deploy(page: Page) -> None:
    page.get_by_role("radio", name=re.compile("^Hugging Face Job")).click()
    page.get_by_label("Hardware").select_option("a10g-small")
    page.get_by_label("Timeout (minutes)").fill("90")


FILLERS = {
    "model": fill_model,
    "config": fill_config,
    "dataset": fill_dataset,
    "deploy": fill_deploy,
}


def complete(page: Page, step: str) -> None:
    FILLERS[step](page)
    page.get_by_role("button", name="Complete" if step == "deploy" else "Next", exact=True).click()
    expect_status(page, step, "Completed")


def complete_through(page: Page, last: str) -> None:
    for step in STEP_IDS[: STEP_IDS.index(last) + 1]:
        complete(page, step)


def publish(page: Page, summary: str = "") -> None:
    page.get_by_role("button", name="Publish", exact=True).click()
    dialog = page.get_by_role("dialog", name="Publish a version")
    dialog.get_by_label("Change summary").fill(summary)
    dialog.get_by_role("button", name="Publish version").click()
    expect(dialog).to_be_hidden()


def pick_searched_model(page: Page, query: str = "qwen") -> None:
    """Search the Hub and take the first hit (it brings parameters and size), then Next."""
    page.get_by_label("Search the Hub").fill(query)
    page.get_by_role("list", name="Search results").get_by_role("button").first.click()
    expect(page.get_by_label("Size on disk (GB)")).to_have_value("0.988")
    page.get_by_role("button", name="Next", exact=True).click()
