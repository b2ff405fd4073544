"""Which turns the staff console needs: decided once per turn, sent as a header.

The console keeps the messages of conversations with an open handoff and drops
the others (`ConsoleService.events`). Redacting, sending and looking up the
ones it drops cost both processes CPU on every turn of every conversation, so
the tracker store (bot/stores.py) decides per turn, from the tracker it holds
anyway, whether the console may need the turn, and marks each published
event with a header (`headers_for`); the console's event broker
(bot/handoff/broker.py) drops an event marked "skip" before any work
(`skips`). The decision reads only the stored conversation, so every replica
decides alike: a handoff opened on one replica is forwarded by the next.

A turn is forwarded when any of these holds (else skipped):

- the `handoff` slot is set after the turn (waiting, active, or any value);
- the turn set the `handoff` slot (a handoff began or ended in it);
- the `crisis` slot holds anything but "concern": crisis mode opens urgent
  handoffs in the background, and a console answering after the crisis
  answer leaves the `handoff` slot unset;
- an action that asks the console for a person (`ASKING_ACTIONS`) ran in the
  conversation's current session: the console may hold a handoff the slot
  does not show (a reply that came after the client's timeout);
- a message of the turn has an elevated or high risk (it makes an open
  handoff urgent).

When unsure, forward: an event published without the header (Rasa's
exporter, tests, another tracker store) is forwarded, and the console still
drops what it does not need. Pure: must not import Rasa.
"""

from collections.abc import Iterable, Mapping
from typing import Any, Optional

from bot.handoff.queue import makes_urgent
from bot.safety.triage import CONCERN

#: The header on every event the tracker store publishes, and its values.
HEADER = "console"
FORWARD = "forward"
SKIP = "skip"
#: Slots read (domain.yml).
HANDOFF_SLOT = "handoff"
CRISIS_SLOT = "crisis"
#: Actions that ask the console to open a handoff (actions/handoff.py,
#: actions/safety.py).
ASKING_ACTIONS = frozenset({"action_request_human", "action_respond_to_crisis"})


def _turn_needs(body: Mapping[str, Any]) -> bool:
    """Whether one published event of the turn makes the console need it."""
    kind = body.get("event")
    if kind == "slot":
        return body.get("name") == HANDOFF_SLOT
    if kind == "user":
        parse = body.get("parse_data")
        return isinstance(parse, Mapping) and makes_urgent(parse.get("risk"))
    if kind == "action":
        return body.get("name") in ASKING_ACTIONS
    return False


def console_needs_turn(
    handoff: Any,
    crisis: Any,
    turn: Iterable[Mapping[str, Any]],
    session_actions: Iterable[Optional[str]],
) -> bool:
    """Whether the console may need a turn's events (module docstring).

    Args:
        handoff: The `handoff` slot after the turn.
        crisis: The `crisis` slot after the turn.
        turn: The turn's events as published (`sender_id` plus the event's
            `as_dict()`).
        session_actions: Names of the actions run in the conversation's
            current session, this turn's included; read only when nothing
            else decided (it may be long).

    Returns:
        False only when no handoff can be open or pending for the
        conversation; True otherwise.
    """
    if handoff is not None:
        return True
    if crisis is not None and crisis != CONCERN:
        return True
    if any(_turn_needs(body) for body in turn):
        return True
    return any(name in ASKING_ACTIONS for name in session_actions)


def headers_for(needed: bool) -> dict[str, str]:
    """The headers published with a turn's events."""
    return {HEADER: FORWARD if needed else SKIP}


def skips(headers: Optional[Mapping[str, Any]]) -> bool:
    """Whether published headers say the console does not need the event.

    Only an explicit "skip" does: no headers, or any other value, forwards.
    """
    return headers is not None and headers.get(HEADER) == SKIP
