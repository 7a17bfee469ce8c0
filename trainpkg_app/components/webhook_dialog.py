"""The run-end webhook: a URL that each run's end is POSTed to. The input is not bound to state:
the URL goes to the server on Save, and comes back masked."""

import reflex as rx

from trainpkg_app.components.feedback import error_and_message
from trainpkg_app.state.webhook import WebhookState

ABOUT = (
    "When a run ends, this server POSTs a JSON notice (run, package and version, status, "
    "reason, steps, last loss, costs, times) to your URL, and tries again with growing waits "
    "(10 s up to 1 h) until it answers 2xx; each run shows its deliveries. The URL is stored "
    "encrypted; private and local addresses are refused."
)


def _status() -> rx.Component:
    return rx.text(
        rx.cond(
            WebhookState.stored != "",
            rx.fragment("Sends to ", rx.code(WebhookState.stored)),
            "No webhook: run ends are not POSTed anywhere.",
        ),
        size="2",
        margin_top="0.75em",
        id="webhook-stored",
    )


def _feedback() -> rx.Component:
    return error_and_message(WebhookState.error, WebhookState.message, "webhook-message")


def _buttons() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Remove",
            type="button",
            variant="soft",
            color_scheme="red",
            disabled=WebhookState.stored == "",
            on_click=WebhookState.remove,
        ),
        rx.button(
            "Send a test",
            type="button",
            variant="soft",
            disabled=WebhookState.stored == "",
            loading=WebhookState.sending,
            on_click=WebhookState.send_test,
        ),
        rx.spacer(),
        rx.dialog.close(rx.button("Close", type="button", variant="soft", color_scheme="gray")),
        rx.button("Save", type="submit", high_contrast=True),  # axe: contrast in dark mode
        width="100%",
        spacing="3",
    )


def _url_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Webhook URL", html_for="webhook-url", class_name="field-label"),
            rx.input(
                id="webhook-url",
                name="url",
                input_mode="url",
                placeholder="https://hooks.example.com/…",
                auto_complete="off",
                width="100%",
            ),
            _feedback(),
            _buttons(),
            spacing="2",
            padding_top="3",
        ),
        on_submit=WebhookState.save,
        reset_on_submit=False,  # a refused URL stays in the box, to be corrected
    )


def webhook_dialog() -> rx.Component:
    """The account menu's "Webhook" button and its dialog."""
    return rx.dialog.root(
        rx.dialog.trigger(rx.button("Webhook", size="2", variant="soft")),
        rx.dialog.content(
            rx.dialog.title("Run-end webhook"),
            rx.dialog.description(rx.text(ABOUT, size="2")),
            _status(),
            _url_form(),
        ),
        open=WebhookState.dialog_open,
        on_open_change=WebhookState.set_dialog_open,
    )
