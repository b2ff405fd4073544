"""Zalo Official Account wire format (bot/channels/zalo_wire.py)."""

import hashlib
import json
from typing import Any

import pytest

from bot.channels.received import Received
from bot.channels.zalo_wire import (
    MAX_BUTTONS,
    buttons_fit,
    expected_signature,
    parse_webhook,
    send_failure,
    signature_valid,
    text_message,
    timestamp_of,
)

APP_ID = "360846524940903967"
SECRET = "oa-secret-key"


def event(name: str = "user_send_text", **message: Any) -> dict[str, Any]:
    return {
        "app_id": APP_ID,
        "sender": {"id": "246845883529197922"},
        "user_id_by_app": "552177279717587730",
        "recipient": {"id": "388613280878808645"},
        "event_name": name,
        "message": {"msg_id": "96d3cdf3af150460909", **message},
        "timestamp": "1543908534740",
    }


def test_signature_is_sha256_of_app_id_body_timestamp_secret() -> None:
    body = json.dumps(event(text="hi")).encode()
    digest = hashlib.sha256(
        APP_ID.encode() + body + b"1543908534740" + SECRET.encode()
    ).hexdigest()
    assert expected_signature(APP_ID, SECRET, body, "1543908534740") == digest
    assert timestamp_of(json.loads(body)) == "1543908534740"
    assert signature_valid(APP_ID, SECRET, body, "1543908534740", f"mac={digest}")
    assert signature_valid(APP_ID, SECRET, body, "1543908534740", digest.upper())


@pytest.mark.parametrize(
    ("app_id", "secret", "timestamp", "given"),
    [
        (APP_ID, "other-secret", "1543908534740", "good"),
        ("other-app", SECRET, "1543908534740", "good"),
        (APP_ID, SECRET, "1543908534741", "good"),
        (APP_ID, SECRET, "", "good"),
        ("", SECRET, "1543908534740", "good"),
        (APP_ID, "", "1543908534740", "good"),
        (APP_ID, SECRET, "1543908534740", None),
        (APP_ID, SECRET, "1543908534740", "mac="),
        (APP_ID, SECRET, "1543908534740", "mac=ünïcode"),
    ],
)
def test_wrong_or_missing_signatures_are_refused(
    app_id: str, secret: str, timestamp: str, given: Any
) -> None:
    body = json.dumps(event(text="hi")).encode()
    good = expected_signature(APP_ID, SECRET, body, "1543908534740")
    header = f"mac={good}" if given == "good" else given
    assert not signature_valid(app_id, secret, body, timestamp, header)


def test_a_changed_body_is_refused() -> None:
    body = json.dumps(event(text="hi")).encode()
    good = expected_signature(APP_ID, SECRET, body, "1543908534740")
    assert not signature_valid(
        APP_ID, SECRET, body.replace(b"hi", b"ho"), "1543908534740", f"mac={good}"
    )


def test_text_is_read_with_its_message_id() -> None:
    assert parse_webhook(event(text="xin chào")) == [
        Received("96d3cdf3af150460909", "246845883529197922", "xin chào")
    ]


@pytest.mark.parametrize(
    "name",
    [
        "user_send_image",
        "user_send_sticker",
        "user_send_file",
        "user_send_gif",
        "user_send_audio",
        "user_send_video",
        "user_send_location",
        "user_send_link",
    ],
)
def test_media_events_are_media(name: str) -> None:
    attachments = [
        {"type": "image", "payload": {"url": "https://example.invalid/x.jpg"}}
    ]
    [item] = parse_webhook(event(name, attachments=attachments, text="caption"))
    assert item.media and item.text == ""


@pytest.mark.parametrize(
    "name",
    ["follow", "unfollow", "oa_send_text", "user_reacted_message", "user_seen_message"],
)
def test_other_events_carry_no_message(name: str) -> None:
    assert parse_webhook(event(name, text="hi")) == []


def test_malformed_events_carry_no_message() -> None:
    assert (
        parse_webhook(
            {"event_name": "user_send_text", "sender": "x", "message": {"text": "hi"}}
        )
        == []
    )
    assert (
        parse_webhook(
            {"event_name": "user_send_text", "sender": {"id": "1"}, "message": "hi"}
        )
        == []
    )


def test_bodies_sent() -> None:
    assert text_message("42", "hi") == {
        "recipient": {"user_id": "42"},
        "message": {"text": "hi"},
    }
    body = text_message(
        "42", "Safe?", [{"title": "I'm safe", "payload": "/confirm_safe"}]
    )
    assert body["message"]["attachment"] == {
        "type": "template",
        "payload": {
            "buttons": [
                {"title": "I'm safe", "type": "oa.query.show", "payload": "I'm safe"}
            ]
        },
    }


def test_button_limits() -> None:
    one = [{"title": "a", "payload": "/a"}]
    assert buttons_fit("Pick", one)
    assert not buttons_fit("", one)
    assert not buttons_fit("Pick", [{"title": str(i)} for i in range(MAX_BUTTONS + 1)])
    assert not buttons_fit("Pick", [{"title": "x" * 101}])


def test_send_failures() -> None:
    assert send_failure({"error": 0, "message": "Success"}) is None
    assert (
        send_failure({"error": -216, "message": "Access token is invalid"})
        == "error -216: Access token is invalid"
    )
    assert send_failure("nope") == "no answer"
