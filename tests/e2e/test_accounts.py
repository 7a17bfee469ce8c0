"""Accounts in the browser: sign-in, throttling, sign-out, and two users who cannot reach each
other's packages or versions, by URL or by a forged event."""

import re
import time
import uuid

import sqlalchemy as sa
from conftest import new_account
from playwright.sync_api import Page, expect
from wizard_steps import complete_through, open_new_package, publish

PASSWORD = "a long enough passphrase"
# Rewrites an event's payload on its way to the server: a forged request from the browser.
FORGE = """
window.__reflex_otel = {
  onEventSend(event) {
    const rewrite = window.__forge?.[event.name.split(".").pop()];
    if (rewrite) Object.assign(event.payload, rewrite);
  },
};
"""


def _sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_role("form", name="Sign in").get_by_label("Email").fill(email)
    page.get_by_role("form", name="Sign in").get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _wait_for_failures(app_db, email: str, count: int, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    query = sa.text("SELECT count(*) FROM login_attempts WHERE account = :email")
    while time.monotonic() < deadline:
        with app_db.connect() as connection:
            if connection.execute(query, {"email": email}).scalar_one() >= count:
                return
        time.sleep(0.1)
    raise AssertionError(f"{count} failed sign-ins were not recorded")


def test_every_page_needs_a_session_and_five_wrong_passwords_are_throttled(
    browser, app_url, app_db, screenshot
):
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    new_account(app_db, email, PASSWORD)
    context = browser.new_context(base_url=app_url)
    page = context.new_page()
    page.goto("/training")
    expect(page).to_have_url(re.compile("/login/?$"))
    expect(page.get_by_text("Need an account? Ask the admin")).to_be_visible()
    for attempt in range(1, 6):
        _sign_in(page, email, "not the password at all")
        expect(page.locator("#auth-error")).to_have_text("Wrong email or password.")
        _wait_for_failures(app_db, email, attempt)
    _sign_in(page, email, PASSWORD)
    expect(page.locator("#auth-error")).to_contain_text("Too many failed sign-ins. Wait 15")
    expect(page).to_have_url(re.compile("/login/?$"))
    screenshot("login-throttled", of=page)
    context.close()


def test_sign_in_then_sign_out_ends_access(browser, app_url, app_db):
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    new_account(app_db, email, PASSWORD)
    context = browser.new_context(base_url=app_url)
    page = context.new_page()
    page.goto("/login")
    _sign_in(page, email, PASSWORD)
    expect(page).to_have_url(re.compile("/training/?$"))
    expect(page.locator("#signed-in-as")).to_have_text(email)
    token = page.evaluate("localStorage.getItem('trainpkg_session')")
    assert token
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("/login/?$"))
    with app_db.connect() as connection:
        revoked = connection.execute(
            sa.text("SELECT count(*) FROM user_sessions WHERE revoked_at IS NOT NULL")
        ).scalar_one()
    assert revoked >= 1
    page.evaluate(f"localStorage.setItem('trainpkg_session', {token!r})")  # the old token
    page.goto("/training")
    expect(page).to_have_url(re.compile("/login/?$"))
    context.close()


def _package_and_version_of(app_db, package_name: str) -> tuple[str, str]:
    with app_db.connect() as connection:
        row = connection.execute(
            sa.text(
                "SELECT p.id, v.id FROM training_packages p "
                "JOIN training_package_versions v ON v.package_id = p.id WHERE p.name = :name"
            ),
            {"name": package_name},
        ).first()
    return str(uuid.UUID(row[0])), str(uuid.UUID(row[1]))


