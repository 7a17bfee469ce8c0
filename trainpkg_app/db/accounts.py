"""Accounts and sign-in: create accounts (the first is the admin), check passwords with the
throttle, and server-side sessions (the browser holds a random token; we keep its SHA-256)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from trainpkg_app.core import login_throttle
from trainpkg_app.core.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import LoginAttempt, User, UserSession, as_utc, utc_now
from trainpkg_app.db.users import LOCAL_USER_EMAIL

SIGNUP_MODES = ("open", "invite", "closed")
WRONG_CREDENTIALS = "Wrong email or password."
_DUMMY_HASH = hash_password("a password nobody has, to time unknown accounts alike")


class AccountRefused(ValueError):
    """Sign-up, sign-in or account creation refused; the message says why and what to do."""


def _normal(email: str) -> str:
    return email.strip().lower()


def _email_problem(email: str) -> str | None:
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 320:
        return "Enter an email address like name@example.com."
    return None


def _real_users(session: Session) -> int:
    return session.exec(
        select(sa.func.count()).select_from(User).where(User.email != LOCAL_USER_EMAIL)
    ).one()


def signup_open(session: Session, mode: str) -> bool:
    """Anyone may sign up: the very first account (it becomes the admin), or open mode."""
    return _real_users(session) == 0 or mode == "open"


def create_account(session: Session, *, email: str, password: str, is_admin: bool = False) -> User:
    """A new account. The first one becomes the admin and takes over the data of the single
    local user that existed before sign-in (so nothing made earlier is lost)."""
    email = _normal(email)
    problem = _email_problem(email) or password_problem(password)
    if problem:
        raise AccountRefused(problem)
    if session.exec(select(User.id).where(User.email == email)).first():
        raise AccountRefused("An account with this email exists: sign in instead.")
    first = _real_users(session) == 0
    local = session.exec(select(User).where(User.email == LOCAL_USER_EMAIL)).first()
    user = local if first and local else User(email=email, password_hash="")
    user.email, user.password_hash = email, hash_password(password)
    user.is_admin = is_admin or first
    session.add(user)
    session.flush()
    return user


def _failures(session: Session, column, value: str, now: datetime) -> list[datetime]:
    since = now - login_throttle.WINDOW
    return list(
        session.exec(select(LoginAttempt.at).where(column == value, LoginAttempt.at > since))
    )


def authenticate(session: Session, *, email: str, password: str, client: str) -> User | None:
    """The user; None for wrong credentials (the failure is recorded: commit it); AccountRefused
    when throttled after too many failures (refused before the password is checked)."""
    email, now = _normal(email), utc_now()
    account_failures = [as_utc(t) for t in _failures(session, LoginAttempt.account, email, now)]
    client_failures = [as_utc(t) for t in _failures(session, LoginAttempt.client, client, now)]
    verdict = login_throttle.combined(
        login_throttle.verdict(account_failures, login_throttle.ACCOUNT_LIMIT, now),
        login_throttle.verdict(client_failures, login_throttle.CLIENT_LIMIT, now),
    )
    if not verdict.allowed:
        raise AccountRefused(verdict.message())
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None or email == LOCAL_USER_EMAIL:
        verify_password(_DUMMY_HASH, password)  # same time as a real check
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok:
        session.add(LoginAttempt(account=email, client=client[:128], at=now))
        session.flush()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def sign_in(
    *, email: str, password: str, client: str, lifetime: timedelta, engine: sa.Engine | None = None
) -> str:
    """A new session's token, in its own transaction; AccountRefused when refused. A failure is
    committed before refusing, so that the throttle counts it."""
    with session_scope(engine) as session:
        user = authenticate(session, email=email, password=password, client=client)
        token = start_session(session, user.id, lifetime) if user else None
    if token is None:
        raise AccountRefused(WRONG_CREDENTIALS)
    return token


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user_id: uuid.UUID, lifetime: timedelta) -> str:
    """A new session; returns the token for the browser (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(user_id=user_id, token_hash=_digest(token), expires_at=utc_now() + lifetime)
    )
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The signed-in user of a live session (not expired, not revoked), else None."""
    if not token:
        return None
    found = session.exec(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _digest(token), UserSession.revoked_at.is_(None))
    ).first()
    if found is None or as_utc(found[1].expires_at) <= utc_now():
        return None
    return found[0]


def revoke_session(session: Session, token: str) -> None:
    session.exec(
        sa.update(UserSession)
        .where(UserSession.token_hash == _digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )


def revoke_sessions_of(session: Session, email: str) -> int:
    """End every session of the account (an admin action); returns how many were live."""
    user_id = session.exec(select(User.id).where(User.email == _normal(email))).first()
    return 0 if user_id is None else revoke_all_sessions(session, user_id)


def revoke_all_sessions(session: Session, user_id: uuid.UUID) -> int:
    return session.exec(
        sa.update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    ).rowcount


def list_accounts(session: Session) -> list[dict[str, str]]:
    users = session.exec(
        select(User).where(User.email != LOCAL_USER_EMAIL).order_by(User.created_at)
    ).all()
    return [
        {
            "email": u.email,
            "role": "admin" if u.is_admin else "member",
            "monthly_cap": "" if u.monthly_budget_usd is None else f"{u.monthly_budget_usd:.2f}",
        }
        for u in users
    ]


def set_monthly_cap(session: Session, email: str, cap: Decimal | None) -> bool:
    """The account's monthly cap (None: no cap); False when there is no such account."""
    user = session.exec(select(User).where(User.email == _normal(email))).first()
    if user is None:
        return False
    user.monthly_budget_usd = cap
    return True
