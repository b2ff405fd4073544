"""What of a conversation reaches the staff console: redacted text, nothing else.

`recent_turns` is the transcript sent with a new handoff (the last turns of
the tracker's events); `console_event` turns one event the Rasa event broker
publishes into the item `POST /internal/events` takes. Both redact every text
with `bot.safety.redact.redact` (as the tracker store does) and keep no
metadata: no channel identifier, no parse details. Texts are cut to the
length a channel accepts (the console refuses longer ones, and redaction may
lengthen a text slightly); language codes are ours only. Pure: must not import
Rasa.
"""

from collections.abc import Iterable, Mapping
from typing import Any, Optional

from bot.channels.checks import MAX_MESSAGE_CHARS
from bot.languages import CODES
from bot.safety.redact import redact

#: At most this many messages go with a new handoff.
TRANSCRIPT_TURNS = 20
RISKS = ("none", "elevated", "high")
#: Bot messages with this metadata were written by a staff member.
STAFF_MARK = ("handoff", "staff")


def redacted(text: str) -> str:
    """A text as the console gets it: redacted, at most `MAX_MESSAGE_CHARS` long."""
    return redact(text)[:MAX_MESSAGE_CHARS]


def is_button_payload(text: str, intent: Optional[str]) -> bool:
    """Whether a user text is a button's payload ("/request_human", ...).

    Args:
        text: The text of a user event.
        intent: The intent the message was given.

    Returns:
        True for "/<intent>" optionally followed by its entities in braces.
    """
    stripped = text.strip()
    if not stripped.startswith("/") or not intent:
        return False
    name = stripped[1:].split("{", 1)[0].strip()
    return name == intent


def _intent(event: Mapping[str, Any]) -> Optional[str]:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    name = intent.get("name") if isinstance(intent, Mapping) else None
    return str(name) if name else None


def _text(event: Mapping[str, Any]) -> Optional[str]:
    """The event's text if a person would see it as a message."""
    text = event.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    if event.get("event") == "user" and is_button_payload(text, _intent(event)):
        return None
    return text


def _at(event: Mapping[str, Any]) -> float:
    try:
        return float(event.get("timestamp") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def is_staff_message(event: Mapping[str, Any]) -> bool:
    """Whether a bot event carries the console's staff mark in its metadata."""
    metadata = event.get("metadata")
    key, value = STAFF_MARK
    return isinstance(metadata, Mapping) and metadata.get(key) == value


def recent_turns(
    events: Iterable[Mapping[str, Any]], limit: int = TRANSCRIPT_TURNS
) -> list[dict[str, Any]]:
    """The last messages of a conversation, redacted, oldest first.

    Args:
        events: A tracker's events as dicts (rasa_sdk's `tracker.events`).
        limit: At most this many messages.

    Returns:
        `{"sender": "user" | "bot", "text": <redacted>, "at": <epoch s>}` for
        each user and bot message with text; button payloads and messages
        without text (external events, images) are left out.
    """
    turns = []
    for event in events:
        kind = event.get("event")
        if kind not in ("user", "bot"):
            continue
        text = _text(event)
        if text is None:
            continue
        turns.append({"sender": kind, "text": redacted(text), "at": _at(event)})
    return turns[-limit:] if limit > 0 else []


def _language(parse: Mapping[str, Any]) -> Optional[str]:
    """The language code (one of ours) the detector decided on, if any."""
    detected = parse.get("language")
    if not isinstance(detected, Mapping) or detected.get("code") not in CODES:
        return None
    if detected.get("decided") is False:
        return None
    return str(detected["code"])


def console_event(body: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """The `/internal/events` item for one published tracker event, or None.

    Args:
        body: What Rasa's tracker store publishes: the event as a dict plus
            "sender_id".

    Returns:
        For a user message: conversation id, type "user", redacted text, time,
        and the message's "risk" and decided language code when present; for
        a bot message not written by staff: the same without risk and
        language. None for every other event and for messages without text.
    """
    kind = body.get("event")
    sender = body.get("sender_id")
    if kind not in ("user", "bot") or not isinstance(sender, str):
        return None
    if kind == "bot" and is_staff_message(body):
        return None
    text = _text(body)
    if text is None:
        return None
    item: dict[str, Any] = {
        "conversation_id": sender,
        "type": kind,
        "text": redacted(text),
        "at": _at(body),
    }
    if kind == "user":
        parse = body.get("parse_data") or {}
        if isinstance(parse, Mapping):
            risk = parse.get("risk")
            if risk in RISKS:
                item["risk"] = risk
            language = _language(parse)
            if language:
                item["language"] = language
    return item
