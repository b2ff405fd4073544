"""Safety actions: the conversation around a crisis, which always comes first.

`action_respond_to_crisis` runs for `crisis_self_harm` and `immediate_danger`
whatever else is going on, and for the replies that follow while the `crisis`
slot holds a state (data/rules/safety.yml). What it does is decided by
`bot.safety.triage.next_step`: the crisis script, the caring question for an
elevated message, a check-in, or the end of crisis mode after a clear "I'm
safe". With the script and every check-in it also opens an urgent handoff to
the staff console (actions/handoff.py), which never delays or replaces the
numbers. `action_delete_conversation` deletes the conversation the person asked
to erase, checks that none of it remains, and only then says it is deleted.
"""

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import crisis_handoff_line, start_urgent_handoff
from actions.helplines import AWAITING, directory, language_of, send_listing
from bot.erasure import (
    ErasureFailedError,
    action_policy,
    conversation_engine,
    erase_conversation,
)
from bot.safety.phrases import (
    load_reply_words,
    reassuring_expressions,
    uncertain_words,
    unsure_expressions,
)
from bot.safety.triage import CRISIS_INTENTS, Decision, Step, next_step, topic_of
from bot.settings import Settings

CRISIS = "crisis"
CONCERN_TOPIC = "concern_topic"
DANGER_INTENT = "immediate_danger"
CANCEL_INTENT = "cancel_handoff"
CHECK_IN_OPENERS = {
    "not_safe": "utter_crisis_not_safe",
    "unclear": "utter_crisis_unclear",
}


def focus_country_lines(language: str, now: Optional[datetime] = None) -> str:
    """Emergency and crisis numbers of every focus country, one line each.

    See `bot.content.helplines.Directory.focus_country_lines` (shared with the
    crisis fallback that bot.nlg fills when the action server fails): the lines
    open at `now` (the real clock unless given), 24/7 first.
    """
    return directory().focus_country_lines(language, now or datetime.now(timezone.utc))


