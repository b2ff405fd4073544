"""What of a conversation reaches the console: the last turns and broker events, redacted."""

from typing import Any

from bot.handoff.transcript import console_event, is_button_payload, recent_turns

PHONE = "0917 123 4567"
NAME = "Maria Santos"


def user(text: Any, at: float, intent: str = "greet", **parse: Any) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "timestamp": at,
        "parse_data": {"intent": {"name": intent}, **parse},
        "metadata": {"sender": PHONE},
        "input_channel": "socketio",
    }


def bot(text: Any, at: float, **metadata: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": at, "metadata": metadata}


def test_the_transcript_is_redacted_and_holds_only_messages() -> None:
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        user(f"my name is {NAME}, call me on {PHONE}", 2.0),
        {"event": "slot", "name": "country", "value": "PH", "timestamp": 2.1},
        bot("I'm here to help.", 3.0, utter_action="utter_greet"),
        user("/request_human", 4.0, intent="request_human"),
        user(None, 5.0, intent="EXTERNAL_handoff_claimed"),
        bot(None, 6.0),
    ]
    turns = recent_turns(events)
    assert turns == [
        {"sender": "user", "text": "my name is [name], call me on [phone]", "at": 2.0},
        {"sender": "bot", "text": "I'm here to help.", "at": 3.0},
    ]
    assert NAME not in str(turns) and PHONE not in str(turns)


def test_the_transcript_keeps_the_last_twenty_messages_in_order() -> None:
    events = [user(f"message {i}", float(i)) for i in range(30)]
    turns = recent_turns(events)
    assert [t["text"] for t in turns] == [f"message {i}" for i in range(10, 30)]
    assert recent_turns(events, limit=3)[0]["text"] == "message 27"
    assert recent_turns([]) == []


def test_button_payloads_are_recognised_by_their_intent() -> None:
    assert is_button_payload("/request_human", "request_human")
    assert is_button_payload('/inform_country{"country":"PH"}', "inform_country")
    assert not is_button_payload("/request_human", "greet")
    assert not is_button_payload("and/or human", "request_human")
    assert not is_button_payload("/ hi", None)


def test_a_user_event_goes_out_redacted_with_its_risk_and_language() -> None:
    body = {
        "sender_id": "c-1",
        **user(
            f"he has my pics, my number is {PHONE}",
            7.5,
            intent="report_sextortion",
            risk="elevated",
            language={"code": "en", "confidence": 0.9, "decided": True},
        ),
    }
    assert console_event(body) == {
        "conversation_id": "c-1",
        "type": "user",
        "text": "he has my pics, my number is [phone]",
        "at": 7.5,
        "risk": "elevated",
        "language": "en",
    }


def test_an_undecided_language_and_an_unknown_risk_are_left_out() -> None:
    body = {
        "sender_id": "c-1",
        **user("ok", 1.0, risk="??", language={"code": "ms", "decided": False}),
    }
    item = console_event(body)
    assert item is not None
    assert "risk" not in item and "language" not in item


def test_bot_events_go_out_without_metadata_unless_staff_wrote_them() -> None:
    assert console_event({"sender_id": "c-1", **bot("Hi!", 2.0, foo="x")}) == {
        "conversation_id": "c-1",
        "type": "bot",
        "text": "Hi!",
        "at": 2.0,
    }
    staff = {"sender_id": "c-1", **bot("Hello, I'm Ana", 3.0, handoff="staff")}
    assert console_event(staff) is None


def test_other_events_and_messages_without_text_are_not_forwarded() -> None:
    for body in (
        {"sender_id": "c-1", "event": "slot", "name": "handoff", "value": "waiting"},
        {"sender_id": "c-1", "event": "action", "name": "action_listen"},
        {"sender_id": "c-1", **user(None, 1.0, intent="EXTERNAL_handoff_closed")},
        {"sender_id": "c-1", **user("/cancel_handoff", 1.0, intent="cancel_handoff")},
        {"sender_id": "c-1", **bot(None, 1.0)},
        {**user("hi", 1.0)},  # no sender id
    ):
        assert console_event(body) is None, body


def test_texts_are_cut_to_what_a_channel_accepts_and_languages_are_ours() -> None:
    long = "a@b.co " * 600  # 4200 characters; each e-mail becomes "[email]"
    [turn] = recent_turns([user(long, 1.0)])
    assert len(turn["text"]) == 4000 and "@" not in turn["text"]
    body = {"sender_id": "c-1", **user(long, 1.0, language={"code": "id"})}
    item = console_event(body)
    assert item is not None and len(item["text"]) == 4000
    assert "language" not in item
