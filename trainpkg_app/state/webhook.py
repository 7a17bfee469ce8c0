"""The user's run-end webhook: save a URL (checked, stored encrypted), remove it, send a test.

The stored URL never enters a state var in full: the browser sees its scheme and host only."""

from __future__ import annotations

import reflex as rx

from trainpkg_app.core.payloads import WebhookForm
from trainpkg_app.core.webhook import WebhookRefused
from trainpkg_app.db.webhooks import delete_webhook, masked_webhook, read_webhook, save_webhook
from trainpkg_app.deploy import webhook as delivery
from trainpkg_app.state.events import checked, parsed
from trainpkg_app.state.owner import as_owner, as_user, session_token


class WebhookState(rx.State):
    stored: str = ""  # the saved URL, masked ("https://host/…"), or ''
    message: str = ""
    error: str = ""
    dialog_open: bool = False
    sending: bool = False

    @rx.event
    @checked()
    async def set_dialog_open(self, value: bool):
        self.dialog_open, self.message, self.error = value, "", ""
        if value:
            self.stored = await as_owner(self, masked_webhook)

    @rx.event
    @checked()
    async def save(self, form_data: dict):
        url = parsed(WebhookForm, form_data).url
        try:
            self.stored = await as_owner(self, save_webhook, url=url)
        except WebhookRefused as refused:  # nothing stored changes
            self.message, self.error = "", str(refused)
            return
        self.error, self.message = "", "Saved: each run's end is POSTed there."

    @rx.event
    async def remove(self):
        await as_owner(self, delete_webhook)
        self.stored, self.error, self.message = "", "", "Removed: run ends are not POSTed anywhere."

    @rx.event(background=True)
    async def send_test(self):
        """POST a test payload to the stored URL now and say what it answered."""
        async with self:
            if self.sending:
                return
            self.sending, self.message, self.error = True, "", ""
            token = await session_token(self)
        try:
            url = await as_user(token, read_webhook)
            result = await rx.run_in_thread(lambda: delivery.send_test(url)) if url else ""
        finally:
            async with self:
                self.sending = False
        async with self:
            if not url:
                self.error = "Save a URL first."
            elif result.startswith("Test delivered"):
                self.message = result
            else:
                self.error = result
