"""A fresh server: the first person signs up on the login page and becomes the admin. The
marker runs it before the other scale-out tests, which add accounts of their own."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect


@pytest.mark.empty_server
def test_the_first_sign_up_makes_the_admin(browser, scaled):
    with scaled.engine.connect() as connection:
        accounts = connection.execute(sa.text("SELECT count(*) FROM users")).scalar_one()
    assert accounts == 0, "another test made an account first: mark it or this one empty_server"
    context = browser.new_context(base_url=scaled.url)
    page = context.new_page()
    page.goto("/training")
    expect(page).to_have_url(re.compile("/login/?$"))
    form = page.get_by_role("form", name="Create an account")
    expect(form).to_contain_text("The first account on this server becomes its admin.")
    form.get_by_label("Email").fill("first@example.com")
    form.get_by_label("Password").fill("too short")
    form.get_by_role("button", name="Create account").click()
    expect(page.locator("#auth-error")).to_contain_text("Use at least 12 characters")
    form.get_by_label("Password").fill("a long enough passphrase")
    form.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile("/training/?$"), timeout=30_000)
    expect(page.locator("#signed-in-as")).to_have_text("first@example.com")
    expect(page.get_by_role("button", name="Accounts")).to_be_visible()  # the admin
    context.close()
