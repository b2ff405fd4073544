"""Handoff actions: a trained person from the helpline team takes over the chat.

`action_request_human` (on `request_human`, a yes to the offer of a person,
two messages in a row not understood) asks the staff console
(bot/handoff/client.py) to queue the conversation and says what really
happens (bot/handoff/offer.py decides): a person will join, with a rough
wait; or nobody is online / it is outside the hours, so here are the
helpline numbers and the request stays queued until it expires; or the
console cannot be reached, so here are the numbers. `action_cancel_handoff`
takes the person back out of the queue. The console triggers the other four
through Rasa's external events (`EXTERNAL_handoff_*`, data/rules/handoff.yml):
claimed (the bot pauses), unanswered, expired, closed.
`action_respond_to_crisis` (actions/safety.py) opens an urgent handoff with
`start_urgent_handoff` without holding back the crisis numbers.

Where the numbers are listed: the person's country's helplines when it is
known; otherwise the lines of all five focus countries where a person answers
(open at that moment, 24/7 first), then the country question, so the list
narrows once the country is named.
"""

import abc
import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.helplines import AWAITING, send_helplines
from bot.handoff.client import (
    ConsoleClient,
    ConsoleUnavailableError,
    HandoffReply,
    HandoffRequest,
)
from bot.handoff.offer import ACTIVE, WAITING, Answer, Say, answer, risk_level
from bot.handoff.transcript import recent_turns
from bot.settings import Settings

HANDOFF = "handoff"
#: The longest the crisis answer waits for the console's reply (seconds):
#: enough for a console on this machine to answer, too short to be noticed.
#: A slower console changes nothing in the answer; the request goes on.
CRISIS_GRACE_S = 0.25

logger = logging.getLogger(__name__)
# Requests still running after the crisis answer was sent (asyncio keeps only
# weak references to tasks).
_pending: set["asyncio.Task[Optional[HandoffReply]]"] = set()


def handoff_request(tracker: Tracker, reason: str, risk: str) -> HandoffRequest:
    """The request for a conversation: its slots, channel and redacted turns."""
    return HandoffRequest(
        conversation_id=tracker.sender_id,
        language=tracker.get_slot("language"),
        country=tracker.get_slot("country"),
        channel=tracker.get_latest_input_channel(),
        risk=risk,
        reason=reason,
        transcript=recent_turns(tracker.events or []),
    )


async def request_handoff(
    client: ConsoleClient, request: HandoffRequest
) -> Optional[HandoffReply]:
    """Ask the console to queue a conversation; None when it cannot be reached."""
    try:
        return await client.open_handoff(request)
    except ConsoleUnavailableError as error:
        logger.warning(
            "Staff console unreachable (%s): the person gets the helplines.", error
        )
        return None


def say(dispatcher: CollectingDispatcher, message: Say) -> None:
    """Send one response with its values."""
    dispatcher.utter_message(response=message.response, **message.values)


def send_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    decided: Answer,
    now: datetime,
) -> list[EventType]:
    """Send an answer of bot.handoff.offer; the country question comes last.

    Returns:
        `SlotSet(handoff, "waiting")` when the conversation waits for staff,
        and `SlotSet(awaiting_country)` when the numbers were listed.
    """
    events: list[EventType] = []
    if decided.preface is not None:
        say(dispatcher, decided.preface)
    say(dispatcher, decided.opening)
    ask_country = False
    if decided.helplines:
        ask_country = send_helplines(dispatcher, tracker, now)
        events.append(SlotSet(AWAITING, "helplines" if ask_country else None))
    if decided.closing is not None:
        say(dispatcher, decided.closing)
    if ask_country:
        dispatcher.utter_message(response="utter_ask_country")
    if decided.waiting:
        events.append(SlotSet(HANDOFF, WAITING))
    return events


class ConsoleAction(Action, abc.ABC):
    """Base of the handoff actions: the settings, the clock and the console.

    Args:
        clock: Returns the current aware time; the real UTC clock unless
            given (tests pass a fixed one).
        settings: The settings; read from the environment at each run unless
            given (tests pass their own console's).
    """

    def __init__(
        self,
        clock: Optional[Callable[[], datetime]] = None,
        settings: Optional[Settings] = None,
    ) -> None:
        super().__init__()
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._settings = settings

    @abc.abstractmethod
    def name(self) -> str:
        """Unique identifier of the action."""

    def settings(self) -> Settings:
        """The settings of this run."""
        return self._settings or Settings.from_env()

    def console(self) -> ConsoleClient:
        """The client of the console named by the settings."""
        return ConsoleClient.from_settings(self.settings())


class ActionRequestHuman(ConsoleAction):
    """Asks the console for a person and says what really happens.

    Runs for `request_human`, a yes to the offer of a person, and after two
    messages in a row not understood (reason "fallback"). The risk comes from
    the `crisis` slot and the message's "risk". Returns `SlotSet(handoff,
    "waiting")` unless the console could not be reached (or is not run), and
    `SlotSet(awaiting_country)` when the numbers were listed.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Queues the conversation and answers (see class docstring)."""
        settings = self.settings()
        message = tracker.latest_message or {}
        intent = str((message.get("intent") or {}).get("name") or "")
        reason = "fallback" if intent == "nlu_fallback" else "request_human"
        risk = risk_level(tracker.get_slot("crisis"), message.get("risk"))
        reply = None
        if settings.console_enabled:
            reply = await request_handoff(
                self.console(), handoff_request(tracker, reason, risk)
            )
        decided = answer(reply, settings.console_enabled, reason)
        return send_answer(dispatcher, tracker, decided, self._clock())


