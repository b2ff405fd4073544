"""The pure decision: which fallback, if any, after a custom action."""

import pytest

from bot.policies.failure import (
    ACTION_LISTEN,
    Decision,
    Fallback,
    Fallbacks,
    Recent,
    decide,
)

CUSTOM = (
    "action_respond_to_crisis",
    "action_delete_conversation",
    "action_show_helplines",
)
FALLBACKS = Fallbacks.from_config(
    {
        "action_respond_to_crisis": {
            "response": "utter_crisis_fallback",
            "slots": {"crisis": "active"},
        },
        "action_delete_conversation": {"response": "utter_delete_failed"},
    },
    "utter_action_failed",
)


def test_a_failed_crisis_action_gets_the_crisis_fallback_and_keeps_crisis_mode() -> (
    None
):
    decision = decide(
        Recent("action_respond_to_crisis", False, True), CUSTOM, FALLBACKS
    )
    assert decision == Decision("utter_crisis_fallback", {"crisis": "active"})


def test_a_failed_deletion_says_so() -> None:
    decision = decide(
        Recent("action_delete_conversation", False, True), CUSTOM, FALLBACKS
    )
    assert decision == Decision("utter_delete_failed", {})


def test_any_other_failed_custom_action_gets_the_general_fallback() -> None:
    decision = decide(Recent("action_show_helplines", False, True), CUSTOM, FALLBACKS)
    assert decision == Decision("utter_action_failed", {})


@pytest.mark.parametrize(
    "response", ["utter_crisis_fallback", "utter_delete_failed", "utter_action_failed"]
)
def test_after_a_fallback_response_the_bot_listens(response: str) -> None:
    assert decide(Recent(response, True, True), CUSTOM, FALLBACKS) == Decision(
        ACTION_LISTEN
    )


@pytest.mark.parametrize(
    "recent",
    [
        # the action ran: its messages or slots follow it
        Recent("action_respond_to_crisis", True, True),
        # a response or a default action, not a custom action
        Recent("utter_greet", False, True),
        Recent("action_listen", False, True),
        Recent("action_session_start", False, True),
        # a story replayed by `rasa test` has no bot messages at all
        Recent("action_respond_to_crisis", False, False),
        Recent(None, False, True),
    ],
)
def test_nothing_to_say_otherwise(recent: Recent) -> None:
    assert decide(recent, CUSTOM, FALLBACKS) is None


def test_the_config_needs_utter_responses() -> None:
    with pytest.raises(ValueError):
        Fallbacks.from_config({"action_x": {"response": "action_y"}}, "utter_z")
    with pytest.raises(ValueError):
        Fallbacks.from_config({}, "nothing")
    assert FALLBACKS.by_action["action_delete_conversation"] == Fallback(
        "utter_delete_failed", {}
    )
