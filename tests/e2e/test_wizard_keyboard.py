"""The whole wizard with the keyboard alone: Tab to move, type, Space/Enter to act."""

import re

from playwright.sync_api import Page, expect
from wizard_steps import STEP_IDS, expect_status, header, open_new_package


def tab_to(page: Page, accessible_name: str, limit: int = 40) -> None:
    """Press Tab until the focused element has this accessible name (or id)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                const label = el.labels && el.labels[0] ? el.labels[0].innerText : "";
                return [el.getAttribute('aria-label') || '', label, el.innerText || ''].join('|');
            }"""
        )
        if any(part.strip().startswith(accessible_name) for part in focused.split("|")):
            return
    raise AssertionError(f"Tab never reached {accessible_name!r}")


def test_keyboard_only_completes_the_wizard(page: Page):
    open_new_package(page)
    page.get_by_label("Package name").focus()
    tab_to(page, "Model id")
    page.keyboard.type("Qwen/Qwen2.5-0.5B")
    tab_to(page, "Next")
    page.keyboard.press("Enter")
    expect_status(page, "model", "Completed")

    tab_to(page, "Full fine-tune")  # the radio group takes focus on its first option
    page.keyboard.press("Space")
    tab_to(page, "Next")
    page.keyboard.press("Enter")
    expect_status(page, "config", "Completed")

    tab_to(page, "Hub dataset id")
    page.keyboard.type("tatsu-lab/alpaca")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Add dataset
    expect(page.get_by_role("list", name="Attached datasets")).to_contain_text("tatsu-lab/alpaca")
    tab_to(page, "Next")
    page.keyboard.press("Enter")
    expect_status(page, "dataset", "Completed")

    tab_to(page, "This machine")
    page.keyboard.press("Space")
    expect(page.get_by_label("Output folder")).to_be_visible()
    tab_to(page, "Complete")
    page.keyboard.press("Enter")
    for step in STEP_IDS:
        expect_status(page, step, "Completed")


def test_step_headers_toggle_with_enter_and_space(page: Page):
    open_new_package(page)
    model_header = header(page, "model")
    model_header.focus()
    page.keyboard.press("Enter")
    expect(model_header).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Space")
    expect(model_header).to_have_attribute("aria-expanded", "true")
    expect(model_header).to_have_attribute("aria-current", "step")
    expect(page.get_by_label("Model id")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("^1. Model"))).to_be_visible()
