from decimal import Decimal

import pytest

from trainpkg_app.core import caps, doctor


def test_a_launch_over_its_budget_is_refused_with_both_figures():
    refusal = caps.launch_refusal(Decimal("2.40"), 2.0)
    assert refusal.startswith("The estimate ($2.40) is over the budget cap ($2.00)")
    assert caps.launch_refusal(Decimal("2.00"), 2.0) == ""  # at the cap: allowed
    assert caps.launch_refusal(None, 2.0) == ""  # no estimate (this machine at $0/h)
    assert caps.launch_refusal(Decimal("9"), None) == ""  # no cap


def test_the_budget_cap_stops_the_run_when_its_running_cost_reaches_it():
    args = {"usd_per_hour": 1.0, "budget_usd": 0.5, "max_hours": None}
    assert caps.cap_reason(elapsed_h=0.49, **args) == ""
    assert caps.cap_reason(elapsed_h=0.5, **args) == (
        "Stopped by the budget cap of $0.50: it had cost $0.50."
    )


def test_the_time_cap_stops_the_run_past_it_and_free_runs_never_reach_a_budget():
    assert caps.cap_reason(elapsed_h=3, usd_per_hour=0, budget_usd=1, max_hours=2) == (
        "Stopped by the time cap of 2 h."
    )
    assert caps.cap_reason(elapsed_h=1, usd_per_hour=0, budget_usd=1, max_hours=2) == ""


def test_a_job_timeout_is_what_the_budget_buys_when_that_is_less():
    assert caps.capped_timeout_minutes(90, 0.05, 1.0) == 3
    assert caps.capped_timeout_minutes(90, 5.0, 1.0) == 90
    assert caps.capped_timeout_minutes(90, 0.001, 1.0) == 1  # the Hub needs a timeout
    assert caps.capped_timeout_minutes(90, None, 1.0) == 90


def test_every_stop_reason_begins_alike_so_the_monitor_stops_a_run_once():
    assert doctor.STOPPED.startswith(caps.STOPPED)


def test_the_monthly_cap_refuses_a_launch_that_would_pass_it_and_stops_at_it():
    cap = Decimal("10")
    assert caps.monthly_refusal(Decimal("4"), Decimal("5"), cap) == ""
    assert caps.monthly_refusal(Decimal("4"), Decimal("7"), cap) == (
        "This month's runs have cost $4.00 of your $10.00 monthly cap; this run's estimate is "
        "$7.00: ask the admin to raise the cap, or wait for next month."
    )
    assert caps.monthly_refusal(Decimal("10"), None, cap).startswith("This month's runs have")
    assert caps.monthly_refusal(Decimal("99"), None, None) == ""  # no cap
    assert caps.monthly_cap_reason(Decimal("9.99"), cap) == ""
    assert caps.monthly_cap_reason(Decimal("10"), cap) == (
        "Stopped by the monthly cap of $10.00 (set by the admin): this month's runs have cost "
        "$10.00."
    )


def test_a_month_starts_on_its_first_day_at_midnight_utc():
    from datetime import UTC, datetime, timedelta, timezone

    later = datetime(2026, 12, 3, 1, 30, tzinfo=timezone(timedelta(hours=5)))  # Dec 2, 20:30 UTC
    assert caps.month_start(later) == datetime(2026, 12, 1, tzinfo=UTC)


def test_what_the_admin_types_as_a_monthly_cap():
    assert caps.parse_monthly_cap(" $1,250.5 ") == Decimal("1250.50")
    assert caps.parse_monthly_cap("") is None  # no cap
    assert caps.parse_monthly_cap("0") == Decimal("0.00")  # no runs at all
    for bad in ("ten", "-1", "1e9", "NaN", "Infinity"):
        with pytest.raises(ValueError, match="Enter a monthly cap in dollars"):
            caps.parse_monthly_cap(bad)
