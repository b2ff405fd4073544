"""What the console accepts in request bodies: checked into plain records.

Each `parse_*` takes the decoded JSON and returns a record, or raises
`BodyError` with a message that names the field (never echoes its value).
Pure: no Sanic, SQLAlchemy or Rasa.
"""

import math
import re
from dataclasses import dataclass
from typing import Any, Optional

from bot.channels.checks import MAX_MESSAGE_CHARS, clean_text
from bot.handoff.queue import LANGUAGES, REASONS, RISKS

MAX_CONVERSATION_ID_CHARS = 255
MAX_TRANSCRIPT_TURNS = 50
MAX_EVENTS = 500
MAX_USERNAME_CHARS = 40
MAX_PASSWORD_CHARS = 256
COUNTRY = re.compile(r"[A-Za-z]{2,3}")
CHANNEL = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
OUTCOME = re.compile(r"[a-z][a-z0-9_]{0,39}")


class BodyError(ValueError):
    """A request body is not acceptable; the message says which field."""


@dataclass(frozen=True)
class Line:
    """A transcript line sent by the Rasa side."""

    sender: str
    text: str
    at: float


@dataclass(frozen=True)
class CreateRequest:
    """`POST /internal/handoffs`."""

    conversation_id: str
    language: Optional[str]
    country: Optional[str]
    channel: Optional[str]
    risk: str
    reason: str
    transcript: tuple[Line, ...]


@dataclass(frozen=True)
class EventIn:
    """One event of `POST /internal/events`."""

    conversation_id: str
    sender: str
    text: str
    at: float
    risk: Optional[str]
    language: Optional[str]
    staff: bool


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BodyError("the body must be a JSON object")
    return data


def conversation_id(value: Any, name: str = "conversation_id") -> str:
    """A checked conversation id."""
    if not isinstance(value, str) or not value.strip():
        raise BodyError(f"'{name}' must be a non-empty string")
    if len(value) > MAX_CONVERSATION_ID_CHARS:
        raise BodyError(f"'{name}' is longer than {MAX_CONVERSATION_ID_CHARS} chars")
    return value


def _optional(
    data: dict[str, Any], name: str, pattern: "re.Pattern[str]", what: str
) -> Optional[str]:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise BodyError(f"'{name}' must be {what} or null")
    return value


