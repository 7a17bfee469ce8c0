"""The signed-in user in the page header: email, Webhook, Accounts (admin) and Sign out."""

import reflex as rx

from trainpkg_app.components.webhook_dialog import webhook_dialog
from trainpkg_app.state.auth import AccountsState, AuthState


def account_menu() -> rx.Component:
    return rx.hstack(
        rx.text(
            AuthState.email,
            size="2",
            color=rx.color("gray", 11),
            id="signed-in-as",
            white_space="nowrap",
        ),
        webhook_dialog(),
        rx.cond(
            AuthState.is_admin,
            rx.button("Accounts", size="2", variant="soft", on_click=AccountsState.open_dialog),
        ),
        rx.button("Sign out", size="2", variant="soft", on_click=AuthState.log_out),
        spacing="2",
        align="center",
        flex_shrink="0",
    )


def _account_row(account: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text(account["email"], " · ", account["role"], size="2"),
            rx.spacer(),
            rx.input(
                default_value=account["monthly_cap"],
                placeholder="no cap",
                input_mode="decimal",
                size="1",
                width="7em",
                aria_label="Monthly cap ($) of " + account["email"],
                on_blur=lambda value: AccountsState.set_monthly_cap(account["email"], value),
            ),
            rx.button(
                "Sign out everywhere",
                size="1",
                variant="ghost",
                on_click=AccountsState.revoke(account["email"]),
                aria_label="Sign " + account["email"] + " out everywhere",
            ),
            width="100%",
            align="center",
        )
    )


def accounts_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Accounts"),
            rx.dialog.description(
                "Create an account and give its owner the password; they sign in with it. "
                "The box by each account is its monthly cap ($): what all its runs may cost in "
                "a month (empty: no cap).",
                size="2",
            ),
            rx.el.ul(rx.foreach(AccountsState.accounts, _account_row), aria_label="Accounts"),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        rx.text("Email", size="2"),
                        rx.input(name="email", type="email", required=True),
                        display="block",
                        width="100%",
                    ),
                    rx.el.label(
                        rx.text("Initial password (12+ characters)", size="2"),
                        rx.input(name="password", type="password", required=True),
                        display="block",
                        width="100%",
                    ),
                    rx.button("Create account", type="submit"),
                    spacing="2",
                    width="100%",
                ),
                on_submit=AccountsState.create,
                reset_on_submit=True,
                aria_label="Create an account",
            ),
            rx.cond(
                AccountsState.message != "",
                rx.text(AccountsState.message, size="2", role="status", id="accounts-message"),
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                justify="end",
                width="100%",
            ),
        ),
        open=AccountsState.dialog_open,
        on_open_change=AccountsState.set_dialog_open,
    )