class ActionCancelHandoff(ConsoleAction):
    """Takes the person out of the queue (`cancel_handoff` while waiting).

    Says they are back with the assistant whatever the console answers (a
    console that cannot be reached cannot connect them either). Returns
    `SlotSet(handoff, None)`.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_cancel_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Cancels the waiting request and says so."""
        if self.settings().console_enabled:
            try:
                await self.console().cancel(tracker.sender_id)
            except ConsoleUnavailableError as error:
                logger.warning("Staff console unreachable (%s) to cancel.", error)
        dispatcher.utter_message(response="utter_handoff_cancelled")
        return [SlotSet(HANDOFF, None)]


class ActionHandoffClaimed(ConsoleAction):
    """A staff member took the conversation (`EXTERNAL_handoff_claimed`).

    Tells the person, then pauses the bot: Rasa predicts nothing for a paused
    conversation (rasa.core.processor `_should_handle_message`), and the pause
    is an event of the tracker, so it survives restarts. Returns
    `SlotSet(handoff, "active")` and `ConversationPaused()`.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_handoff_claimed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Says a person joined and pauses the bot."""
        dispatcher.utter_message(response="utter_handoff_claimed")
        return [SlotSet(HANDOFF, ACTIVE), ConversationPaused()]


class ActionHandoffUnanswered(ConsoleAction):
    """Nobody took the request within the wait (`EXTERNAL_handoff_unanswered`).

    Says so, gives the numbers, and that the request is still queued (with
    how to cancel). Returns `SlotSet(awaiting_country)` and
    `SlotSet(handoff, "waiting")`.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_handoff_unanswered"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Says nobody has taken it yet, with the numbers."""
        decided = Answer(
            Say("utter_handoff_unanswered"),
            helplines=True,
            closing=Say("utter_handoff_still_waiting"),
            waiting=True,
        )
        return send_answer(dispatcher, tracker, decided, self._clock())


class ActionHandoffExpired(ConsoleAction):
    """The request expired unclaimed (`EXTERNAL_handoff_expired`).

    Says so and gives the numbers again. Returns `SlotSet(awaiting_country)`
    and `SlotSet(handoff, None)`.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_handoff_expired"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Says the request was closed unanswered, with the numbers."""
        decided = Answer(Say("utter_handoff_expired"), helplines=True)
        events = send_answer(dispatcher, tracker, decided, self._clock())
        return [*events, SlotSet(HANDOFF, None)]


class ActionHandoffClosed(ConsoleAction):
    """Staff closed the handoff (`EXTERNAL_handoff_closed`, after the resume).

    Says the person has left and the assistant is back. Returns
    `SlotSet(handoff, None)`.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_handoff_closed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Says the assistant is back."""
        dispatcher.utter_message(response="utter_handoff_closed")
        return [SlotSet(HANDOFF, None)]


async def wait_for_pending(timeout: float) -> None:
    """Wait (at most `timeout` seconds) for urgent requests still running."""
    if _pending:
        await asyncio.wait(set(_pending), timeout=timeout)


def start_urgent_handoff(
    tracker: Tracker, settings: Settings
) -> Optional["asyncio.Task[Optional[HandoffReply]]"]:
    """Start opening an urgent handoff (reason crisis, risk high) in the background.

    Idempotent on the console's side: an open handoff is returned (and made
    urgent). The request runs on its own; the crisis answer never waits for
    it longer than `CRISIS_GRACE_S` (see `crisis_handoff_line`).

    Returns:
        The running request, or None where no console is run.
    """
    if not settings.console_enabled:
        return None
    request = handoff_request(tracker, "crisis", "high")
    task = asyncio.ensure_future(
        request_handoff(ConsoleClient.from_settings(settings), request)
    )
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    return task


async def crisis_handoff_line(
    task: Optional["asyncio.Task[Optional[HandoffReply]]"],
    tracker: Tracker,
    dispatcher: CollectingDispatcher,
    grace: float = CRISIS_GRACE_S,
) -> list[EventType]:
    """The line about the urgent handoff inside the crisis answer, if any.

    Only when the conversation was not already waiting and the console
    answered within `grace`: "a trained person will join this chat" (someone
    can take it) or "asked, but nobody is online there right now" (the
    numbers above come first). A console that is down or slower leaves the
    crisis answer exactly as it was.

    Returns:
        `SlotSet(handoff, "waiting")` when the console queued it in time.
    """
    if task is None or tracker.get_slot(HANDOFF) in (WAITING, ACTIVE):
        return []
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        return []
    reply = task.result()
    if reply is None:
        return []
    dispatcher.utter_message(
        response="utter_handoff_crisis_joining"
        if reply.available
        else "utter_handoff_crisis_queued"
    )
    return [SlotSet(HANDOFF, WAITING)]
