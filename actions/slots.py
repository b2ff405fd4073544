"""Slot extraction that runs after every user message (`action_validate_slot_mappings`).

Fills the custom-mapped slots `language` and `language_chosen` from the parse
output's `language` detection and any requested language, through the pure
rules of bot.language.choice.
"""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction

from bot.language.choice import LanguageChoice, choose_language
from bot.languages import CODES

CHANGE_LANGUAGE = "change_language"


def language_choice(tracker: Tracker) -> LanguageChoice:
    """The conversation's language after the latest message."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    requested = None
    if intent == CHANGE_LANGUAGE:
        requested = next(tracker.get_latest_entity_values("language"), None)
    return choose_language(
        current=tracker.get_slot("language"),
        chosen=bool(tracker.get_slot("language_chosen")),
        detection=message.get("language"),
        text=message.get("text") or "",
        requested=requested,
    )


class ValidateSlotMappings(ValidationAction):
    """Extracts the custom-mapped slots after every user message.

    Returns `SlotSet` events for `language` and `language_chosen`, only when
    they change.
    """

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """The conversation's language and whether it was chosen.

        Both are returned here at once: rasa-sdk shows each extraction to the
        next one, so a separate `extract_language_chosen` would see the new
        language and could not tell that it changed.
        """
        choice = language_choice(tracker)
        changed: dict[str, Any] = {}
        if choice.language != tracker.get_slot("language"):
            changed["language"] = choice.language
        if choice.chosen != bool(tracker.get_slot("language_chosen")):
            changed["language_chosen"] = choice.chosen
        return changed

    async def validate_language(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        """Keeps only our six language codes."""
        return {"language": value if value in CODES else None}

    async def validate_country(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        """Keeps a country code in upper case ("ph" from a button -> "PH")."""
        if isinstance(value, list):  # several countries named: the last one counts
            value = value[-1] if value else None
        return {"country": str(value).upper() if value else None}

    async def validate_language_chosen(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        """A true/false flag."""
        return {"language_chosen": bool(value)}
