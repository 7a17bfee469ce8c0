"""The user's Hugging Face token: entered once, checked with whoami, stored encrypted.

The token itself never enters a state var: the browser only learns who it belongs to."""

from __future__ import annotations

import reflex as rx

from trainpkg_app.core.hub_account import billing_line
from trainpkg_app.core.payloads import TokenForm
from trainpkg_app.db.hub_tokens import delete_token, hub_credentials, save_token
from trainpkg_app.hub.api import hub_api, hub_username
from trainpkg_app.hub.errors import HubProblem
from trainpkg_app.state.events import checked, parsed
from trainpkg_app.state.owner import as_owner

NO_TOKEN = "No Hugging Face token: public models only; Spaces and Jobs need one."


def _whose(session, *, owner_id) -> tuple[str, str]:
    credentials = hub_credentials(session, owner_id)
    return credentials.whose, credentials.hub_user


class HubTokenState(rx.State):
    status: str = ""
    billing: str = ""  # whose account a Hub run bills, said before launch
    error: str = ""
    dialog_open: bool = False
    checking: bool = False

    @rx.event
    async def load_status(self):
        await self._refresh_status()

    async def _refresh_status(self) -> None:
        whose, hub_user = await as_owner(self, _whose)
        self.status = f"Token set for {hub_user}" if whose == "own" else NO_TOKEN
        if whose == "server":
            self.status = "Token from the server's environment (HF_TOKEN)"
        self.billing = billing_line(whose, hub_user)

    @rx.event
    @checked()
    def set_dialog_open(self, value: bool):
        self.dialog_open, self.error = value, ""

    @rx.event
    @checked()
    async def save(self, form_data: dict):
        token = parsed(TokenForm, form_data).hf_token.strip()
        if not token:
            self.error = "Paste a token (it starts with hf_)."
            return
        self.checking = True
        try:
            name = await rx.run_in_thread(lambda: hub_username(hub_api(token)))
        except HubProblem as refused:
            self.checking, self.error = False, str(refused)
            return
        await as_owner(self, save_token, token=token, hub_username=name)
        self.checking, self.error, self.dialog_open = False, "", False
        await self._refresh_status()

    @rx.event
    async def remove(self):
        await as_owner(self, delete_token)
        await self._refresh_status()
