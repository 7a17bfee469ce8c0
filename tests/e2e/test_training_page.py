"""The Training page renders its tab and switches between light and dark mode."""

import re

from playwright.sync_api import Page, expect


def test_root_redirects_to_training(page: Page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/training$"))
    expect(page.get_by_role("heading", name="Training", exact=True)).to_be_visible()


def test_training_page_shows_the_training_packages_tab(page: Page):
    page.goto("/training")
    expect(page).to_have_title(re.compile("Training"))
    tab = page.get_by_role("tab", name="Training Packages")
    expect(tab).to_be_visible()
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_contain_text("published versions never change")


def test_dark_mode_toggle_switches_the_theme_and_back(page: Page, screenshot):
    page.goto("/training")
    html = page.locator("html")
    expect(html).not_to_have_class(re.compile(r"\bdark\b"))
    page.get_by_role("button", name="Switch to dark mode").click()
    expect(html).to_have_class(re.compile(r"\bdark\b"))
    screenshot("training-dark")
    page.get_by_role("button", name="Switch to light mode").click()
    expect(html).not_to_have_class(re.compile(r"\bdark\b"))
    screenshot("training-light")
