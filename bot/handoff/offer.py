"""Which answer a person gets when they ask for a person, from the console's reply.

Pure: no Rasa, no HTTP. The actions (actions/handoff.py) send what `answer`
decides: response names (texts are in domain.yml and data/translations), the
numbers to fill in, whether the helpline numbers follow, and whether the
conversation now waits for staff (slot `handoff`).
"""

import math
from dataclasses import dataclass, field
from typing import Any, Optional

from bot.handoff.client import HandoffReply

#: Slot values (domain.yml, slot `handoff`).
WAITING = "waiting"
ACTIVE = "active"
#: Up to this wait the person is told "a few minutes".
FEW_MINUTES_S = 5 * 60
#: Beyond this wait the person is told "more than half an hour".
LONG_WAIT_S = 30 * 60
#: Waits in between are rounded up to this many minutes.
MINUTE_STEP = 5
#: Up to this time left the queue time is said in minutes, beyond in hours.
MINUTES_UP_TO_S = 2 * 60 * 60
RISKS = ("none", "elevated", "high")


@dataclass(frozen=True)
class Say:
    """One response to send, with the values of its {placeholders}."""

    response: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """What the person is told after asking for a person.

    Attributes:
        opening: The first message (after `preface`, if any).
        helplines: Whether the helpline numbers of their country follow (all
            five focus countries and the country question while unknown).
        closing: A message after the numbers (the request stays queued...).
        waiting: Whether the conversation now waits for staff (slot
            `handoff` = "waiting"); False leaves the slot as it was.
        preface: A message before the opening (after two messages in a row
            not understood: why a person is looked for).
    """

    opening: Say
    helplines: bool = False
    closing: Optional[Say] = None
    waiting: bool = False
    preface: Optional[Say] = None


def risk_level(crisis: Optional[str], message_risk: Any) -> str:
    """The risk a handoff is opened with.

    Args:
        crisis: The `crisis` slot ("active", "concern", "resolved" or None).
        message_risk: The latest message's "risk" from the NLU.

    Returns:
        "high" in crisis mode or for a high-risk message, "elevated" after the
        caring question or for an elevated message, else "none".
    """
    risk = message_risk if message_risk in RISKS else "none"
    if crisis == "active" or risk == "high":
        return "high"
    if crisis == "concern" or risk == "elevated":
        return "elevated"
    return "none"


def connecting(wait_estimate_s: Optional[int]) -> Say:
    """The "a person will join" message with a rough wait (few, N or many minutes)."""
    if wait_estimate_s is None or wait_estimate_s <= FEW_MINUTES_S:
        return Say("utter_handoff_connecting")
    if wait_estimate_s > LONG_WAIT_S:
        return Say("utter_handoff_connecting_long")
    minutes = math.ceil(wait_estimate_s / 60 / MINUTE_STEP) * MINUTE_STEP
    return Say("utter_handoff_connecting_minutes", {"minutes": minutes})


def queued(expires_in_s: int) -> Say:
    """The "your request stays open" message for the time left, with how to cancel."""
    if expires_in_s <= 0:
        return Say("utter_handoff_still_waiting")
    if expires_in_s <= MINUTES_UP_TO_S:
        return Say(
            "utter_handoff_queued", {"minutes": max(1, round(expires_in_s / 60))}
        )
    return Say("utter_handoff_queued_hours", {"hours": round(expires_in_s / 3600)})


def answer(
    reply: Optional[HandoffReply],
    console_enabled: bool = True,
    reason: str = "request_human",
) -> Answer:
    """The answer to a request for a person.

    Args:
        reply: The console's reply; None when it could not be reached.
        console_enabled: False where no console is run at all.
        reason: Why a person is looked for: "request_human" (asked for) or
            "fallback" (two messages in a row not understood: the answer
            first says so).

    Returns:
        Without a console: the helplines' people (`utter_request_human`) and
        the numbers. Console unreachable: says so, and the numbers. Someone
        can take it: connecting, with the rough wait. Nobody online or outside
        the hours: says which, the numbers, and that the request stays queued
        until it expires.
    """
    preface = Say("utter_handoff_after_fallback") if reason == "fallback" else None
    if not console_enabled:
        return Answer(Say("utter_request_human"), helplines=True, preface=preface)
    if reply is None:
        return Answer(
            Say("utter_handoff_console_down"), helplines=True, preface=preface
        )
    if reply.available:
        return Answer(connecting(reply.wait_estimate_s), waiting=True, preface=preface)
    opening = (
        "utter_handoff_outside_hours"
        if not reply.within_hours
        else "utter_handoff_nobody_online"
    )
    return Answer(
        Say(opening),
        helplines=True,
        closing=queued(reply.expires_in_s),
        waiting=True,
        preface=preface,
    )
