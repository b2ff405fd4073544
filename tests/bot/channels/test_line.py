"""LINE Messaging API wire format (bot/channels/line_wire.py) and its reply/push output."""

from typing import Any

import pytest

from bot.channels.line import LineOutput
from bot.channels.line_wire import (
    MAX_QUICK_REPLIES,
    batches,
    parse_webhook,
    quick_replies_fit,
    text_message,
)
from bot.channels.memory import ChannelMemory
from bot.channels.received import Received
from bot.settings import Settings
from tests.e2e.platform_stub import platform_stub

USER = "U4af4980629a1b2c3d4e5f6a7b8c9d0e1"


def event(
    kind: str = "message", redelivery: bool = False, **fields: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "mode": "active",
        "timestamp": 1462629479859,
        "source": {"type": "user", "userId": USER},
        "webhookEventId": f"01FZ74A0TDDPYRVKNK77XKC3Z{kind[0].upper()}",
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
        **fields,
    }


def test_text_is_read_with_event_id_and_reply_token() -> None:
    data = {
        "destination": "Uxxx",
        "events": [event(message={"type": "text", "id": "1", "text": "สวัสดี"})],
    }
    assert parse_webhook(data) == [
        Received(
            "01FZ74A0TDDPYRVKNK77XKC3ZM",
            USER,
            "สวัสดี",
            reply_token="nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
        )
    ]


def test_a_redelivered_event_keeps_its_key_but_not_its_token() -> None:
    data = {
        "events": [
            event(redelivery=True, message={"type": "text", "id": "1", "text": "hi"})
        ]
    }
    [item] = parse_webhook(data)
    assert item.key == "01FZ74A0TDDPYRVKNK77XKC3ZM" and item.reply_token == ""


def test_postback_gives_the_payload() -> None:
    data = {"events": [event("postback", postback={"data": "/request_human"})]}
    assert [r.text for r in parse_webhook(data)] == ["/request_human"]


@pytest.mark.parametrize(
    "kind", ["image", "video", "audio", "file", "location", "sticker"]
)
def test_media_is_media(kind: str) -> None:
    [item] = parse_webhook({"events": [event(message={"type": kind, "id": "2"})]})
    assert item.media and item.text == ""


def test_verification_group_standby_and_other_events_carry_no_message() -> None:
    assert parse_webhook({"destination": "Uxxx", "events": []}) == []
    group = event(message={"type": "text", "text": "hi"})
    group["source"] = {"type": "group", "groupId": "C1", "userId": USER}
    standby = event(message={"type": "text", "text": "hi"})
    standby["mode"] = "standby"
    follow = event("follow")
    assert parse_webhook({"events": [group, standby, follow, "junk"]}) == []
    assert parse_webhook({"events": "junk"}) == []


def test_quick_replies() -> None:
    buttons = [
        {"title": "Yes, a person", "payload": "/request_human"},
        {"title": "Talk to someone at a helpline", "payload": "/request_human"},
        {"title": "Long payload", "payload": "/x" * 200},
    ]
    message = text_message("Want to talk?", buttons)
    items = message["quickReply"]["items"]
    assert items[0] == {
        "type": "action",
        "action": {
            "type": "postback",
            "label": "Yes, a person",
            "data": "/request_human",
            "displayText": "Yes, a person",
        },
    }
    assert len(items[1]["action"]["label"]) <= 20
    assert items[1]["action"]["displayText"] == "Talk to someone at a helpline"
    assert items[2]["action"] == {
        "type": "message",
        "label": "Long payload",
        "text": "Long payload",
    }
    assert quick_replies_fit("Pick", buttons)
    assert not quick_replies_fit("", buttons)
    assert not quick_replies_fit(
        "Pick", [{"title": str(i)} for i in range(MAX_QUICK_REPLIES + 1)]
    )


def test_batches_of_five() -> None:
    assert [len(b) for b in batches([{"n": i} for i in range(12)])] == [5, 5, 2]
    assert batches([]) == []


def settings(url: str) -> Settings:
    return Settings(
        line_token="line-token", line_secret="line-secret", line_api_url=url
    )


