"""Schedule expressions: cron (5 fields, macros, time zones) and intervals parse into the
runs they name; anything else is refused with the reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from byosc.schedules.spec import ScheduleInvalid, parse_schedule

MONDAY_10_07 = datetime(2026, 1, 5, 10, 7, 30, 250_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("given", "stored", "seconds"),
    [
        ("every 6h", "every 6h", 21600),
        ("6h", "every 6h", 21600),
        ("Every 1h 30m", "every 1h30m", 5400),
        ("every 2 days", "every 2d", 172800),
        ("every 90 minutes", "every 1h30m", 5400),
        ("3600", "every 1h", 3600),
    ],
)
def test_an_interval_reads_in_units_or_seconds_and_is_stored_in_one_form(
    given: str, stored: str, seconds: int
) -> None:
    spec = parse_schedule(given)
    assert (spec.kind, spec.expression, spec.interval_s) == ("interval", stored, seconds)


def test_an_interval_runs_that_long_after_the_moment_to_the_second() -> None:
    spec = parse_schedule("every 6h")
    assert spec.next_after(MONDAY_10_07) == datetime(2026, 1, 5, 16, 7, 30, tzinfo=UTC)


def test_a_cron_expression_runs_at_its_next_matching_minute_strictly_after() -> None:
    spec = parse_schedule("*/15 * * * *")
    assert spec.kind == "cron"
    assert spec.next_after(MONDAY_10_07) == datetime(2026, 1, 5, 10, 15, tzinfo=UTC)
    on_the_dot = datetime(2026, 1, 5, 10, 15, tzinfo=UTC)
    assert spec.next_after(on_the_dot) == datetime(2026, 1, 5, 10, 30, tzinfo=UTC)


def test_weekday_names_and_macros_are_understood() -> None:
    friday_evening = datetime(2026, 1, 9, 20, 0, tzinfo=UTC)
    weekdays = parse_schedule("0 6 * * MON-FRI")
    assert weekdays.next_after(friday_evening) == datetime(2026, 1, 12, 6, 0, tzinfo=UTC)
    daily = parse_schedule("@daily")
    assert daily.expression == "0 0 * * *"
    assert daily.next_after(MONDAY_10_07) == datetime(2026, 1, 6, 0, 0, tzinfo=UTC)


def test_a_cron_expression_keeps_its_local_hour_across_a_daylight_saving_change() -> None:
    spec = parse_schedule("0 6 * * *", "Europe/Madrid")
    # Madrid moves from UTC+1 to UTC+2 in the night of 29 March 2026.
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    sunday = spec.next_after(saturday)
    assert sunday == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)  # 6:00 summer time
    assert spec.next_after(datetime(2026, 3, 27, 12, 0, tzinfo=UTC)).hour == 5  # 6:00 winter


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("* * *", "has 3 fields; a cron expression has 5"),
        ("* * * * * *", "has 6 fields"),
        ("61 * * * *", "Bad minute"),
        ("0 0 30 2 *", "Bad day-of-month"),
        ("@reboot", "unknown cron macro"),
        ("every fortnight", "is not an interval"),
        ("every 5 weeks", "unknown unit 'weeks'"),
        ("every 30s", "shortest allowed interval is 60 s"),
        ("0", "shortest allowed interval"),
    ],
)
def test_a_schedule_that_does_not_parse_is_refused_with_the_reason(given: str, reason: str) -> None:
    with pytest.raises(ScheduleInvalid, match=reason):
        parse_schedule(given)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ScheduleInvalid, match="unknown time zone 'Mars/Olympus'"):
        parse_schedule("0 6 * * *", "Mars/Olympus")


def test_the_interval_floor_is_a_setting() -> None:
    assert parse_schedule("every 3s", min_interval_s=1).interval_s == 3