def language(value: Any, name: str = "language") -> Optional[str]:
    """A language code of the six, or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value.lower() not in LANGUAGES:
        raise BodyError(f"'{name}' must be one of {', '.join(LANGUAGES)} or null")
    return value.lower()


def _choice(
    data: dict[str, Any], name: str, choices: tuple[str, ...], default: str
) -> str:
    value = data.get(name, default)
    if value is None:
        value = default
    if value not in choices:
        raise BodyError(f"'{name}' must be one of {', '.join(choices)}")
    return str(value)


def _time(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BodyError(f"'{name}' must be a number (epoch seconds)")
    if not math.isfinite(value) or value < 0:
        raise BodyError(f"'{name}' must be a finite, positive number")
    return float(value)


def _text(value: Any, name: str, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise BodyError(f"'{name}' must be a string")
    if len(value) > MAX_MESSAGE_CHARS:
        raise BodyError(f"'{name}' must be at most {MAX_MESSAGE_CHARS} characters")
    cleaned = clean_text(value)
    if not allow_empty and not cleaned.strip():
        raise BodyError(f"'{name}' must not be empty")
    return cleaned


def parse_create(data: Any) -> CreateRequest:
    """Check a `POST /internal/handoffs` body.

    Raises:
        BodyError: A field is missing or malformed.
    """
    body = _object(data)
    turns = body.get("transcript") or []
    if not isinstance(turns, list):
        raise BodyError("'transcript' must be a list")
    if len(turns) > MAX_TRANSCRIPT_TURNS:
        raise BodyError(f"'transcript' may have at most {MAX_TRANSCRIPT_TURNS} turns")
    lines = []
    for index, turn in enumerate(turns):
        where = f"transcript[{index}]"
        if not isinstance(turn, dict):
            raise BodyError(f"'{where}' must be an object")
        sender = turn.get("sender")
        if sender not in ("user", "bot"):
            raise BodyError(f"'{where}.sender' must be 'user' or 'bot'")
        lines.append(
            Line(
                sender=str(sender),
                text=_text(turn.get("text"), f"{where}.text"),
                at=_time(turn.get("at"), f"{where}.at"),
            )
        )
    return CreateRequest(
        conversation_id=conversation_id(body.get("conversation_id")),
        language=language(body.get("language")),
        country=(_optional(body, "country", COUNTRY, "a country code") or "").upper()
        or None,
        channel=_optional(body, "channel", CHANNEL, "a channel name"),
        risk=_choice(body, "risk", RISKS, "none"),
        reason=_choice(body, "reason", REASONS, "request_human"),
        transcript=tuple(lines),
    )


def parse_cancel(data: Any) -> str:
    """The conversation id of a `POST /internal/handoffs/cancel` body.

    Raises:
        BodyError: Missing or malformed.
    """
    return conversation_id(_object(data).get("conversation_id"))


def _is_staff(event: dict[str, Any]) -> bool:
    metadata = event.get("metadata")
    if event.get("staff") is True:
        return True
    return isinstance(metadata, dict) and metadata.get("handoff") == "staff"


def parse_events(data: Any) -> list[EventIn]:
    """Check a `POST /internal/events` body.

    Raises:
        BodyError: A field is missing or malformed (the whole batch is refused).
    """
    events = _object(data).get("events")
    if not isinstance(events, list):
        raise BodyError("'events' must be a list")
    if len(events) > MAX_EVENTS:
        raise BodyError(f"'events' may have at most {MAX_EVENTS} items")
    parsed = []
    for index, event in enumerate(events):
        where = f"events[{index}]"
        if not isinstance(event, dict):
            raise BodyError(f"'{where}' must be an object")
        kind = event.get("type")
        if kind not in ("user", "bot"):
            raise BodyError(f"'{where}.type' must be 'user' or 'bot'")
        risk = event.get("risk")
        if risk is not None and risk not in RISKS:
            raise BodyError(f"'{where}.risk' must be one of {', '.join(RISKS)}")
        text = event.get("text")
        parsed.append(
            EventIn(
                conversation_id=conversation_id(
                    event.get("conversation_id"), f"{where}.conversation_id"
                ),
                sender=str(kind),
                text=_text("" if text is None else text, f"{where}.text"),
                at=_time(event.get("at"), f"{where}.at"),
                risk=risk,
                language=language(event.get("language"), f"{where}.language"),
                staff=_is_staff(event),
            )
        )
    return parsed


def parse_login(data: Any) -> tuple[str, str]:
    """(username, password) of a `POST /api/login` body.

    Raises:
        BodyError: Missing or not strings.
    """
    body = _object(data)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not username.strip():
        raise BodyError("'username' must be a non-empty string")
    if not isinstance(password, str) or not password:
        raise BodyError("'password' must be a non-empty string")
    if len(username) > MAX_USERNAME_CHARS or len(password) > MAX_PASSWORD_CHARS:
        raise BodyError("'username' or 'password' is too long")
    return username.strip().lower(), password


def parse_message(data: Any) -> str:
    """The text of a `POST /api/handoffs/{id}/messages` body.

    Raises:
        BodyError: Missing, empty or longer than the channels accept.
    """
    return _text(_object(data).get("text"), "text", allow_empty=False).strip()


def parse_close(data: Any) -> str:
    """The outcome code of a `POST /api/handoffs/{id}/close` body.

    Raises:
        BodyError: Missing or not a code (the service checks it is known).
    """
    outcome = _object(data).get("outcome")
    if not isinstance(outcome, str) or not OUTCOME.fullmatch(outcome):
        raise BodyError("'outcome' must be an outcome code (GET /api/outcomes)")
    return outcome


def parse_transfer(data: Any) -> tuple[Optional[str], Optional[str]]:
    """(to, language) of a `POST /api/handoffs/{id}/transfer` body.

    `to` is a username or null (back to the queue); `language` optionally
    moves it to another language's queue.

    Raises:
        BodyError: Malformed fields.
    """
    body = _object(data)
    if "to" not in body and "language" not in body:
        raise BodyError("give 'to' (a username or null) and/or 'language'")
    to = body.get("to")
    if to is not None and (
        not isinstance(to, str) or not to.strip() or len(to) > MAX_USERNAME_CHARS
    ):
        raise BodyError("'to' must be a username or null")
    return (to.strip().lower() if to else None), language(body.get("language"))
