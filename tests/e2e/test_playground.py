"""Try it: a completed local run's card opens the playground, a prompt is sent, and the run
and its base answer side by side, streamed, each in its own article; Clear, dark mode. (Stop is
tested in tests/integration/test_playground.py: the tiny model answers faster than a click.)"""

import re

import pytest
from playwright.sync_api import Page, expect
from test_accessibility import blocking_violations
from test_local_run import publish_local_version


@pytest.fixture
def patient_expect():
    """Waits of up to 30 s (the wizard's upload inspects with the model's tokenizer, which
    takes longer than the default 5 s on a loaded 2-core machine)."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.mark.usefixtures("patient_expect")
def test_try_a_finished_run_beside_its_base(page: Page, tmp_path, tiny_model_folder, screenshot):
    publish_local_version(page, tmp_path, tiny_model_folder, max_steps=6)
    page.get_by_role("button", name="Deploy v1").click()
    expect(page.locator("#sidebar-run-status")).to_have_text("completed", timeout=180_000)
    page.locator("#sidebar-run-panel").get_by_role("button", name="Try it").click()
    expect(page.get_by_role("tab", name="Try it")).to_have_attribute("aria-selected", "true")

    models = page.get_by_role("group", name=re.compile("Models"))
    expect(models).to_contain_text("2 of 3 models answer")
    # this run and its base are ticked; earlier tests' runs of the same base are offered too
    expect(models.get_by_role("checkbox", checked=True)).to_have_count(2)

    page.get_by_text("System prompt and sampling").click()
    page.get_by_label("Temperature").fill("0")
    page.get_by_label("Max new tokens").fill("24")
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.fill("Question 3: what is 3 plus 3?")
    page.get_by_role("button", name="Send").click()

    answers = page.locator("#playground-answers")
    expect(answers).to_have_attribute("aria-live", "polite")
    articles = answers.get_by_role("article")
    expect(articles).to_have_count(2)
    run_answer = articles.filter(has_text=re.compile("local run"))
    base_answer = articles.filter(has_text="Base: ")
    expect(run_answer).to_have_count(1)
    expect(base_answer).to_have_count(1)
    for article in (run_answer, base_answer):
        expect(article.get_by_text("done")).to_be_visible(timeout=120_000)
        expect(article).to_contain_text(re.compile(r"\d+ tokens · first after"))
    # the untrained base writes text; six steps may teach the run to end at once, said in words
    assert base_answer.locator(".playground-answer").inner_text() != ""  # may be spaces
    if run_answer.locator(".playground-answer").inner_text() == "":
        expect(run_answer).to_contain_text("no visible text: it wrote only special tokens")
    assert run_answer.get_attribute("aria-label").endswith(
        run_answer.get_by_role("heading").inner_text()
    )
    screenshot("playground-light")
    assert blocking_violations(page) == []

    page.emulate_media(color_scheme="dark")
    expect(page.locator("html")).to_have_class(re.compile("dark"))
    screenshot("playground-dark")
    assert blocking_violations(page) == []
    page.emulate_media(color_scheme="light")

    prompt.fill("")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Type a prompt first.")
    page.get_by_role("button", name="Clear").click()
    expect(articles).to_have_count(0)
