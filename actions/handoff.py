"""Handoff actions: what happens when a person asks for a human.

Until the staff console exists, `action_request_human` says plainly that a
person is reached by phone or chat at a helpline, and lists them at once: the
person's country's helplines when it is known; otherwise the lines of all five
focus countries where a person answers (open at that moment, 24/7 first), then
the country question, so the list narrows once the country is named.
"""

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.helplines import AWAITING, directory, language_of, send_listing


class ActionRequestHuman(Action):
    """Points to the helplines' trained people; runs for `request_human`.

    Returns `SlotSet(awaiting_country)`: "helplines" while the country is
    unknown (so naming it lists that country's helplines), else None.
    """

    def __init__(self, clock: Optional[Callable[[], datetime]] = None) -> None:
        """Create the action (rasa-sdk calls it without arguments).

        Args:
            clock: Returns the current aware time; the real UTC clock unless
                given (tests pass a fixed one).
        """
        super().__init__()
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Says how to reach a person, then lists the helplines at once."""
        language = language_of(tracker)
        country = tracker.get_slot("country")
        dispatcher.utter_message(response="utter_request_human")
        if country:
            send_listing(dispatcher, "helplines", country, language, self._clock())
            return [SlotSet(AWAITING, None)]
        dispatcher.utter_message(
            response="utter_request_human_lines",
            helpline_list=directory().talk_lines(language, self._clock()),
        )
        dispatcher.utter_message(response="utter_ask_country")
        return [SlotSet(AWAITING, "helplines")]
