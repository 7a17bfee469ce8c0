"""The model step against the fake Hub: search, choose, look up, errors."""

import re

from playwright.sync_api import Page, expect
from wizard_steps import expect_status, header, open_new_package


def search(page: Page, text: str):
    page.get_by_label("Search the Hub").fill(text)
    return page.get_by_role("list", name="Search results").get_by_role("button")


def test_search_and_pick_a_model_shows_its_facts(page: Page, screenshot):
    open_new_package(page)
    hits = search(page, "qwen")
    expect(hits).to_have_count(2)
    expect(hits.first).to_contain_text("Qwen/Qwen2.5-0.5B-Instruct")
    expect(hits.first).to_contain_text(
        "0.49 B params · 1,200,000 downloads · 500 likes · apache-2.0"
    )
    hits.filter(has_text=re.compile(r"^Qwen/Qwen2\.5-0\.5B0")).click()
    expect(page.get_by_label("Model id")).to_have_value("Qwen/Qwen2.5-0.5B")
    expect(page.get_by_label("Size on disk (GB)")).to_have_value("0.988")
    expect(page.get_by_label("Parameters", exact=True)).to_have_value("494032768")
    facts = page.get_by_label("Model facts")
    expect(facts).to_contain_text("BF16 494,032,768")
    expect(facts).to_contain_text("apache-2.0")
    expect(facts).to_contain_text("Qwen2ForCausalLM")
    expect(facts).to_contain_text(re.compile(r"Revision \(pinned\)\s*[0-9a-f]{12}"))
    expect(page.locator("#save-indicator")).to_have_text(re.compile("^Saved at"))
    screenshot("model-step-picked-light")
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "model", "Completed")
    expect(header(page, "model")).to_contain_text("Qwen/Qwen2.5-0.5B · 0.49 B params · 0.988 GB")


def test_a_big_model_shows_the_10_gb_warning(page: Page):
    open_new_package(page)
    search(page, "mistral").first.click()
    expect(page.get_by_label("Size on disk (GB)")).to_have_value("14.496")
    expect(page.get_by_text("This model is 14.5 GB on disk, over 10 GB")).to_be_visible()


def test_a_gated_model_says_how_to_get_access(page: Page):
    open_new_package(page)
    search(page, "llama").first.click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "meta-llama/Llama-3.1-8B is gated: request access on its Hub page"
    )
    expect(page.get_by_label("Model id")).to_have_value("")


def test_a_typed_id_is_looked_up_and_an_unknown_one_explained(page: Page):
    open_new_package(page)
    page.get_by_label("Model id").fill("nobody/nothing")
    page.get_by_role("button", name="Look up model details").click()
    expect(page.get_by_role("alert")).to_contain_text("nobody/nothing was not found on the Hub")
    page.get_by_label("Model id").fill("Qwen/Qwen2.5-0.5B-Instruct")
    page.get_by_role("button", name="Look up model details").click()
    expect(page.get_by_label("Size on disk (GB)")).to_have_value("0.988")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_a_hub_outage_keeps_what_was_typed(page: Page, e2e_hub):
    open_new_package(page)
    page.get_by_label("Model id").fill("Qwen/Qwen2.5-0.5B")
    e2e_hub.fail_next("/api/models/Qwen", 500)
    page.get_by_role("button", name="Look up model details").click()
    expect(page.get_by_role("alert")).to_contain_text("server error (500)")
    expect(page.get_by_label("Model id")).to_have_value("Qwen/Qwen2.5-0.5B")
