"""The deploy step: the estimate for a Space and its budget cap, and a token that never reaches
the browser."""

import re

import sqlalchemy as sa
from playwright.sync_api import Page, expect
from wizard_steps import (
    complete,
    complete_through,
    expect_status,
    open_new_package,
    pick_searched_model,
)

from tests.fakehub.server import VALID_TOKEN


def test_hf_space_on_a10g_small_shows_the_estimate_and_checks_the_budget_cap(
    page: Page, screenshot
):
    open_new_package(page)
    pick_searched_model(page)
    complete(page, "config")
    page.get_by_label("Hub dataset id").fill("tatsu-lab/alpaca")
    page.get_by_role("button", name="Add dataset").click()
    expect(page.get_by_role("list", name="Attached datasets")).to_contain_text("52002 rows")
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "dataset", "Completed")

    page.get_by_role("radio", name=re.compile("^Hugging Face Space")).click()
    page.get_by_label("Space name").fill("me/trainer")
    page.get_by_label("Hardware").select_option("a10g-small")
    estimate = page.locator("#run-estimate")
    expect(estimate).to_contain_text(
        re.compile(r"About \d+\.\d h and \$\d+\.\d\d on Nvidia A10G small")
    )
    expect(estimate).to_contain_text("x $1.00/h")
    expect(estimate).to_contain_text("512 tokens a row assumed")
    expect(page.get_by_label("Time cap (hours)")).to_be_visible()
    page.get_by_label("Budget cap ($)").fill("0.01")
    expect(estimate).to_contain_text(
        re.compile(
            r"Budget: The estimate \(\$\d+\.\d\d\) is over the budget cap \(\$0\.01\): "
            "deploying it would be refused."
        )
    )
    screenshot("deploy-budget-cap-light")
    page.get_by_label("Budget cap ($)").fill("10000")
    expect(estimate).not_to_contain_text("Budget:")
    screenshot("deploy-estimate-light")
    page.get_by_role("button", name="Complete", exact=True).click()
    expect_status(page, "deploy", "Completed")


def test_the_token_is_checked_stored_encrypted_and_never_sent_back(page: Page, app_db):
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: frames.append(str(data))))
    open_new_package(page)
    complete_through(page, "dataset")
    page.get_by_role("radio", name=re.compile("^Hugging Face Job")).click()
    expect(page.locator("#token-status")).to_have_text(re.compile("^No Hugging Face token"))
    page.get_by_role("button", name="Set token").click()
    dialog = page.get_by_role("dialog", name="Hugging Face token")
    dialog.get_by_label("Token").fill("hf_wrong_token_value_for_tests")
    dialog.get_by_role("button", name="Check and save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("The Hub refused the token")
    dialog.get_by_label("Token").fill(VALID_TOKEN)
    dialog.get_by_role("button", name="Check and save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#token-status")).to_have_text("Token set for test-user")
    billed = "Hub runs are billed to your Hugging Face account (test-user)."
    expect(page.locator("#billing-account")).to_have_text(billed)  # said before any launch
    assert frames, "no websocket traffic was captured"
    assert not [frame for frame in frames if VALID_TOKEN in frame]
    with app_db.connect() as connection:
        stored = (
            connection.execute(sa.text("SELECT token_encrypted FROM hub_tokens")).scalars().all()
        )
    assert stored and all(VALID_TOKEN not in value for value in stored)
    page.get_by_role("button", name="Set token").click()
    page.get_by_role("dialog", name="Hugging Face token").get_by_role(
        "button", name="Remove stored token"
    ).click()
    expect(page.locator("#token-status")).to_have_text(re.compile("^No Hugging Face token"))
    expect(page.locator("#billing-account")).to_have_count(0)
