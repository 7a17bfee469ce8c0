"""Who is signed in. The browser keeps only an opaque session token (local storage); every data
call looks the session up again, so expiry, logout and revocation take effect at once."""

from __future__ import annotations

from datetime import timedelta

import reflex as rx

from trainpkg_app.core.caps import parse_monthly_cap
from trainpkg_app.core.payloads import Credentials, ShortText
from trainpkg_app.db.accounts import (
    AccountRefused,
    create_account,
    list_accounts,
    revoke_session,
    revoke_sessions_of,
    set_monthly_cap,
    sign_in,
    signup_open,
    start_session,
    user_for_token,
)
from trainpkg_app.db.engine import session_scope
from trainpkg_app.settings import get_settings
from trainpkg_app.state.events import checked, parsed

LOGIN_ROUTE, HOME_ROUTE = "/login", "/training"


def _signed_in(token: str) -> dict | None:
    with session_scope() as session:
        user = user_for_token(session, token)
        return {"email": user.email, "is_admin": user.is_admin} if user else None


def _lifetime() -> timedelta:
    return timedelta(hours=get_settings().session_hours)


def _sign_up(email: str, password: str) -> str:
    with session_scope() as session:
        if not signup_open(session, get_settings().signup):
            raise AccountRefused("Accounts are created by the admin here: ask them for one.")
        user = create_account(session, email=email, password=password)
        return start_session(session, user.id, _lifetime())


def _signup_allowed() -> bool:
    with session_scope() as session:
        return signup_open(session, get_settings().signup)


class AuthState(rx.State):
    session_token: str = rx.LocalStorage("", name="trainpkg_session", sync=True)
    email: str = ""
    is_admin: bool = False
    error: str = ""
    signup_allowed: bool = False
    busy: bool = False

    async def _current(self) -> dict | None:
        return await rx.run_in_thread(lambda: _signed_in(self.session_token))

    @rx.event
    async def require_session(self):
        """First on_load of every private page: no live session, no page."""
        user = await self._current()
        if user is None:
            self.email, self.is_admin = "", False
            return rx.redirect(LOGIN_ROUTE, replace=True)
        self.email, self.is_admin = user["email"], user["is_admin"]
        return None

    @rx.event
    async def open_login(self):
        self.error = ""
        if await self._current() is not None:
            return rx.redirect(HOME_ROUTE, replace=True)
        self.signup_allowed = await rx.run_in_thread(_signup_allowed)
        return None

    @rx.event
    @checked()
    async def log_in(self, form: dict):
        credentials = parsed(Credentials, form)
        self.error, self.busy = "", True
        yield
        client = self.router.session.client_ip or "unknown"
        try:
            token = await rx.run_in_thread(
                lambda: sign_in(
                    email=credentials.email,
                    password=credentials.password,
                    client=client,
                    lifetime=_lifetime(),
                )
            )
        except AccountRefused as refused:
            self.error, self.busy = str(refused), False
            return
        self.session_token, self.busy = token, False
        yield rx.redirect(HOME_ROUTE, replace=True)

    @rx.event
    @checked()
    async def sign_up(self, form: dict):
        credentials = parsed(Credentials, form)
        self.error = ""
        try:
            token = await rx.run_in_thread(
                lambda: _sign_up(credentials.email, credentials.password)
            )
        except AccountRefused as refused:
            self.error = str(refused)
            return None
        self.session_token = token
        return rx.redirect(HOME_ROUTE, replace=True)

    @rx.event
    async def log_out(self):
        token = self.session_token

        def revoke() -> None:
            with session_scope() as session:
                revoke_session(session, token)

        await rx.run_in_thread(revoke)
        self.session_token, self.email, self.is_admin = "", "", False
        return rx.redirect(LOGIN_ROUTE, replace=True)


class AccountsState(rx.State):
    """The admin's account list and the form that creates accounts (invite-only mode)."""

    accounts: list[dict[str, str]] = []
    message: str = ""
    dialog_open: bool = False

    async def _admin(self) -> bool:
        auth = await self.get_state(AuthState)
        user = await auth._current()
        return bool(user and user["is_admin"])

    @rx.event
    async def open_dialog(self):
        if not await self._admin():
            return
        self.message, self.dialog_open = "", True
        self.accounts = await rx.run_in_thread(self._list)

    @staticmethod
    def _list() -> list[dict[str, str]]:
        with session_scope() as session:
            return list_accounts(session)

    @rx.event
    @checked()
    def set_dialog_open(self, value: bool):
        self.dialog_open = value

    @rx.event
    @checked()
    async def create(self, form: dict):
        credentials = parsed(Credentials, form)
        if not await self._admin():
            self.message = "Only the admin creates accounts."
            return

        def make() -> None:
            with session_scope() as session:
                create_account(session, email=credentials.email, password=credentials.password)

        try:
            await rx.run_in_thread(make)
        except AccountRefused as refused:
            self.message = str(refused)
            return
        self.message = f"Created {credentials.email.strip().lower()}: give them the password."
        self.accounts = await rx.run_in_thread(self._list)

    @rx.event
    @checked(email=ShortText, value=ShortText)
    async def set_monthly_cap(self, email: str, value: str):
        """What all of an account's runs may cost in a month ('' removes the cap)."""
        if not await self._admin():
            self.message = "Only the admin sets monthly caps."
            return
        try:
            cap = parse_monthly_cap(value)
        except ValueError as invalid:
            self.message = str(invalid)
            return

        def store() -> bool:
            with session_scope() as session:
                return set_monthly_cap(session, email, cap)

        if not await rx.run_in_thread(store):
            self.message = f"There is no account {email}."
            return
        limit = "no monthly cap" if cap is None else f"a monthly cap of ${cap:.2f}"
        self.message = f"{email} has {limit}."
        self.accounts = await rx.run_in_thread(self._list)

    @rx.event
    @checked(email=ShortText)
    async def revoke(self, email: str):
        """Sign an account out everywhere (a lost laptop, a leaver)."""
        if not await self._admin():
            return

        def run() -> int:
            with session_scope() as session:
                return revoke_sessions_of(session, email)

        ended = await rx.run_in_thread(run)
        self.message = f"Signed {email} out of {ended} session{'s' if ended != 1 else ''}."
