"""HANDOFF_HOURS: parsing and whether staff answer at a given instant."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import OpeningError, parse_hours, time_zone, within_hours

MANILA = ZoneInfo("Asia/Manila")


def at(text: str) -> datetime:
    """A Manila local time as an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=MANILA).astimezone(timezone.utc)


def test_always() -> None:
    schedule = parse_hours("24/7")
    assert within_hours(schedule, MANILA, at("2026-12-06 03:00"))


def test_weekdays_and_saturday_morning() -> None:
    schedule = parse_hours("Mon-Fri 08:00-20:00; Sat 09:00-13:00")
    assert within_hours(schedule, MANILA, at("2026-12-07 08:00"))  # Monday
    assert within_hours(schedule, MANILA, at("2026-12-07 19:59"))
    assert not within_hours(schedule, MANILA, at("2026-12-07 20:00"))
    assert not within_hours(schedule, MANILA, at("2026-12-07 07:59"))
    assert within_hours(schedule, MANILA, at("2026-12-12 12:30"))  # Saturday
    assert not within_hours(schedule, MANILA, at("2026-12-12 13:00"))
    assert not within_hours(schedule, MANILA, at("2026-12-13 10:00"))  # Sunday


def test_time_zone_matters() -> None:
    schedule = parse_hours("Mon-Fri 08:00-20:00")
    # 01:00 UTC on Monday is 09:00 in Manila, but Sunday 20:00 in New York.
    instant = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
    assert within_hours(schedule, MANILA, instant)
    assert not within_hours(schedule, ZoneInfo("America/New_York"), instant)


def test_lists_wrapping_ranges_and_several_spans() -> None:
    schedule = parse_hours("Fri-Mon 10:00-12:00,14:00-16:00; Wed,Thu 09:00-10:00")
    assert within_hours(schedule, MANILA, at("2026-12-13 11:00"))  # Sunday
    assert within_hours(schedule, MANILA, at("2026-12-07 15:00"))  # Monday
    assert not within_hours(schedule, MANILA, at("2026-12-07 13:00"))
    assert not within_hours(schedule, MANILA, at("2026-12-08 11:00"))  # Tuesday
    assert within_hours(schedule, MANILA, at("2026-12-10 09:30"))  # Thursday


def test_night_span_runs_into_the_next_day() -> None:
    schedule = parse_hours("Fri 22:00-02:00; daily 12:00-24:00")
    assert within_hours(schedule, MANILA, at("2026-12-11 23:00"))  # Friday night
    assert within_hours(schedule, MANILA, at("2026-12-12 01:30"))  # Saturday early
    assert not within_hours(schedule, MANILA, at("2026-12-12 02:00"))
    assert within_hours(schedule, MANILA, at("2026-12-09 23:59"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Mon-Fri",
        "Funday 08:00-10:00",
        "Mon 8-10",
        "Mon 08:00-25:00",
        "Mon 10:00-10:00",
    ],
)
def test_malformed_hours_are_refused(text: str) -> None:
    with pytest.raises(OpeningError):
        parse_hours(text)


def test_unknown_time_zone() -> None:
    with pytest.raises(OpeningError, match="unknown time zone"):
        time_zone("Mars/Olympus", "HANDOFF_TIMEZONE")
