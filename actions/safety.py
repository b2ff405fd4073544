"""Safety actions: the crisis answer, which always comes first.

`action_respond_to_crisis` runs for `crisis_self_harm` and `immediate_danger`
whatever else is going on (data/rules/safety.yml); `action_delete_conversation`
confirms an erasure the person asked for.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.helplines import AWAITING, directory, language_of, send_listing
from bot.content.helplines import FOCUS_COUNTRIES

DANGER_INTENT = "immediate_danger"


def focus_country_lines(language: str) -> str:
    """Emergency and crisis numbers of every focus country, one line each.

    A country without a crisis line shows its child helpline instead (Vietnam's
    111, Laos's 1554 youth counselling line).
    """
    book = directory()
    lines = []
    for country in FOCUS_COUNTRIES:
        own = book.country_services(country, ("emergency", "crisis"))
        if not any(s.kind == "crisis" for s in own):
            own += book.country_services(country, ("child",))[:1]
        numbers = ", ".join(f"{s.title(language)} {s.phone}" for s in own if s.phone)
        name = book.country_name(country, language)
        lines.append(f"• {name[:1].upper()}{name[1:]}: {numbers}")
    return "\n".join(lines)


class ActionRespondToCrisis(Action):
    """The crisis answer: a caring message, the numbers, and an offer of a person.

    Runs for `crisis_self_harm` and `immediate_danger` in any context. Without a
    country it lists the emergency and crisis numbers of all five focus countries
    at once (no time is lost asking) and remembers to narrow them down once the
    person names their country. Returns a `SlotSet(awaiting_country)` event.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_respond_to_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Sends care, the numbers and the offer (see class docstring)."""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        care = "utter_danger_care" if intent == DANGER_INTENT else "utter_crisis_care"
        dispatcher.utter_message(response=care)
        language = language_of(tracker)
        country = tracker.get_slot("country")
        if country:
            send_listing(dispatcher, "crisis", country, language)
            events: list[EventType] = [SlotSet(AWAITING, None)]
        else:
            dispatcher.utter_message(
                response="utter_crisis_lines_all",
                helpline_list=focus_country_lines(language),
            )
            events = [SlotSet(AWAITING, "crisis")]
        dispatcher.utter_message(response="utter_crisis_offer_person")
        return events


class ActionDeleteConversation(Action):
    """Erases the conversation after the person confirmed "delete my chat".

    Runs after `utter_confirm_delete` and `affirm`. It only confirms: the tracker
    store (bot/stores.py) sees this action and deletes every stored event of the
    conversation, including this turn. Returns no events.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_delete_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Confirms the deletion."""
        dispatcher.utter_message(response="utter_deleted")
        return []
