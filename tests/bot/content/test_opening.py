"""Opening hours: a crisis list always has a line open at that moment.

The clock is an argument, so these tests walk every quarter hour of a week and
let hypothesis pick any instant; the real helpline file is used throughout.
"""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.helplines import FOCUS_COUNTRIES, Directory, load_directory
from bot.content.opening import (
    ALWAYS,
    UNSTATED,
    Availability,
    OpeningError,
    Schedule,
    Window,
    local_time,
    parse_schedule,
    time_zone,
)
from bot.languages import CODES
from bot.settings import ROOT

UTC = timezone.utc
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday, 00:00 UTC
WEEK = [MONDAY + timedelta(minutes=15 * i) for i in range(7 * 24 * 4)]
KNOWN_OPEN = (Availability.ALWAYS, Availability.OPEN_NOW)


@pytest.fixture(scope="module")
def book() -> Directory:
    return load_directory(
        ROOT / "data" / "helplines.yml", ROOT / "data" / "translations"
    )


def open_lines(book: Directory, country: str, now: datetime, services: list) -> list:
    return [s for s in services if book.availability(country, s, now) in KNOWN_OPEN]


def check_list(book: Directory, country: str, now: datetime, services: list) -> None:
    """The properties every crisis list must have at `now`."""
    states = [book.availability(country, s, now) for s in services]
    assert Availability.CLOSED not in states, (country, now)
    assert open_lines(book, country, now, services), (country, now, services)
    support = [
        state
        for s, state in zip(services, states, strict=True)
        if s.kind != "emergency"
    ]
    assert support == sorted(support, key=lambda state: state.value), (country, now)
    for service in services:
        if service.schedule.limited:
            for code in CODES:
                assert service.hours_text(code), (service.id, code)


def test_every_quarter_hour_of_a_week_has_an_open_line_everywhere(
    book: Directory,
) -> None:
    for now in WEEK:
        for country in FOCUS_COUNTRIES:
            check_list(book, country, now, book.focus_services(country, now))
            check_list(book, country, now, book.crisis_services(country, now))
        lines = book.focus_country_lines("en", now).splitlines()
        assert len(lines) == len(FOCUS_COUNTRIES)


@settings(max_examples=300, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
    ),
    country=st.sampled_from(FOCUS_COUNTRIES),
)
def test_any_instant_has_an_open_line_in_every_focus_country(
    now: datetime, country: str
) -> None:
    book = load_directory(
        ROOT / "data" / "helplines.yml", ROOT / "data" / "translations"
    )
    check_list(book, country, now, book.focus_services(country, now))
    check_list(book, country, now, book.crisis_services(country, now))


def malaysia_at(book: Directory, hour: int, minute: int = 0) -> str:
    """The all-countries Malaysia line at a Malaysian local time (UTC+8)."""
    local = datetime(
        2026, 11, 26, hour, minute, tzinfo=time_zone("Asia/Kuala_Lumpur", "")
    )
    return book.focus_country_lines("en", local.astimezone(UTC)).splitlines()[1]


def test_talian_heal_is_shown_only_in_its_hours_and_kasih_always(
    book: Directory,
) -> None:
    night = malaysia_at(book, 2)
    assert "15999, WhatsApp 019-261 5999 (24/7)" in night and "15555" not in night
    assert "15555" not in malaysia_at(book, 7, 59)
    for hour, minute in ((8, 0), (13, 0), (23, 59)):
        day = malaysia_at(book, hour, minute)
        assert "15555 (8am to midnight daily, Malaysia time)" in day
        assert day.index("15999") < day.index("15555")
    assert "15555" not in malaysia_at(book, 0, 0)


def test_the_all_countries_list_shows_hours_in_every_language(book: Directory) -> None:
    now = datetime(2026, 11, 26, 3, tzinfo=UTC)  # 11am in Malaysia
    for code in CODES:
        line = book.focus_country_lines(code, now).splitlines()[1]
        heal = next(s for s in book.country_services("MY", ("crisis",)))
        assert f"15555 ({heal.hours_text(code)})" in line, code
        assert "15999, WhatsApp 019-261 5999 (24/7)" in line, code


def test_a_one_country_crisis_list_drops_a_closed_line(book: Directory) -> None:
    midnight = datetime(2026, 11, 26, 16, 30, tzinfo=UTC)  # 00:30 in Malaysia
    ids = [s.id for s in book.crisis_services("MY", midnight)]
    assert ids[0] == "my_emergency"
    assert "my_heal" not in ids and "my_talian_kasih" in ids


def test_schedules_parse_and_answer() -> None:
    assert parse_schedule("24/7", "x") == ALWAYS
    assert parse_schedule("unstated", "x") == UNSTATED
    weekdays = parse_schedule(
        [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:30"}],
        "x",
    )
    assert weekdays.windows == (Window(frozenset(range(5)), 9 * 60, 17 * 60 + 30),)
    friday = datetime(2026, 11, 27, 17, 29)
    assert weekdays.availability(friday) is Availability.OPEN_NOW
    assert weekdays.availability(friday.replace(minute=30)) is Availability.CLOSED
    assert weekdays.availability(datetime(2026, 11, 28, 12)) is Availability.CLOSED
    assert ALWAYS.availability(friday) is Availability.ALWAYS
    assert Schedule().availability(friday) is Availability.UNSTATED


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "24h",
        [],
        [{"days": "daily"}],
        [{"days": "daily", "from": "25:00", "to": "26:00"}],
    ],
)
def test_malformed_schedules_are_refused(raw: object) -> None:
    with pytest.raises(OpeningError):
        parse_schedule(raw, "x")


def test_unknown_zone_and_naive_clock_are_refused() -> None:
    with pytest.raises(OpeningError):
        time_zone("Asia/Atlantis", "x")
    with pytest.raises(ValueError):
        local_time(datetime(2026, 1, 1), time_zone("Asia/Manila", "x"))


def test_a_file_with_limited_hours_loads_with_its_zone(tmp_path: Path) -> None:
    text = """
helplines:
  MY:
    names: {en: Malaysia}
    time_zone: Asia/Kuala_Lumpur
    services:
      - {id: a, name: A, kind: crisis, phone: "1", help: {en: a}, row: r,
         source_url: "https://x.org", last_checked: "2026-11-24",
         open: [{days: daily, from: "08:00", to: "24:00"}], hours: {en: "8 to 12"}}
  INT:
    names: {en: anywhere}
    services:
      - {id: b, name: B, kind: report, url: x.org, help: {en: b}, row: r,
         source_url: "https://x.org", last_checked: "2026-11-24"}
"""
    path = tmp_path / "helplines.yml"
    path.write_text(text, encoding="utf-8")
    book = load_directory(path)
    service = book.country_services("MY", ("crisis",))[0]
    assert book.availability("MY", service, datetime(2026, 1, 1, 0, tzinfo=UTC)) is (
        Availability.OPEN_NOW
    )
    assert book.availability("MY", service, datetime(2026, 1, 1, 16, tzinfo=UTC)) is (
        Availability.CLOSED
    )
    assert service.describe("en") == "• A: 1 (8 to 12). A."
