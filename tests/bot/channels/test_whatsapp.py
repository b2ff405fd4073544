"""WhatsApp Cloud API wire format (bot/channels/whatsapp_wire.py)."""

from typing import Any

import pytest

from bot.channels.checks import MAX_MESSAGE_CHARS
from bot.channels.received import Received
from bot.channels.whatsapp_wire import (
    LIST_LABEL,
    buttons_message,
    challenge_answer,
    parse_webhook,
    text_message,
)

PHONE_ID = "106540352242922"


def webhook(
    *messages: dict[str, Any], statuses: Any = None, phone: str = PHONE_ID
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": phone},
        "contacts": [{"profile": {"name": "Kim"}, "wa_id": "16315551234"}],
    }
    if messages:
        value["messages"] = list(messages)
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def message(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "from": "16315551234",
        "id": f"wamid.{kind}",
        "timestamp": "1700000000",
        "type": kind,
        **fields,
    }


def test_text_message_is_read() -> None:
    data = webhook(message("text", text={"body": "hello"}))
    assert parse_webhook(data, PHONE_ID) == [
        Received("wamid.text", "16315551234", "hello")
    ]


def test_button_and_list_replies_give_their_payload() -> None:
    data = webhook(
        message(
            "interactive",
            interactive={
                "type": "button_reply",
                "button_reply": {"id": "/affirm", "title": "Yes"},
            },
        ),
        message(
            "interactive",
            interactive={
                "type": "list_reply",
                "list_reply": {"id": "/deny", "title": "No", "description": "x"},
            },
        ),
        message("button", button={"payload": "/request_human", "text": "A person"}),
    )
    assert [r.text for r in parse_webhook(data, PHONE_ID)] == [
        "/affirm",
        "/deny",
        "/request_human",
    ]


@pytest.mark.parametrize(
    "kind",
    [
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "contacts",
        "unsupported",
    ],
)
def test_media_and_other_content_are_media(kind: str) -> None:
    data = webhook(
        message(kind, **{kind: {"id": "MEDIA-ID", "mime_type": "image/jpeg"}})
    )
    assert parse_webhook(data, PHONE_ID) == [
        Received(f"wamid.{kind}", "16315551234", "", media=True)
    ]


def test_statuses_reactions_and_other_numbers_are_ignored() -> None:
    statuses = [{"id": "wamid.X", "status": "delivered", "recipient_id": "16315551234"}]
    assert parse_webhook(webhook(statuses=statuses), PHONE_ID) == []
    reaction = message("reaction", reaction={"message_id": "wamid.X", "emoji": "👍"})
    assert parse_webhook(webhook(reaction), PHONE_ID) == []
    other = webhook(message("text", text={"body": "hi"}), phone="999")
    assert parse_webhook(other, PHONE_ID) == []
    assert parse_webhook({"object": "page", "entry": "nope"}, PHONE_ID) == []
    assert (
        parse_webhook(
            {"entry": [{"changes": [{"field": "account_update", "value": {}}]}]},
            PHONE_ID,
        )
        == []
    )


def test_malformed_messages_are_skipped_not_fatal() -> None:
    data = webhook(
        {"id": "wamid.1", "type": "text", "text": {"body": "no sender"}},
        message("interactive", interactive="not an object"),
        message("text", text={"body": "kept"}),
    )
    assert [r.text for r in parse_webhook(data, PHONE_ID)] == ["kept"]


def test_over_long_text_is_clipped_not_dropped() -> None:
    data = webhook(message("text", text={"body": "x" * (MAX_MESSAGE_CHARS + 50)}))
    assert len(parse_webhook(data, PHONE_ID)[0].text) == MAX_MESSAGE_CHARS


def test_challenge_is_echoed_only_for_the_right_token() -> None:
    assert (
        challenge_answer("secret", "subscribe", "secret", "1158201444") == "1158201444"
    )
    assert challenge_answer("secret", "subscribe", "wrong", "1158201444") is None
    assert challenge_answer("secret", "subscribe", None, "1158201444") is None
    assert challenge_answer("secret", "unsubscribe", "secret", "1") is None
    assert challenge_answer("", "subscribe", "", "1") is None
    assert challenge_answer("secret", "subscribe", "secret", "9" * 300) is None


def test_text_body() -> None:
    assert text_message("16315551234", "hi") == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "16315551234",
        "type": "text",
        "text": {"preview_url": False, "body": "hi"},
    }


def buttons(*titles: str) -> list[dict[str, str]]:
    return [{"title": t, "payload": f"/p{i}"} for i, t in enumerate(titles)]


def test_up_to_three_short_buttons_are_reply_buttons() -> None:
    body = buttons_message("1", "Are you safe?", buttons("I'm safe", "I'm not safe"))
    assert body is not None
    assert body["type"] == "interactive"
    interactive = body["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Are you safe?"}
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "/p0", "title": "I'm safe"}},
        {"type": "reply", "reply": {"id": "/p1", "title": "I'm not safe"}},
    ]


def test_more_buttons_or_long_titles_become_a_list() -> None:
    many = buttons("English", "Filipino", "Bahasa Melayu", "Tiếng Việt", "ไทย", "ລາວ")
    body = buttons_message("1", "Choose", many)
    assert body is not None and body["interactive"]["type"] == "list"
    action = body["interactive"]["action"]
    assert action["button"] == LIST_LABEL and len(LIST_LABEL) <= 20
    rows = action["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [f"/p{i}" for i in range(6)]
    long_title = "Talk to someone at a helpline"  # 29 > 20 and > 24
    body = buttons_message("1", "Choose", buttons("Yes", long_title))
    assert body is not None and body["interactive"]["type"] == "list"
    row = body["interactive"]["action"]["sections"][0]["rows"][1]
    assert len(row["title"]) <= 24 and row["title"].endswith("…")
    assert row["description"] == long_title


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("", ("Yes", "No")),  # an interactive body cannot be empty
        ("Pick", tuple(f"Option {i}" for i in range(11))),  # over 10 rows
        ("Pick", ("x" * 80, "No")),  # longer than a row description
        ("x" * 5000, ("Yes", "No")),  # longer than a list body
        ("Pick", ("", "No")),
    ],
)
def test_what_does_not_fit_is_left_to_numbered_text(
    text: str, titles: tuple[str, ...]
) -> None:
    assert buttons_message("1", text, buttons(*titles)) is None


def test_duplicate_payloads_are_left_to_numbered_text() -> None:
    same = [{"title": "A", "payload": "/x"}, {"title": "B", "payload": "/x"}]
    assert buttons_message("1", "Pick", same) is None