def send_crisis_lines(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[EventType]:
    """The urgent numbers of the person's country.

    While the country is unknown: those of all five focus countries, with the
    country question.
    """
    language = language_of(tracker)
    country = tracker.get_slot("country")
    if country:
        send_listing(dispatcher, "crisis", country, language)
        return [SlotSet(AWAITING, None)]
    dispatcher.utter_message(
        response="utter_crisis_lines_all", helpline_list=focus_country_lines(language)
    )
    return [SlotSet(AWAITING, "crisis")]


def ranking_of(message: dict[str, Any]) -> list[tuple[str, float]]:
    """The latest message's (intent, confidence) ranking, best first."""
    return [
        (str(r.get("name")), float(r.get("confidence") or 0.0))
        for r in message.get("intent_ranking") or []
    ]


class ActionRespondToCrisis(Action):
    """Answers a crisis and every reply until the person is safe.

    Steps (`bot.safety.triage.Step`):
    - script: care, the numbers, the offer of a person, "Are you safe right now?";
    - ask_concern: for an elevated message, the caring question first;
    - check_in: after "no", "not sure" or anything unclear in crisis mode, the
      numbers again, the offer of a person and the question again;
    - clarify: a bare "yes" to "are you safe?" is asked once more;
    - safe: a clear "I'm safe" ends crisis mode with "I'm glad";
    - concern_cleared: "no" to the caring question returns to the topic the
      message was about (as if asked again), or to the menu.

    With the script and every check-in it also opens an urgent handoff
    (reason crisis, risk high; idempotent on the console's side), started
    before the answer is put together and waited for at most
    `actions.handoff.CRISIS_GRACE_S`: a console that answers in time adds one
    line before the question ("a trained person will join this chat", or
    "nobody is online there right now"); one that is down or slower changes
    nothing in the answer.

    Returns `SlotSet` events for `crisis`, `concern_topic` and
    `awaiting_country`, and `handoff` ("waiting") when the console queued the
    conversation in time; after concern_cleared with a topic, the topic's
    intent as a new user turn so that its rule answers it.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_respond_to_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Decides the step and sends its responses (see class docstring)."""
        message = tracker.latest_message or {}
        intent = str((message.get("intent") or {}).get("name") or "")
        risk = message.get("risk") or ("high" if intent in CRISIS_INTENTS else "none")
        text = str(message.get("text") or "")
        state = tracker.get_slot(CRISIS)
        settings = Settings.from_env()
        book = load_reply_words(settings.data_dir / "safety")
        languages = {language_of(tracker), "en"}
        decision = next_step(
            state,
            intent,
            str(risk),
            text,
            uncertain_words(book, languages),
            reassuring_expressions(book, languages),
            unsure_expressions(book, languages),
        )
        # "cancel" in crisis mode with nothing waiting gets a check-in, never
        # a new request for a person.
        opens_handoff = decision.step in (Step.SCRIPT, Step.CHECK_IN)
        handoff = (
            start_urgent_handoff(tracker, settings)
            if opens_handoff and intent != CANCEL_INTENT
            else None
        )
        # Always set, even unchanged: the rules state the slot after this action.
        events: list[EventType] = [SlotSet(CRISIS, decision.state)]
        return events + await self._act(decision, intent, dispatcher, tracker, handoff)

    async def _act(
        self,
        decision: Decision,
        intent: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        handoff: "Optional[asyncio.Task[Any]]",
    ) -> list[EventType]:
        step = decision.step
        if step == Step.ASK_CONCERN:
            dispatcher.utter_message(response="utter_concern_check")
            return [
                SlotSet(CONCERN_TOPIC, topic_of(ranking_of(tracker.latest_message)))
            ]
        if step == Step.SAFE:
            dispatcher.utter_message(response="utter_crisis_safe")
            return []
        if step == Step.CLARIFY:
            dispatcher.utter_message(response="utter_crisis_clarify")
            dispatcher.utter_message(response="utter_crisis_check")
            return []
        if step == Step.CONCERN_CLEARED:
            dispatcher.utter_message(response="utter_concern_cleared")
            return [SlotSet(CONCERN_TOPIC, None), *self._back_to(tracker, dispatcher)]
        if step == Step.SCRIPT:
            care = (
                "utter_danger_care" if intent == DANGER_INTENT else "utter_crisis_care"
            )
            dispatcher.utter_message(response=care)
        elif decision.reason in CHECK_IN_OPENERS:
            dispatcher.utter_message(response=CHECK_IN_OPENERS[decision.reason])
        events = send_crisis_lines(dispatcher, tracker)
        dispatcher.utter_message(response="utter_crisis_offer_person")
        events += await crisis_handoff_line(handoff, tracker, dispatcher)
        dispatcher.utter_message(response="utter_crisis_check")
        return events

    @staticmethod
    def _back_to(tracker: Tracker, dispatcher: CollectingDispatcher) -> list[EventType]:
        """The topic the elevated message was about, as a new user turn."""
        topic: Optional[str] = tracker.get_slot(CONCERN_TOPIC)
        if not topic:
            dispatcher.utter_message(response="utter_menu")
            return []
        parse: dict[str, Any] = {
            "intent": {"name": topic, "confidence": 1.0},
            "entities": [],
            "risk": "none",
            "language": (tracker.latest_message or {}).get("language"),
        }
        return [ActionExecuted("action_listen"), UserUttered(None, parse_data=parse)]


def erase_stored_conversation(settings: Settings, sender_id: str) -> int:
    """Delete and verify one conversation in the tracker database (blocking).

    Raises:
        ErasureFailedError: It could not be deleted, or rows of it remain.
    """
    policy = action_policy(settings)
    engine = conversation_engine(settings, policy.busy_timeout)
    try:
        return erase_conversation(engine, sender_id, policy)
    finally:
        engine.dispose()


class ActionDeleteConversation(Action):
    """Erases the conversation after the person confirmed "delete my chat".

    Runs after `utter_confirm_delete` and `affirm`. Deletes every stored event of
    the conversation from the tracker database (bot/erasure.py, in a worker
    thread, with retries within the action timeout), checks that none remains,
    and only then sends `utter_deleted`; the tracker store then writes nothing
    of this turn. If the deletion or the check fails it sends
    `utter_delete_failed` and the turn is stored as usual. Returns no events.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_delete_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Deletes, verifies, and says which of the two happened."""
        try:
            await asyncio.to_thread(
                erase_stored_conversation, Settings.from_env(), tracker.sender_id
            )
        except Exception as error:  # whatever failed, nothing is confirmed
            logging.getLogger(__name__).error(
                "Erasure failed: %s",
                error
                if isinstance(error, ErasureFailedError)
                else type(error).__name__,
            )
            dispatcher.utter_message(response="utter_delete_failed")
            return []
        dispatcher.utter_message(response="utter_deleted")
        return []
