"""Language actions: switching language on request.

`action_change_language` runs for `change_language`. The slot itself was already
switched inside the Rasa server (bot/policies/slots.py) before this action
runs, so the confirmation is rendered in the new language.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher


class ActionChangeLanguage(Action):
    """Confirms the new language, or shows the language menu if none was named.

    Returns no events.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Sends the confirmation or the menu."""
        named = next(tracker.get_latest_entity_values("language"), None)
        dispatcher.utter_message(
            response="utter_language_changed" if named else "utter_language_menu"
        )
        return []
