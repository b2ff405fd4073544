"""Opening hours of a helpline: parse them and say whether a line is open now.

`open:` in data/helplines.yml is one of
  - "24/7": the verified source says the line answers around the clock;
  - "unstated": the source gives no hours (we do not guess; emergency numbers
    of several countries are like this);
  - a list of windows in the country's local time, each
    {days: daily | [mon, tue, ...], from: "HH:MM", to: "HH:MM"} ("24:00" is
    midnight at the end of the day; a window does not cross midnight).
The clock is always passed in (`now`, an aware datetime), so every hour of a
week can be tested. Pure: must not import Rasa.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Optional
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60


class OpeningError(ValueError):
    """An `open:` value or a time zone is malformed; the message says why."""


class Availability(Enum):
    """What the data says about a line at one moment, best first."""

    ALWAYS = 0  # verified 24/7
    OPEN_NOW = 1  # limited hours, open at that moment
    UNSTATED = 2  # the source gives no hours
    CLOSED = 3  # limited hours, closed at that moment


@dataclass(frozen=True)
class Window:
    """Days of the week and a time span (minutes after local midnight)."""

    days: frozenset[int]
    start: int
    end: int

    def contains(self, local: datetime) -> bool:
        """Whether a local time falls in this window."""
        minute = local.hour * 60 + local.minute
        return local.weekday() in self.days and self.start <= minute < self.end


@dataclass(frozen=True)
class Schedule:
    """When a line answers: always, at stated windows, or not stated."""

    always: bool = False
    windows: tuple[Window, ...] = ()

    @property
    def stated(self) -> bool:
        """Whether the source says when the line answers."""
        return self.always or bool(self.windows)

    @property
    def limited(self) -> bool:
        """Whether the line answers only at some hours."""
        return bool(self.windows)

    def availability(self, local: datetime) -> Availability:
        """The line's availability at a local time of its country."""
        if self.always:
            return Availability.ALWAYS
        if not self.windows:
            return Availability.UNSTATED
        if any(window.contains(local) for window in self.windows):
            return Availability.OPEN_NOW
        return Availability.CLOSED


ALWAYS = Schedule(always=True)
UNSTATED = Schedule()


def _minutes(value: Any, where: str) -> int:
    text = str(value)
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise OpeningError(f"{where}: time '{text}' is not HH:MM")
    minutes = int(parts[0]) * 60 + int(parts[1])
    if int(parts[1]) > 59 or minutes > MINUTES_PER_DAY:
        raise OpeningError(f"{where}: time '{text}' is not a time of day")
    return minutes


def _days(value: Any, where: str) -> frozenset[int]:
    if value == "daily":
        return frozenset(range(7))
    if isinstance(value, list) and value and all(d in DAYS for d in value):
        return frozenset(DAYS.index(d) for d in value)
    raise OpeningError(f"{where}: days must be 'daily' or a list of {DAYS}")


def parse_schedule(raw: Any, where: str) -> Schedule:
    """Read an `open:` value (see the module docstring).

    Raises:
        OpeningError: When the value is not one of the accepted forms.
    """
    if raw == "24/7":
        return ALWAYS
    if raw == "unstated":
        return UNSTATED
    if not isinstance(raw, list) or not raw:
        raise OpeningError(f"{where}: expected '24/7', 'unstated' or windows")
    windows = []
    for i, item in enumerate(raw):
        at = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            raise OpeningError(f"{at}: a window needs days, from and to")
        start = _minutes(item.get("from"), at)
        end = _minutes(item.get("to"), at)
        if end <= start:
            raise OpeningError(f"{at}: 'to' must be after 'from' the same day")
        windows.append(Window(_days(item.get("days"), at), start, end))
    return Schedule(windows=tuple(windows))


def time_zone(name: Any, where: str) -> ZoneInfo:
    """The IANA time zone of that name.

    Raises:
        OpeningError: When the name is not a known time zone.
    """
    try:
        return ZoneInfo(str(name))
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise OpeningError(f"{where}: unknown time zone '{name}'") from error


def local_time(now: datetime, zone: Optional[ZoneInfo]) -> datetime:
    """An aware instant as local time in a zone (unchanged without a zone).

    Raises:
        ValueError: When `now` has no time zone (a naive clock would silently
            be read as local time of the machine).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime (e.g. in UTC)")
    return now.astimezone(zone) if zone is not None else now
