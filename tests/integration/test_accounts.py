"""Accounts, sign-in with its throttle, and server-side sessions, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from trainpkg_app.db.accounts import (
    WRONG_CREDENTIALS,
    AccountRefused,
    create_account,
    revoke_all_sessions,
    revoke_session,
    sign_in,
    signup_open,
    start_session,
    user_for_token,
)

PASSWORD = "correct horse battery staple"


def _account(engine, email: str, **kwargs):
    with Session(engine) as session:
        user = create_account(session, email=email, password=PASSWORD, **kwargs)
        session.commit()
        return user.id, user.is_admin


def _sign_in(engine, email: str, password: str, client: str = "10.0.0.1"):
    """The signed-in user's id, through a session token as the app gets it."""
    token = sign_in(
        email=email, password=password, client=client, lifetime=timedelta(hours=1), engine=engine
    )
    with Session(engine) as session:
        return user_for_token(session, token).id


def test_the_first_account_is_the_admin_and_later_ones_are_not(migrated):
    assert _account(migrated, "Admin@Example.com")[1] is True
    assert _account(migrated, "member@example.com")[1] is False
    with pytest.raises(AccountRefused, match="exists: sign in"):
        _account(migrated, "admin@example.com")
    with Session(migrated) as session:
        with pytest.raises(AccountRefused, match="at least 12"):
            create_account(session, email="short@example.com", password="too short")
        with pytest.raises(AccountRefused, match="email address"):
            create_account(session, email="not-an-email", password=PASSWORD)


def test_sign_up_is_open_for_the_first_account_then_as_configured(migrated):
    with Session(migrated) as session:
        assert signup_open(session, "invite") and signup_open(session, "closed")
    _account(migrated, "admin@example.com")
    with Session(migrated) as session:
        assert not signup_open(session, "invite")
        assert not signup_open(session, "closed")
        assert signup_open(session, "open")


def test_the_first_account_keeps_what_the_local_user_made(migrated):
    from trainpkg_app.db.models import User
    from trainpkg_app.db.packages import create_package, list_packages
    from trainpkg_app.db.users import LOCAL_USER_EMAIL

    with Session(migrated) as session:
        local = User(email=LOCAL_USER_EMAIL, password_hash="!", is_admin=True)
        session.add(local)
        session.flush()
        create_package(session, owner_id=local.id, name="made before sign-in")
        session.commit()
        local_id = local.id
    user_id, is_admin = _account(migrated, "admin@example.com")
    assert (user_id, is_admin) == (local_id, True)
    with Session(migrated) as session:
        assert [p.name for p in list_packages(session, owner_id=user_id)] == ["made before sign-in"]
    with pytest.raises(AccountRefused, match=WRONG_CREDENTIALS):
        _sign_in(migrated, LOCAL_USER_EMAIL, "!")


def test_sign_in_checks_the_password(migrated):
    user_id, _ = _account(migrated, "a@example.com")
    assert _sign_in(migrated, " A@example.com ", PASSWORD) == user_id
    with pytest.raises(AccountRefused, match=WRONG_CREDENTIALS):
        _sign_in(migrated, "a@example.com", PASSWORD + "!")
    with pytest.raises(AccountRefused, match=WRONG_CREDENTIALS):
        _sign_in(migrated, "nobody@example.com", PASSWORD)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(migrated):
    _account(migrated, "a@example.com")
    other_id, _ = _account(migrated, "b@example.com")
    for _ in range(5):
        with pytest.raises(AccountRefused, match=WRONG_CREDENTIALS):
            _sign_in(migrated, "a@example.com", "wrong password!!")
    with pytest.raises(AccountRefused, match="Too many failed sign-ins"):
        _sign_in(migrated, "a@example.com", PASSWORD)
    assert _sign_in(migrated, "b@example.com", PASSWORD) == other_id  # other accounts still work


def test_one_client_failing_on_many_accounts_is_locked_too(migrated):
    _account(migrated, "a@example.com")
    for index in range(20):
        with pytest.raises(AccountRefused, match=WRONG_CREDENTIALS):
            _sign_in(migrated, f"guess{index}@example.com", "wrong password!!", client="1.2.3.4")
    with pytest.raises(AccountRefused, match="Too many failed sign-ins"):
        _sign_in(migrated, "a@example.com", PASSWORD, client="1.2.3.4")
    assert _sign_in(migrated, "a@example.com", PASSWORD, client="5.6.7.8")


def test_sessions_expire_and_can_be_revoked(migrated):
    user_id, _ = _account(migrated, "a@example.com")
    with Session(migrated) as session:
        live = start_session(session, user_id, timedelta(hours=1))
        other = start_session(session, user_id, timedelta(hours=1))
        expired = start_session(session, user_id, timedelta(seconds=-1))
        session.commit()
    with Session(migrated) as session:
        assert user_for_token(session, live).id == user_id
        assert user_for_token(session, expired) is None
        assert user_for_token(session, "made-up-token") is None
        assert user_for_token(session, "") is None
        revoke_session(session, live)
        session.commit()
        assert user_for_token(session, live) is None
        assert user_for_token(session, other).id == user_id
        revoke_all_sessions(session, user_id)
        session.commit()
        assert user_for_token(session, other) is None


def test_only_the_hash_of_a_session_token_is_stored(migrated):
    import sqlalchemy as sa

    user_id, _ = _account(migrated, "a@example.com")
    with Session(migrated) as session:
        token = start_session(session, user_id, timedelta(hours=1))
        session.commit()
    with migrated.connect() as connection:
        stored = connection.execute(sa.text("SELECT token_hash FROM user_sessions")).scalars()
        assert token not in list(stored)
