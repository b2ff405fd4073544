"""When staff answer: parse HANDOFF_HOURS and tell whether it is within hours.

`HANDOFF_HOURS` is "24/7" or windows separated by ";", each days then times:
"Mon-Fri 08:00-20:00; Sat 09:00-13:00". Days are three-letter English names,
ranges ("Mon-Fri", also across the week end: "Fri-Mon"), lists ("Mon,Wed")
or "daily"; several time spans may follow, separated by commas
("Mon-Fri 08:00-12:00,13:00-17:00"); "24:00" is the end of the day and a
span that ends before it starts runs past midnight into the next day. Times
are local to `HANDOFF_TIMEZONE`. The windows reuse bot/content/opening.py's
`Schedule`; the clock is passed in. Pure: no Sanic, SQLAlchemy or Rasa.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.content.opening import (
    ALWAYS,
    DAYS,
    MINUTES_PER_DAY,
    Availability,
    OpeningError,
    Schedule,
    Window,
    local_time,
    time_zone,
)

__all__ = ["OpeningError", "parse_hours", "time_zone", "within_hours"]


def _day(name: str, text: str) -> int:
    key = name.strip().lower()[:3]
    if len(name.strip()) < 3 or key not in DAYS:
        raise OpeningError(f"HANDOFF_HOURS '{text}': unknown day '{name.strip()}'")
    return DAYS.index(key)


def _days(spec: str, text: str) -> frozenset[int]:
    if spec.strip().lower() == "daily":
        return frozenset(range(7))
    days: set[int] = set()
    for part in spec.split(","):
        first, dash, last = part.partition("-")
        start = _day(first, text)
        if not dash:
            days.add(start)
            continue
        end = _day(last, text)
        length = (end - start) % 7
        days.update((start + step) % 7 for step in range(length + 1))
    return frozenset(days)


def _minute(value: str, text: str) -> int:
    hours, colon, minutes = value.strip().partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise OpeningError(f"HANDOFF_HOURS '{text}': '{value.strip()}' is not HH:MM")
    total = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or total > MINUTES_PER_DAY:
        raise OpeningError(
            f"HANDOFF_HOURS '{text}': '{value.strip()}' is not a time of day"
        )
    return total


def _spans(spec: str, days: frozenset[int], text: str) -> list[Window]:
    windows: list[Window] = []
    for span in spec.split(","):
        start_text, dash, end_text = span.partition("-")
        if not dash:
            raise OpeningError(f"HANDOFF_HOURS '{text}': '{span}' is not HH:MM-HH:MM")
        start, end = _minute(start_text, text), _minute(end_text, text)
        if start == end:
            raise OpeningError(f"HANDOFF_HOURS '{text}': '{span.strip()}' is empty")
        if start < end:
            windows.append(Window(days, start, end))
            continue
        # Past midnight: the rest of the day, then the next morning.
        windows.append(Window(days, start, MINUTES_PER_DAY))
        if end > 0:
            windows.append(Window(frozenset((d + 1) % 7 for d in days), 0, end))
    return windows


def parse_hours(text: str) -> Schedule:
    """The schedule a HANDOFF_HOURS value describes (see the module docstring).

    Raises:
        OpeningError: The value is empty or malformed; the message says where.
    """
    if text.strip().lower() in ("24/7", "always"):
        return ALWAYS
    windows: list[Window] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        days_spec, _, times_spec = part.strip().partition(" ")
        if not times_spec.strip():
            raise OpeningError(f"HANDOFF_HOURS '{text}': '{part.strip()}' needs times")
        days = _days(days_spec, text)
        windows.extend(_spans(times_spec.replace(" ", ""), days, text))
    if not windows:
        raise OpeningError("HANDOFF_HOURS is empty: use '24/7' or days and times")
    return Schedule(windows=tuple(windows))


def within_hours(schedule: Schedule, zone: ZoneInfo, now: datetime) -> bool:
    """Whether staff answer at that instant.

    Args:
        schedule: From `parse_hours`.
        zone: The console's time zone (`time_zone(settings.handoff_timezone)`).
        now: An aware datetime.
    """
    availability = schedule.availability(local_time(now, zone))
    return availability in (Availability.ALWAYS, Availability.OPEN_NOW)
