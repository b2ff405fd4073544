"""Which turns the console needs: forwarded whenever a handoff may be open or pending."""

from collections.abc import Iterator
from typing import Any, Optional

import pytest

from bot.handoff.forwarding import (
    HEADER,
    console_needs_turn,
    headers_for,
    skips,
)


def user(text: str = "hello", risk: Optional[str] = "none") -> dict[str, Any]:
    parse: dict[str, Any] = {"intent": {"name": "greet"}}
    if risk is not None:
        parse["risk"] = risk
    return {"sender_id": "c", "event": "user", "text": text, "parse_data": parse}


def action(name: str) -> dict[str, Any]:
    return {"sender_id": "c", "event": "action", "name": name}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"sender_id": "c", "event": "slot", "name": name, "value": value}


def bot(text: str = "hi there") -> dict[str, Any]:
    return {"sender_id": "c", "event": "bot", "text": text}


PLAIN_TURN = [
    user(),
    action("utter_greet"),
    bot(),
    slot("language", "en"),
    action("action_listen"),
]
PLAIN_SESSION = ["action_session_start", "action_listen", "utter_greet"]


def needs(
    handoff: Any = None,
    crisis: Any = None,
    turn: Optional[list[dict[str, Any]]] = None,
    session: Optional[list[str]] = None,
) -> bool:
    return console_needs_turn(
        handoff,
        crisis,
        PLAIN_TURN if turn is None else turn,
        PLAIN_SESSION if session is None else session,
    )


def test_a_conversation_never_handed_off_is_skipped() -> None:
    assert needs() is False
    assert needs(turn=[], session=[]) is False


@pytest.mark.parametrize("value", ["waiting", "active", "anything else", 0, False])
def test_any_handoff_slot_value_forwards(value: Any) -> None:
    assert needs(handoff=value) is True


@pytest.mark.parametrize("value", [None, "waiting", "active"])
def test_a_turn_that_sets_the_handoff_slot_forwards(value: Any) -> None:
    # None: the handoff ended in this turn (cancelled, expired, closed).
    assert needs(turn=[*PLAIN_TURN, slot("handoff", value)]) is True


def test_other_slots_set_in_the_turn_do_not_forward() -> None:
    assert needs(turn=[*PLAIN_TURN, slot("country", "PH")]) is False


@pytest.mark.parametrize(
    ("crisis", "forwarded"),
    [
        ("active", True),
        ("resolved", True),
        ("an unknown state", True),
        ("concern", False),
        (None, False),
    ],
)
def test_crisis_mode_forwards_but_the_caring_question_alone_does_not(
    crisis: Optional[str], forwarded: bool
) -> None:
    assert needs(crisis=crisis) is forwarded


@pytest.mark.parametrize("name", ["action_request_human", "action_respond_to_crisis"])
def test_asking_the_console_in_this_session_forwards_every_later_turn(
    name: str,
) -> None:
    # The console may have opened a handoff the slot does not show (its reply
    # came after the client gave up): forwarded for the rest of the session.
    assert needs(session=[*PLAIN_SESSION, name, "action_listen"]) is True
    # ... and the turn that asks, even before the session's actions are read.
    assert needs(turn=[user(), action(name)], session=[]) is True


def test_other_actions_of_the_session_do_not_forward() -> None:
    session = [*PLAIN_SESSION, "action_show_helplines", "action_cancel_handoff"]
    assert needs(session=session) is False


@pytest.mark.parametrize(
    ("risk", "forwarded"),
    [("high", True), ("elevated", True), ("none", False), (None, False)],
)
def test_a_risky_message_forwards(risk: Optional[str], forwarded: bool) -> None:
    assert needs(turn=[user("x", risk), bot()]) is forwarded


def test_a_malformed_user_event_does_not_raise() -> None:
    turn = [{"event": "user", "parse_data": "not a mapping"}, {"no": "event"}]
    assert needs(turn=turn) is False


def test_the_session_is_read_only_when_nothing_else_decided() -> None:
    def exploding() -> Iterator[str]:
        raise AssertionError("the session's actions were read")
        yield "never"

    assert console_needs_turn("waiting", None, PLAIN_TURN, exploding()) is True
    assert console_needs_turn(None, "active", PLAIN_TURN, exploding()) is True
    turn = [*PLAIN_TURN, slot("handoff", None)]
    assert console_needs_turn(None, None, turn, exploding()) is True


def test_only_an_explicit_skip_skips() -> None:
    assert skips(headers_for(False)) is True
    assert skips(headers_for(True)) is False
    assert skips(None) is False
    assert skips({}) is False
    assert skips({HEADER: "something else"}) is False
    assert skips({"other": "skip"}) is False
