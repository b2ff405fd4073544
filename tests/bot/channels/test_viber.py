"""Viber REST bot API wire format (bot/channels/viber_wire.py)."""

from typing import Any
from urllib.parse import quote

import pytest

from bot.channels.checks import check_id
from bot.channels.received import Received
from bot.channels.viber_wire import (
    MAX_KEYBOARD_BUTTONS,
    conversation_id,
    keyboard_fits,
    parse_callback,
    send_failure,
    text_message,
    viber_id,
)

USER = "01234567890A+b/c=="


def callback(
    kind: str = "text", event: str = "message", **message: Any
) -> dict[str, Any]:
    return {
        "event": event,
        "timestamp": 1457764197627,
        "message_token": 4912661846655238145,
        "sender": {"id": USER, "name": "Kim", "language": "vi", "api_version": 1},
        "message": {"type": kind, **message},
    }


def test_conversation_ids_are_safe_and_reversible() -> None:
    converted = conversation_id(USER)
    assert check_id(converted, "sender") == converted
    # Rasa's HTTP API does not decode %-escapes in the conversation id.
    assert quote(converted, safe="") == converted
    assert viber_id(converted) == USER


def test_text_message_is_read_with_its_token_as_key() -> None:
    assert parse_callback(callback(text="xin chào")) == [
        Received("4912661846655238145", conversation_id(USER), "xin chào")
    ]


@pytest.mark.parametrize(
    "kind", ["picture", "video", "file", "sticker", "contact", "location", "url"]
)
def test_media_is_media(kind: str) -> None:
    [item] = parse_callback(callback(kind, media="https://example.invalid/x.jpg"))
    assert item.media and item.text == ""


@pytest.mark.parametrize(
    "event",
    [
        "webhook",
        "subscribed",
        "unsubscribed",
        "conversation_started",
        "delivered",
        "seen",
        "failed",
        "client_status",
    ],
)
def test_other_events_carry_no_message(event: str) -> None:
    assert parse_callback(callback(event=event, text="hi")) == []


def test_malformed_callbacks_carry_no_message() -> None:
    assert parse_callback({"event": "message", "sender": "x", "message": {}}) == []
    assert (
        parse_callback(
            {"event": "message", "sender": {"id": ""}, "message": {"type": "text"}}
        )
        == []
    )
    assert parse_callback(callback("poll")) == []


def test_text_body_and_keyboard() -> None:
    plain = text_message(USER, "A very long helper name indeed, longer than 28", "hi")
    assert plain == {
        "receiver": USER,
        "min_api_version": 1,
        "sender": {"name": "A very long helper name inde"},
        "type": "text",
        "text": "hi",
    }
    body = text_message(
        USER, "Helper", "Safe?", [{"title": "I'm <safe>", "payload": "/confirm_safe"}]
    )
    keyboard = body["keyboard"]
    assert keyboard["Type"] == "keyboard"
    [key] = keyboard["Buttons"]
    assert key["ActionType"] == "reply"
    assert key["ActionBody"] == "I'm <safe>"  # what comes back: mapped by the memory
    assert key["Text"] == "I'm &lt;safe&gt;"  # Viber markup shown as typed


def test_keyboard_limits() -> None:
    assert keyboard_fits([{"title": "a", "payload": "/a"}])
    assert not keyboard_fits([])
    assert not keyboard_fits([{"title": "", "payload": "/a"}])
    assert not keyboard_fits(
        [{"title": str(i)} for i in range(MAX_KEYBOARD_BUTTONS + 1)]
    )


def test_send_failures() -> None:
    assert send_failure({"status": 0, "status_message": "ok"}) is None
    assert (
        send_failure({"status": 6, "status_message": "notSubscribed"})
        == "status 6: notSubscribed"
    )
    assert send_failure(None) == "no answer"
