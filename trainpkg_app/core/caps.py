"""Budget and time caps of a run, on every target: refuse a launch whose estimate is over the
budget, stop a run whose running cost or time reaches its cap, and the Job timeout a budget
allows; and the monthly cap an admin sets for a user, over all their runs."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

STOPPED = "Stopped by the"  # how every cap's (and the doctor's) stop reason begins


def over_budget(estimate: Decimal | None, budget_usd: float | None) -> str:
    """'The estimate ($x) is over the budget cap ($y)', or '' when it is not."""
    if budget_usd is None or estimate is None or estimate <= Decimal(str(budget_usd)):
        return ""
    return f"The estimate (${estimate:.2f}) is over the budget cap (${budget_usd:.2f})"


def launch_refusal(estimate: Decimal | None, budget_usd: float | None) -> str:
    """Why a run must not start (its estimate is over the budget cap), or ''."""
    over = over_budget(estimate, budget_usd)
    if not over:
        return ""
    return f"{over}: raise the cap, or choose cheaper hardware or fewer steps, and publish again."


def budget_warning(estimate: Decimal | None, budget_usd: float | None) -> str:
    """What the Deploy step says before publishing, or ''."""
    over = over_budget(estimate, budget_usd)
    return f"{over}: deploying it would be refused." if over else ""


def running_cost(elapsed_h: float, usd_per_hour: float) -> float:
    return max(elapsed_h, 0.0) * usd_per_hour


def cap_reason(
    *, elapsed_h: float, usd_per_hour: float, budget_usd: float | None, max_hours: float | None
) -> str:
    """Why the run must stop now (a cap is reached), or ''."""
    cost = running_cost(elapsed_h, usd_per_hour)
    if budget_usd is not None and cost >= budget_usd:
        return f"{STOPPED} budget cap of ${budget_usd:.2f}: it had cost ${cost:.2f}."
    if max_hours and elapsed_h > max_hours:
        return f"{STOPPED} time cap of {max_hours:g} h."
    return ""


def capped_timeout_minutes(
    timeout_minutes: int, budget_usd: float | None, usd_per_hour: float
) -> int:
    """A Job's timeout: the one asked for, or less when the budget buys fewer minutes (at least
    one, so the Hub accepts it; the monitor stops the Job at the cap in any case)."""
    if budget_usd is None or usd_per_hour <= 0:
        return timeout_minutes
    return max(1, min(timeout_minutes, math.floor(budget_usd / usd_per_hour * 60)))


def month_start(now: datetime) -> datetime:
    """The first instant of ``now``'s calendar month (UTC): a monthly cap's period."""
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def monthly_refusal(spent: Decimal, estimate: Decimal | None, cap: Decimal | None) -> str:
    """Why the admin's monthly cap refuses a new run, or ''."""
    if cap is None or (spent < cap and spent + (estimate or 0) <= cap):
        return ""
    this_run = f"; this run's estimate is ${estimate:.2f}" if estimate else ""
    return (
        f"This month's runs have cost ${spent:.2f} of your ${cap:.2f} monthly cap{this_run}: "
        "ask the admin to raise the cap, or wait for next month."
    )


def monthly_cap_reason(spent: Decimal, cap: Decimal | None) -> str:
    """Why an active run must stop now (this month's spend reached the admin's cap), or ''."""
    if cap is None or spent < cap:
        return ""
    return (
        f"{STOPPED} monthly cap of ${cap:.2f} (set by the admin): this month's runs have cost "
        f"${spent:.2f}."
    )


MONTHLY_CAP_MAX = Decimal(1_000_000)
MONTHLY_CAP_HELP = "Enter a monthly cap in dollars (0 to 1,000,000), or leave it empty for none."


def parse_monthly_cap(text: str) -> Decimal | None:
    """What the admin typed: '' is no cap; else dollars to the cent. ValueError says why not."""
    text = text.strip().removeprefix("$").replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise ValueError(MONTHLY_CAP_HELP) from None
    if not value.is_finite() or not 0 <= value <= MONTHLY_CAP_MAX:
        raise ValueError(MONTHLY_CAP_HELP)
    return value.quantize(Decimal("0.01"))
