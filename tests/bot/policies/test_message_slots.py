"""The slots a message sets (pure rules of bot.policies.message_slots)."""

from typing import Any, Optional

from bot.policies.message_slots import (
    MessageFacts,
    country_code,
    facts_of,
    slot_changes,
)


def said(
    text: str,
    code: Optional[str],
    decided: bool = True,
    confidence: float = 0.99,
    intent: str = "greet",
    requested: Optional[str] = None,
) -> MessageFacts:
    detection = (
        None
        if code is None
        else {"code": code, "confidence": confidence, "decided": decided}
    )
    return MessageFacts(intent, text, detection, requested)


def test_first_message_sets_the_language_even_undecided() -> None:
    changes = slot_changes({}, [said("hi", "en", decided=False, confidence=0.5)])
    assert changes == {"language": "en"}


def test_undecided_message_keeps_vietnamese_and_changes_nothing() -> None:
    changes = slot_changes(
        {"language": "vi", "language_chosen": False},
        [said("ok", "en", decided=False, confidence=0.9)],
    )
    assert changes == {}


def test_change_language_request_sets_and_marks_chosen() -> None:
    changes = slot_changes(
        {"language": "en"},
        [
            said(
                "can we talk in tagalog",
                "en",
                intent="change_language",
                requested="tl",
            )
        ],
    )
    assert changes == {"language": "tl", "language_chosen": True}


def test_a_language_entity_outside_a_change_request_switches_nothing() -> None:
    changes = slot_changes(
        {"language": "en"}, [said("i speak tagalog", "en", requested="tl")]
    )
    assert changes == {}


def test_a_chosen_language_sticks_against_a_short_message() -> None:
    changes = slot_changes(
        {"language": "tl", "language_chosen": True},
        [said("ok thanks", "en", confidence=0.99)],
    )
    assert changes == {}


def test_a_long_message_in_another_language_switches_a_chosen_one() -> None:
    changes = slot_changes(
        {"language": "tl", "language_chosen": True},
        [said("someone is threatening to post my photos online", "en")],
    )
    assert changes == {"language": "en", "language_chosen": False}


def test_messages_received_while_paused_are_judged_in_order() -> None:
    # A conversation held by staff gets messages without turns of their own:
    # each is judged as if it had had one. The last, "ok", alone would keep
    # English; the Tagalog message before it switched the conversation.
    changes = slot_changes(
        {"language": "en"},
        [
            said("someone is threatening to post my photos online", "en"),
            said("may nagbabanta sa akin na ikakalat daw pics ko", "tl"),
            said("ok", "en", decided=False),
        ],
    )
    assert changes == {"language": "tl"}


def test_an_external_event_without_detection_keeps_the_language() -> None:
    assert slot_changes({"language": "th"}, [said("", None, intent="EXTERNAL")]) == {}


def test_country_is_kept_as_one_upper_case_code() -> None:
    assert slot_changes({"language": "en", "country": "ph"}, []) == {"country": "PH"}
    assert slot_changes({"language": "en", "country": ["PH", "my"]}, []) == {
        "country": "MY"
    }
    assert slot_changes({"language": "en", "country": "PH"}, []) == {}
    assert country_code([]) is None
    assert country_code(None) is None


def test_facts_of_a_parse_result() -> None:
    parse: dict[str, Any] = {
        "text": "can we talk in Thai",
        "intent": {"name": "change_language", "confidence": 0.9},
        "entities": [
            {"entity": "language", "value": "th", "role": "other"},
            {"entity": "country", "value": "TH"},
            {"entity": "language", "value": "th"},
            {"entity": "language", "value": "lo"},
        ],
        "language": {"code": "en", "confidence": 0.97, "decided": True},
    }
    facts = facts_of(parse)
    assert facts == MessageFacts(
        "change_language",
        "can we talk in Thai",
        {"code": "en", "confidence": 0.97, "decided": True},
        "th",
    )
    assert facts_of({}) == MessageFacts(None, "", None, None)
