"""The run-end webhook's rules: payload, retry schedule, URL checks, the SSRF rule, log lines."""

import ipaddress
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from trainpkg_app.core.webhook import (
    RETRY_DELAYS_S,
    RunEnd,
    WebhookRefused,
    address_refusal,
    attempt_entry,
    check_target,
    check_url,
    log_lines,
    masked,
    next_delay,
    payload,
    sample_payload,
    system_resolver,
)

AT = datetime(2026, 12, 3, 18, 2, 30, tzinfo=UTC)


def _resolver(*addresses: str):
    return lambda host, port: list(addresses)


def test_the_payload_carries_the_run_end_with_costs_as_strings_and_iso_times():
    run = RunEnd(
        run_id="r1", package="Tiny", version="v3", target="hf_job", status="failed",
        error="Stopped by the budget cap", steps=900, last_loss=1.25,
        estimated_cost=Decimal("1.5"), actual_cost=Decimal("0.4167"),
        started_at=AT, finished_at=AT, url="https://app.example/training?package=p",
    )  # fmt: skip
    assert payload(run) == {
        "event": "run.ended",
        "run_id": "r1",
        "package": "Tiny",
        "version": "v3",
        "target": "hf_job",
        "status": "failed",
        "error": "Stopped by the budget cap",
        "steps": 900,
        "last_loss": 1.25,
        "estimated_cost_usd": "1.50",
        "actual_cost_usd": "0.42",
        "started_at": "2026-12-03T18:02:30+00:00",
        "finished_at": "2026-12-03T18:02:30+00:00",
        "url": "https://app.example/training?package=p",
    }


def test_unknown_values_are_null_and_a_nan_loss_is_not_sent():
    body = payload(RunEnd("r", "P", "v1", "local", "completed", last_loss=float("nan")))
    assert body["last_loss"] is None and body["error"] is None and body["url"] is None
    assert body["actual_cost_usd"] is None and body["started_at"] is None
    assert payload(RunEnd("r", "P", "v1", "local", "completed", last_loss=0.0))["last_loss"] == 0
    assert sample_payload(AT)["event"] == "webhook.test"


def test_the_schedule_backs_off_to_a_cap_then_gives_up():
    assert [next_delay(n) for n in range(1, 7)] == [10, 30, 120, 600, 3600, None]
    assert max(RETRY_DELAYS_S) == 3600
    assert next_delay(2, delays=(0.1, 0.2)) == 0.2 and next_delay(3, delays=(0.1, 0.2)) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL"),
        ("ftp://example.com/hook", "Only http:// and https://"),
        ("javascript:alert(1)", "Only http:// and https://"),
        ("https://user:secret@example.com/hook", "Leave credentials out"),
        ("https://token@example.com/hook", "Leave credentials out"),
        ("https:///hook", "no host name"),
        ("https://example.com:99999/hook", "port"),
        ("https://example.com/a b", "spaces or control characters"),
        ("https://example.com/" + "a" * 2100, "too long: at most 2048"),
    ],
)
def test_a_bad_url_is_refused_with_a_clear_message(url, message):
    with pytest.raises(WebhookRefused, match=message):
        check_url(url)


def test_a_good_url_passes_stripped():
    assert check_url("  https://hooks.example.com/run?x=1 ") == "https://hooks.example.com/run?x=1"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
        "224.0.0.1", "240.0.0.1", "255.255.255.255", "100.64.0.1",
        "::1", "::", "fe80::1", "fc00::1", "ff02::1", "fec0::1",
        "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
        "2002:7f00:1::", "64:ff9b::7f00:1", "2001::1",
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address):
    assert address_refusal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address):
    assert address_refusal(ipaddress.ip_address(address)) == ""


def test_every_resolved_address_is_checked_not_only_the_first():
    resolve = _resolver("93.184.215.14", "10.0.0.5")
    with pytest.raises(WebhookRefused, match=r"10\.0\.0\.5 is a private address"):
        check_target("https://hooks.example.com/x", allow_private=False, resolve=resolve)
    target = check_target("https://hooks.example.com/x", allow_private=True, resolve=resolve)
    assert target.addresses == ["93.184.215.14", "10.0.0.5"] and target.port == 443


def test_a_host_that_resolves_to_nothing_is_refused():
    with pytest.raises(WebhookRefused, match="does not resolve"):
        check_target("http://nowhere.example/", allow_private=True, resolve=_resolver())


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0177.0.0.1/",  # octal
        "http://0x7f.1/",  # hexadecimal, short form
        "http://localhost/",
    ],
)
def test_loopback_in_any_spelling_the_resolver_accepts_is_refused(url):
    with pytest.raises(WebhookRefused, match="loopback"):
        check_target(url, allow_private=False, resolve=system_resolver)


def test_the_browser_sees_the_url_masked():
    assert masked("https://hooks.example.com/T000/secret-path?token=abc") == (
        "https://hooks.example.com/…"
    )


def test_the_log_lines_say_what_happened_to_each_attempt():
    entries = [
        attempt_entry(1, AT, status=None, error="could not connect"),
        attempt_entry(2, AT, status=500, error=""),
        attempt_entry(3, AT, status=302, error=""),
        attempt_entry(4, AT, status=200, error=""),
    ]
    assert log_lines(entries) == [
        "Attempt 1 failed: could not connect; next try in 10 s",
        "Attempt 2 failed: HTTP 500; next try in 30 s",
        "Attempt 3 failed: HTTP 302 (redirects are not followed); next try in 2 min",
        "Delivered at 18:02 UTC (HTTP 200)",
    ]
    last = attempt_entry(6, AT, status=503, error="")
    assert last["next_in_s"] is None
    assert log_lines([last]) == ["Attempt 6 failed: HTTP 503", "Gave up after 6 attempts"]
    assert log_lines([attempt_entry(5, AT, status=500, error="")]) == [
        "Attempt 5 failed: HTTP 500; next try in 1 h"
    ]
