"""Messenger's pure parts: events of a webhook call, verification, quick replies."""

from typing import Any

import pytest

from bot.channels.messenger import (
    MessengerEvent,
    parse_events,
    quick_replies,
    verification_answer,
)


def call(*messaging: dict[str, Any], kind: str = "page") -> dict[str, Any]:
    return {"object": kind, "entry": [{"id": "page", "messaging": list(messaging)}]}


def person(**fields: Any) -> dict[str, Any]:
    return {"sender": {"id": "psid1"}, "recipient": {"id": "page"}, **fields}


def test_text_quick_reply_and_postback() -> None:
    events = list(
        parse_events(
            call(
                person(message={"mid": "m1", "text": "hi"}),
                person(
                    message={
                        "mid": "m2",
                        "text": "Teen",
                        "quick_reply": {"payload": "/i_am_teen"},
                    }
                ),
                person(
                    postback={"title": "Get started", "payload": "/greet", "mid": "m3"}
                ),
            )
        )
    )
    assert events == [
        MessengerEvent("psid1", "hi", False, "mid:m1"),
        MessengerEvent("psid1", "/i_am_teen", False, "mid:m2"),
        MessengerEvent("psid1", "/greet", False, "mid:m3"),
    ]


def test_every_entry_of_a_batch_counts() -> None:
    payload = {
        "object": "page",
        "entry": [
            {"messaging": [person(message={"mid": "a", "text": "one"})]},
            {"messaging": [person(message={"mid": "b", "text": "two"})]},
        ],
    }
    assert [e.text for e in parse_events(payload)] == ["one", "two"]


@pytest.mark.parametrize("kind", ["image", "audio", "video", "file", "location"])
def test_attachments_are_media(kind: str) -> None:
    attachment = {"type": kind, "payload": {"url": "https://cdn.example/x"}}
    (event,) = parse_events(
        call(person(message={"mid": "m", "text": "see", "attachments": [attachment]}))
    )
    assert event == MessengerEvent("psid1", None, True, "mid:m")


def test_a_postback_without_mid_gets_a_key_from_its_time() -> None:
    (event,) = parse_events(call(person(postback={"payload": "/greet"}, timestamp=5)))
    assert event.key == "mid:postback:psid1:5"
    (event,) = parse_events(call(person(postback={"payload": "/greet"})))
    assert event.key is None  # nothing to tell a repeat by: processed


@pytest.mark.parametrize(
    "messaging",
    [
        person(message={"mid": "e", "text": "sent by the page", "is_echo": True}),
        person(delivery={"mids": ["m1"]}),
        person(read={"watermark": 1}),
        person(postback={"title": "x"}),
        {"sender": {}, "message": {"text": "hi"}},
        {"message": {"text": "hi"}},
    ],
)
def test_not_a_person_s_message(messaging: dict[str, Any]) -> None:
    assert list(parse_events(call(messaging))) == []


def test_only_page_objects() -> None:
    assert list(parse_events(call(person(message={"text": "hi"}), kind="user"))) == []
    assert list(parse_events({"object": "page", "entry": "x"})) == []


@pytest.mark.parametrize(
    ("args", "answer"),
    [
        (
            {"hub.mode": "subscribe", "hub.verify_token": "v", "hub.challenge": "123"},
            "123",
        ),
        (
            {"hub.mode": "subscribe", "hub.verify_token": "w", "hub.challenge": "123"},
            None,
        ),
        ({"hub.mode": "subscribe", "hub.challenge": "123"}, None),
        ({"hub.mode": "other", "hub.verify_token": "v", "hub.challenge": "123"}, None),
        ({"hub.mode": "subscribe", "hub.verify_token": "v", "hub.challenge": ""}, None),
        (
            {
                "hub.mode": "subscribe",
                "hub.verify_token": "v",
                "hub.challenge": "1" * 300,
            },
            None,
        ),
    ],
)
def test_verification(args: dict[str, str], answer: Any) -> None:
    assert verification_answer("v", args) == answer


def test_no_verification_without_a_verify_token() -> None:
    args = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    assert verification_answer("", args) is None


def test_short_titles_are_quick_replies() -> None:
    buttons = [{"title": "Parent", "payload": "/p"}, {"title": "Teen", "payload": "/t"}]
    assert quick_replies("Who?", buttons) == {
        "text": "Who?",
        "quick_replies": [
            {"content_type": "text", "title": "Parent", "payload": "/p"},
            {"content_type": "text", "title": "Teen", "payload": "/t"},
        ],
    }


def test_long_titles_are_numbered_with_number_replies() -> None:
    buttons = [
        {"title": "I'm a parent or caregiver", "payload": "/p"},
        {"title": "Teen", "payload": "/t"},
    ]
    message = quick_replies("Who?", buttons)
    assert message is not None
    assert message["text"] == "Who?\n1. I'm a parent or caregiver\n2. Teen"
    assert [q["title"] for q in message["quick_replies"]] == ["1", "2"]
    assert [q["payload"] for q in message["quick_replies"]] == ["/p", "/t"]


@pytest.mark.parametrize(
    ("text", "buttons"),
    [
        ("Pick", []),
        ("Pick", [{"title": str(n), "payload": f"/{n}"} for n in range(14)]),
        ("Pick", [{"title": "A", "payload": "x" * 1001}]),
        ("x" * 2001, [{"title": "A", "payload": "/a"}]),
    ],
)
def test_when_quick_replies_cannot_carry_it(
    text: str, buttons: list[dict[str, Any]]
) -> None:
    assert quick_replies(text, buttons) is None
