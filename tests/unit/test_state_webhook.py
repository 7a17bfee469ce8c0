"""The webhook dialog's state: saves for the signed-in owner only, never holds the URL in full,
and a refused URL changes nothing."""

from __future__ import annotations

import pytest
from statekit import Tab, new_user

from trainpkg_app.state.webhook import WebhookState

pytestmark = pytest.mark.usefixtures("app_db")
URL = "https://93.184.215.14/hooks/T0001/very-secret-path"  # a public address, numeric: no DNS


def _vars(tab: Tab) -> str:
    state = tab.state(WebhookState)
    return repr({name: getattr(state, name) for name in WebhookState.base_vars})


async def test_a_saved_url_comes_back_masked_and_only_to_its_owner():
    token = new_user()
    alice, bob = Tab(token), Tab(new_user())
    await alice.send(WebhookState.set_dialog_open, value=True)
    await alice.send(WebhookState.save, form_data={"url": URL})
    assert alice.state(WebhookState).stored == "https://93.184.215.14/…"
    assert alice.state(WebhookState).message == "Saved: each run's end is POSTed there."
    assert "93.184.215.14/…" in _vars(alice) and "very-secret-path" not in _vars(alice)

    await bob.send(WebhookState.set_dialog_open, value=True)
    assert bob.state(WebhookState).stored == ""  # Alice's is not Bob's
    await bob.send(WebhookState.remove)  # removes Bob's (none), not Alice's
    await bob.send(WebhookState.send_test)
    assert bob.state(WebhookState).error == "Save a URL first."

    reopened = Tab(token)  # another tab of Alice's
    await reopened.send(WebhookState.set_dialog_open, value=True)
    assert reopened.state(WebhookState).stored == "https://93.184.215.14/…"


async def test_a_refused_url_says_why_and_keeps_the_stored_one():
    tab = Tab(new_user())
    await tab.send(WebhookState.save, form_data={"url": URL})
    for bad, why in (
        ("http://10.0.0.7/hook", "10.0.0.7 is a private address"),
        ("https://user:pw@93.184.215.14/", "Leave credentials out of the URL"),
        ("ftp://93.184.215.14/", "Only http:// and https://"),
    ):
        await tab.send(WebhookState.save, form_data={"url": bad})
        assert why in tab.state(WebhookState).error
        await tab.send(WebhookState.set_dialog_open, value=True)
        assert tab.state(WebhookState).stored == "https://93.184.215.14/…"
