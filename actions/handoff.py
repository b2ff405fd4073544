"""Handoff actions: what happens when a person asks for a human.

Until the staff console exists, `action_request_human` says so honestly and
gives the helplines of the person's country, where trained people answer
(asking for the country first when it is unknown).
"""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.helplines import ActionShowHelplines


class ActionRequestHuman(ActionShowHelplines):
    """Points to the helplines' trained people; runs for `request_human`.

    Returns `SlotSet(awaiting_country)` events like `action_show_helplines`.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Says no person is available in this chat, then lists the helplines."""
        dispatcher.utter_message(response="utter_request_human")
        return await super().run(dispatcher, tracker, domain)
