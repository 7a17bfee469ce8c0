"""The sign-in page (and sign-up, when this server allows it)."""

import reflex as rx

from trainpkg_app.components.color_mode import color_mode_toggle
from trainpkg_app.state.auth import AuthState


def _field(label: str, name: str, kind: str, autocomplete: str) -> rx.Component:
    return rx.el.label(
        rx.text(label, size="2", weight="medium"),
        rx.input(name=name, type=kind, auto_complete=autocomplete, required=True, width="100%"),
        width="100%",
        display="block",
    )


def _form(title: str, button: str, on_submit, password_hint: str, autocomplete: str):
    return rx.form(
        rx.vstack(
            rx.heading(title, as_="h2", size="4"),
            _field("Email", "email", "email", "username"),
            _field("Password", "password", "password", autocomplete),
            *(
                [rx.text(password_hint, size="1", color=rx.color("gray", 11))]
                if password_hint
                else []
            ),
            rx.button(button, type="submit", loading=AuthState.busy, width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
        aria_label=title,
        width="100%",
    )


def login_page() -> rx.Component:
    return rx.container(
        rx.hstack(rx.spacer(), color_mode_toggle(), width="100%"),
        rx.center(
            rx.card(
                rx.vstack(
                    rx.heading("Training Packages", as_="h1", size="6"),
                    rx.cond(
                        AuthState.error != "",
                        rx.callout(
                            AuthState.error,
                            color_scheme="red",
                            role="alert",
                            id="auth-error",
                            width="100%",
                        ),
                    ),
                    _form("Sign in", "Sign in", AuthState.log_in, "", "current-password"),
                    rx.cond(
                        AuthState.signup_allowed,
                        rx.vstack(
                            rx.separator(),
                            _form(
                                "Create an account",
                                "Create account",
                                AuthState.sign_up,
                                "At least 12 characters. The first account on this server "
                                "becomes its admin.",
                                "new-password",
                            ),
                            width="100%",
                            spacing="4",
                        ),
                        rx.text(
                            "Need an account? Ask the admin of this server.",
                            size="2",
                            color=rx.color("gray", 11),
                        ),
                    ),
                    spacing="5",
                    width="100%",
                ),
                size="4",
                width="100%",
                max_width="26rem",
            ),
            padding_top="10vh",
        ),
        size="2",
        padding_y="6",
    )
