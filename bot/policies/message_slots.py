"""The slots a person's messages set: the pure decision, made inside Rasa.

After each message the conversation's language (`language`, and
`language_chosen` when it was picked explicitly) follows the rules of
`bot.language.choice`, and a country named by a button or typed is kept as
one upper-case code ("ph" -> "PH"). `SlotsPolicy` (bot/policies/slots.py)
applies this inside the Rasa server before the first action of a turn, so no
turn waits for a call to the action server to set them.

Messages that arrived while no action ran (a conversation paused during a
handoff keeps receiving them) are judged one after another, as if each had
had its own turn.

Pure: must not import Rasa.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from bot.language.choice import choose_language

LANGUAGE = "language"
LANGUAGE_CHOSEN = "language_chosen"
COUNTRY = "country"
CHANGE_LANGUAGE = "change_language"


@dataclass(frozen=True)
class MessageFacts:
    """What the slot rules read of one user message.

    Attributes:
        intent: The intent name (None for an event without one).
        text: The message as typed ("" for a button payload or an external event).
        detection: The parse output's `language` ({"code", "confidence", "decided"}).
        requested: The language the message names (`language` entity), if any.
    """

    intent: Optional[str]
    text: str
    detection: Optional[Mapping[str, Any]]
    requested: Optional[str] = None


def facts_of(parse_data: Mapping[str, Any]) -> MessageFacts:
    """The facts of a message from its parse output (Rasa's `parse_data`).

    The requested language is the first `language` entity without a role or
    group, as `next(tracker.get_latest_entity_values("language"))` picks it.
    """
    intent = (parse_data.get("intent") or {}).get("name")
    requested = None
    for entity in parse_data.get("entities") or []:
        if (
            entity.get("entity") == LANGUAGE
            and entity.get("role") is None
            and entity.get("group") is None
        ):
            requested = entity.get("value")
            break
    language = parse_data.get(LANGUAGE)
    return MessageFacts(
        intent=str(intent) if intent else None,
        text=str(parse_data.get("text") or ""),
        detection=language if isinstance(language, Mapping) else None,
        requested=str(requested) if requested is not None else None,
    )


def country_code(value: Any) -> Optional[str]:
    """One upper-case country code: the last of several, None for none."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return str(value).upper() if value else None


def slot_changes(
    slots: Mapping[str, Any], messages: Iterable[MessageFacts]
) -> dict[str, Any]:
    """The slots to set after these messages (only those that change).

    Args:
        slots: The conversation's slots now (`language`, `language_chosen`,
            `country`; missing ones count as unset).
        messages: The messages since the conversation's last action, oldest
            first.

    Returns:
        {slot name: new value}; empty when nothing changes.
    """
    current = slots.get(LANGUAGE)
    chosen = bool(slots.get(LANGUAGE_CHOSEN))
    language, picked = current, chosen
    for message in messages:
        requested = message.requested if message.intent == CHANGE_LANGUAGE else None
        choice = choose_language(
            current=language,
            chosen=picked,
            detection=message.detection,
            text=message.text,
            requested=requested,
        )
        language, picked = choice.language, choice.chosen
    changes: dict[str, Any] = {}
    if language != current:
        changes[LANGUAGE] = language
    if picked != chosen:
        changes[LANGUAGE_CHOSEN] = picked
    country = slots.get(COUNTRY)
    if country is not None and country_code(country) != country:
        changes[COUNTRY] = country_code(country)
    return changes