def test_b_cannot_reach_as_packages_or_versions(page: Page, signed_in_context, app_db, screenshot):
    secret_name = f"A secret {uuid.uuid4().hex[:6]}"
    open_new_package(page)
    page.get_by_label("Package name").fill(secret_name)
    page.get_by_label("Package name").press("Tab")
    complete_through(page, "deploy")
    publish(page, "A's work")
    expect(page.get_by_role("list", name="Versions")).to_contain_text("v1")
    package_a, version_a = _package_and_version_of(app_db, secret_name)

    b = signed_in_context(new_account(app_db, f"b-{uuid.uuid4().hex[:6]}@example.com", PASSWORD))
    b.add_init_script(FORGE)
    other = b.new_page()
    other.goto("/training")
    expect(other.get_by_label("Package name")).not_to_have_value("")
    assert secret_name not in other.locator("#package-picker").inner_text()

    other.goto(f"/training?package={package_a}")
    expect(other.get_by_text("This package does not exist.")).to_be_visible()
    expect(other.get_by_label("Package name")).not_to_have_value(secret_name)
    screenshot("isolation-not-found", of=other)

    complete_through(other, "deploy")
    publish(other, "B's work")
    other.evaluate(f"window.__forge = {{open_compare: {{version_id: {version_a!r}}}}}")
    other.get_by_role("button", name="Compare v1").click()
    expect(other.locator("#history-message")).to_have_text("This version does not exist.")
    expect(other.get_by_role("region", name="Compare")).to_have_count(0)
    other.evaluate(f"window.__forge = {{deploy: {{version_id: {version_a!r}}}}}")
    other.get_by_role("button", name="Deploy v1").click()
    expect(other.locator("#sidebar-run-message")).to_have_text("This version does not exist.")
    with app_db.connect() as connection:
        runs_of_a = connection.execute(
            sa.text("SELECT count(*) FROM deployments WHERE version_id = :id"),
            {"id": uuid.UUID(version_a).hex},
        ).scalar_one()
    assert runs_of_a == 0


def test_pages_and_assets_carry_the_security_headers(browser, app_url):
    context = browser.new_context(base_url=app_url)
    for path in ("/login", "/training", "/ping", "/favicon.ico"):
        headers = context.request.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
    context.close()


def test_the_admin_creates_an_account_that_can_then_sign_in(page: Page, browser, app_url):
    email = f"new-{uuid.uuid4().hex[:6]}@example.com"
    page.goto("/training")
    page.get_by_role("button", name="Accounts").click()
    dialog = page.get_by_role("dialog", name="Accounts")
    form = dialog.get_by_role("form", name="Create an account")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Initial password (12+ characters)").fill("short")
    form.get_by_role("button", name="Create account").click()
    expect(dialog.locator("#accounts-message")).to_contain_text("at least 12")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Initial password (12+ characters)").fill(PASSWORD)
    form.get_by_role("button", name="Create account").click()
    expect(dialog.locator("#accounts-message")).to_have_text(
        f"Created {email}: give them the password."
    )
    expect(dialog.get_by_role("list", name="Accounts")).to_contain_text(f"{email} · member")

    context = browser.new_context(base_url=app_url)
    newcomer = context.new_page()
    newcomer.goto("/login")
    _sign_in(newcomer, email, PASSWORD)
    expect(newcomer.locator("#signed-in-as")).to_have_text(email)
    expect(newcomer.get_by_role("button", name="Accounts")).to_have_count(0)  # not an admin
    dialog.get_by_role("button", name=f"Sign {email} out everywhere").click()
    expect(dialog.locator("#accounts-message")).to_have_text(f"Signed {email} out of 1 session.")
    newcomer.reload()
    expect(newcomer).to_have_url(re.compile("/login/?$"))
    context.close()


def test_the_admin_sets_a_members_monthly_cap(page: Page, app_db, screenshot):
    email = f"capped-{uuid.uuid4().hex[:6]}@example.com"
    new_account(app_db, email, PASSWORD)
    page.goto("/training")
    page.get_by_role("button", name="Accounts").click()
    dialog = page.get_by_role("dialog", name="Accounts")
    cap = dialog.get_by_label(f"Monthly cap ($) of {email}")
    cap.fill("ten")
    cap.press("Tab")
    expect(dialog.locator("#accounts-message")).to_have_text(
        "Enter a monthly cap in dollars (0 to 1,000,000), or leave it empty for none."
    )
    cap.fill("50")
    cap.press("Tab")
    message = dialog.locator("#accounts-message")
    expect(message).to_have_text(f"{email} has a monthly cap of $50.00.")
    screenshot("accounts-monthly-cap")
    with app_db.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT monthly_budget_usd FROM users WHERE email = :email"), {"email": email}
        ).scalar_one()
    assert float(stored) == 50.0
    cap.fill("")
    cap.press("Tab")
    expect(message).to_have_text(f"{email} has no monthly cap.")
