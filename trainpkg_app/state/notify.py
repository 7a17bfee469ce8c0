"""Telling the user that a run ended: the browser's own notification (when they allowed it), next
to the in-page toast. The permission is asked once, on the first Deploy click (a user gesture,
which browsers require)."""

from __future__ import annotations

import json

import reflex as rx

ASK_PERMISSION = (
    "if (window.Notification && Notification.permission === 'default') "
    "Notification.requestPermission();"
)


def browser_notification(text: str):
    """A notification outside the page (seen with the tab in the background), if allowed."""
    return rx.call_script(
        "if (window.Notification && Notification.permission === 'granted') "
        f"new Notification('Training Packages', {{body: {json.dumps(text)}}});"
    )


def ask_permission_then(event):
    """A Deploy button's click: ask for notifications (once), then ``event``."""
    return [rx.call_script(ASK_PERMISSION), event]
