"""Password hashing and the sign-in throttle."""

from datetime import UTC, datetime, timedelta

from trainpkg_app.core import login_throttle
from trainpkg_app.core.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_a_hash_verifies_only_its_password_and_is_salted():
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "correct horse battery")
    assert not verify_password(first, "correct horse batterY")
    assert not verify_password("not a hash", "correct horse battery")
    assert not needs_rehash(first)


def test_password_length_rules():
    assert "at least 12" in password_problem("elevenchars")
    assert password_problem("twelve chars") is None
    assert "at most" in password_problem("x" * 1025)


def test_four_failures_pass_the_fifth_locks_until_the_window_moves():
    failures = [NOW - timedelta(minutes=m) for m in (10, 8, 6, 4)]
    assert login_throttle.verdict(failures, 5, NOW).allowed
    failures.append(NOW - timedelta(minutes=1))
    locked = login_throttle.verdict(failures, 5, NOW)
    assert not locked.allowed
    assert locked.retry_after_s == 5 * 60  # the oldest counted failure (10 min ago) leaves at 15
    assert "Wait 5 minutes" in locked.message()
    assert login_throttle.verdict(failures, 5, NOW + timedelta(minutes=5, seconds=1)).allowed


def test_old_failures_do_not_count():
    failures = [NOW - timedelta(minutes=20 + m) for m in range(10)]
    assert login_throttle.verdict(failures, 5, NOW).allowed


def test_either_limit_locks():
    free, locked = login_throttle.Verdict(True), login_throttle.Verdict(False, 90)
    assert login_throttle.combined(free, free).allowed
    assert login_throttle.combined(free, locked) == locked
    assert login_throttle.combined(locked, free).retry_after_s == 90
    assert "Wait 2 minutes" in locked.message()
