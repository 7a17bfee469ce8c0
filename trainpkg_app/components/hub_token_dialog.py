"""Enter the Hugging Face token. The input is not bound to state: the value goes to the server
once, on submit, and the browser is only told whose token it is."""

import reflex as rx

from trainpkg_app.state.hub_token import HubTokenState


def _buttons() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Remove stored token",
            type="button",
            variant="soft",
            color_scheme="red",
            on_click=HubTokenState.remove,
        ),
        rx.spacer(),
        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
        rx.button("Check and save", type="submit", loading=HubTokenState.checking),
        width="100%",
        spacing="3",
    )


def _token_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Token", html_for="hf-token", class_name="field-label"),
            rx.input(
                id="hf-token",
                name="hf_token",
                type="password",
                placeholder="hf_…",
                auto_complete="off",
                width="100%",
            ),
            rx.cond(
                HubTokenState.error != "",
                rx.text(HubTokenState.error, color=rx.color("red", 11), size="2", role="alert"),
            ),
            _buttons(),
            spacing="2",
            padding_top="3",
        ),
        on_submit=HubTokenState.save,
        reset_on_submit=True,
    )


def hub_token_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Hugging Face token"),
            rx.dialog.description(
                rx.text(HubTokenState.status, size="2"),
                rx.text(
                    "Needed for gated or private models, Spaces and Jobs. It is checked with "
                    "the Hub, then stored encrypted on this server and never shown again.",
                    size="2",
                ),
            ),
            _token_form(),
        ),
        open=HubTokenState.dialog_open,
        on_open_change=HubTokenState.set_dialog_open,
    )