async def test_a_turn_replies_once_with_its_token() -> None:
    with platform_stub() as stub:
        output = LineOutput(
            settings(stub.url), ChannelMemory("line"), "reply-token", True
        )
        await output.send_text_message(USER, "one")
        await output.send_text_with_buttons(
            USER, "two", [{"title": "Yes", "payload": "/affirm"}]
        )
        assert stub.calls == []  # nothing is sent before the turn ends
        await output.finish()
        [call] = stub.calls
        assert call.path == "/v2/bot/message/reply"
        assert call.header("Authorization") == "Bearer line-token"
        assert call.body["replyToken"] == "reply-token"
        assert [m["text"] for m in call.body["messages"]] == ["one", "two"]
        assert (
            call.body["messages"][1]["quickReply"]["items"][0]["action"]["data"]
            == "/affirm"
        )


async def test_more_than_five_messages_push_the_rest() -> None:
    with platform_stub() as stub:
        output = LineOutput(settings(stub.url), None, "reply-token", True)
        for number in range(7):
            await output.send_text_message(USER, f"m{number}")
        await output.finish()
        assert [c.path for c in stub.calls] == [
            "/v2/bot/message/reply",
            "/v2/bot/message/push",
        ]
        assert stub.calls[1].body == {
            "to": USER,
            "messages": [
                {"type": "text", "text": "m5"},
                {"type": "text", "text": "m6"},
            ],
        }


async def test_an_expired_reply_token_falls_back_to_push() -> None:
    with platform_stub() as stub:
        stub.answer(
            "/v2/bot/message/reply", {"message": "Invalid reply token"}, status=400
        )
        output = LineOutput(settings(stub.url), None, "expired", True)
        await output.send_text_message(USER, "still delivered")
        await output.finish()
        assert [c.path for c in stub.calls] == [
            "/v2/bot/message/reply",
            "/v2/bot/message/push",
        ]
        assert stub.calls[1].body["messages"] == [
            {"type": "text", "text": "still delivered"}
        ]


async def test_without_a_token_every_message_is_pushed_at_once() -> None:
    with platform_stub() as stub:
        output = LineOutput(settings(stub.url), None)
        await output.send_text_message(USER, "from a counsellor", handoff="staff")
        [call] = stub.calls
        assert call.path == "/v2/bot/message/push"
        assert call.body == {
            "to": USER,
            "messages": [{"type": "text", "text": "from a counsellor"}],
        }
        await output.finish()
        assert len(stub.calls) == 1


async def test_a_turn_without_a_token_is_pushed_at_its_end() -> None:
    with platform_stub() as stub:
        output = LineOutput(settings(stub.url), None, "", True)
        await output.send_text_message(USER, "one")
        await output.send_text_message(USER, "two")
        assert stub.calls == []
        await output.finish()
        [call] = stub.calls
        assert call.path == "/v2/bot/message/push"
        assert [m["text"] for m in call.body["messages"]] == ["one", "two"]


LANGUAGES = [
    {"title": "English", "payload": '/change_language{"language":"en"}'},
    {"title": "ไทย", "payload": '/change_language{"language":"th"}'},
]
MENU = [
    {"title": "Get a pic taken down", "payload": "/ask_take_it_down"},
    {"title": "Talk to someone at a helpline", "payload": "/request_human"},
]


async def test_only_the_turns_last_buttons_are_quick_replies() -> None:
    memory = ChannelMemory("line")
    with platform_stub() as stub:
        output = LineOutput(settings(stub.url), memory, "reply-token", True)
        await output.send_response(
            USER, {"text": "Pick a language:", "buttons": LANGUAGES}
        )
        await output.send_response(
            USER, {"text": "What would you like help with?", "buttons": MENU}
        )
        await output.finish()
        [call] = stub.calls
        first, last = call.body["messages"]
        # Quick replies under an earlier message would never be seen: numbers.
        assert first == {"type": "text", "text": "Pick a language:\n1. English\n2. ไทย"}
        assert [i["action"]["data"] for i in last["quickReply"]["items"]] == [
            "/ask_take_it_down",
            "/request_human",
        ]
    assert memory.buttons.resolve(USER, "2") == '/change_language{"language":"th"}'
    assert (
        memory.buttons.resolve(USER, "talk to someone at a helpline")
        == "/request_human"
    )


async def test_a_message_after_buttons_releases_them_as_numbers() -> None:
    with platform_stub() as stub:
        output = LineOutput(
            settings(stub.url), ChannelMemory("line"), "reply-token", True
        )
        await output.send_response(USER, {"text": "Pick:", "buttons": LANGUAGES})
        await output.send_text_message(USER, "Or just write to me.")
        await output.finish()
        texts = [m["text"] for m in stub.calls[0].body["messages"]]
        assert texts == ["Pick:\n1. English\n2. ไทย", "Or just write to me."]
        assert all("quickReply" not in m for m in stub.calls[0].body["messages"])
