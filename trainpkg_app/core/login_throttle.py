"""When failed sign-ins lock an account or a client out, and for how long.

Failures count in a sliding window; reaching the limit locks until the oldest counted failure
leaves the window. An account and a client (browser address) are limited separately."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
CLIENT_LIMIT = 20


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0

    def message(self) -> str:
        minutes = max(1, -(-self.retry_after_s // 60))
        unit = "minute" if minutes == 1 else "minutes"
        return f"Too many failed sign-ins. Wait {minutes} {unit} and try again."


def verdict(failures: list[datetime], limit: int, now: datetime) -> Verdict:
    """``failures``: the times of recent failed attempts (any order)."""
    recent = sorted(moment for moment in failures if now - moment < WINDOW)
    if len(recent) < limit:
        return Verdict(True)
    unlock = recent[-limit] + WINDOW
    return Verdict(False, max(1, int((unlock - now).total_seconds())))


def combined(account: Verdict, client: Verdict) -> Verdict:
    if account.allowed and client.allowed:
        return Verdict(True)
    return Verdict(False, max(account.retry_after_s, client.retry_after_s))
