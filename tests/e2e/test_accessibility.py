"""axe-core audits of the Training page in each wizard state, light and dark."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from wizard_steps import complete, complete_through, expect_status, header, open_new_package

BLOCKING_IMPACTS = {"serious", "critical"}
AXE = Axe()


def blocking_violations(page: Page) -> list[str]:
    response = AXE.run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]


def state_start(page: Page) -> None:
    expect(header(page, "model")).to_have_attribute("aria-expanded", "true")


def state_model_search(page: Page) -> None:
    page.get_by_label("Search the Hub").fill("qwen")
    expect(page.get_by_role("list", name="Search results").get_by_role("button")).to_have_count(2)


def state_model_error(page: Page) -> None:
    page.get_by_role("button", name="Next", exact=True).click()
    expect_status(page, "model", "Error")


def state_locked_click(page: Page) -> None:
    page.get_by_role("navigation", name="Wizard progress").get_by_role(
        "button", name="3. Dataset", exact=False
    ).click()
    expect(page.get_by_role("alert")).to_be_visible()


def state_config(page: Page) -> None:
    complete(page, "model")
    page.get_by_role("radio", name="LoRA", exact=False).first.click()


def state_dataset_warning(page: Page) -> None:
    complete_through(page, "config")
    page.get_by_label("Train split (%)").fill("30")
    page.get_by_label("Train split (%)").blur()
    expect(page.get_by_role("status").filter(has_text="under 50 %")).to_be_visible()


def state_completed(page: Page) -> None:
    complete_through(page, "deploy")


def state_reopened(page: Page) -> None:
    complete_through(page, "dataset")
    page.get_by_role("button", name="Edit step 2: Config").click()
    expect(header(page, "dataset")).to_contain_text("Needs re-check")


STATES = [
    state_start,
    state_model_search,
    state_model_error,
    state_locked_click,
    state_config,
    state_dataset_warning,
    state_completed,
    state_reopened,
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("reach_state", STATES, ids=lambda f: f.__name__.removeprefix("state_"))
def test_no_serious_or_critical_violations(page: Page, scheme: str, reach_state):
    page.emulate_media(color_scheme=scheme)
    open_new_package(page)
    if scheme == "dark":
        expect(page.locator("html")).to_have_class("dark", timeout=10_000)
    reach_state(page)
    assert blocking_violations(page) == []
