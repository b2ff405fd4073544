"""Telegram's pure parts: what an update says, and what fits a button."""

from typing import Any

import pytest

from bot.channels.checks import MAX_MESSAGE_CHARS
from bot.channels.telegram import (
    GREET,
    TelegramMessage,
    fits_callback_data,
    incoming_text,
    parse_update,
    update_id,
)

PRIVATE = {"id": 42, "type": "private", "first_name": "A"}


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 1, "date": 0, "chat": PRIVATE, **fields}


def test_a_text_message() -> None:
    update = {"update_id": 7, "message": message(text="hello")}
    assert update_id(update) == 7
    assert parse_update(update) == TelegramMessage(42, "hello")


def test_an_edited_text_is_a_message() -> None:
    assert parse_update({"edited_message": message(text="fixed")}) == TelegramMessage(
        42, "fixed"
    )


@pytest.mark.parametrize(
    "field",
    ["photo", "document", "sticker", "voice", "video", "location", "contact"],
)
def test_media_is_flagged_and_its_caption_dropped(field: str) -> None:
    update = {"message": message(**{field: {"file_id": "x"}}, caption="look")}
    assert parse_update(update) == TelegramMessage(42, None, media=True)


def test_a_button_press() -> None:
    update = {
        "callback_query": {
            "id": "cb1",
            "data": "/i_am_teen",
            "message": message(text="Who are you?"),
        }
    }
    assert parse_update(update) == TelegramMessage(42, "/i_am_teen", callback_id="cb1")


@pytest.mark.parametrize(
    "update",
    [
        {"message": {**message(text="hi"), "chat": {"id": -5, "type": "group"}}},
        {"channel_post": message(text="hi")},
        {"my_chat_member": {"chat": PRIVATE}},
        {"message": message(new_chat_members=[{"id": 1}])},
        {"message": {**message(text="hi"), "chat": {"id": "42", "type": "private"}}},
        {"message": "text"},
        {"callback_query": {"id": "c", "data": "/x"}},  # no message (inline mode)
        {"callback_query": {"id": "c", "message": message(text="x")}},  # no data
        {},
    ],
)
def test_nothing_for_the_assistant(update: dict[str, Any]) -> None:
    assert parse_update(update) is None


def test_update_id_must_be_an_integer() -> None:
    assert update_id({"update_id": "7"}) is None
    assert update_id({"update_id": True}) is None
    assert update_id({}) is None


@pytest.mark.parametrize(
    ("text", "taken"),
    [
        ("/start", GREET),
        ("/start campaign-1", GREET),
        ("/start@SafetyBot", GREET),
        ("/started", "/started"),
        ("hello /start", "hello /start"),
        ("", ""),
        ("x" * (MAX_MESSAGE_CHARS + 90), "x" * MAX_MESSAGE_CHARS),
    ],
)
def test_incoming_text(text: str, taken: str) -> None:
    assert incoming_text(text) == taken


def test_callback_data_is_one_to_64_bytes() -> None:
    assert fits_callback_data([{"title": "A", "payload": "/greet"}])
    assert fits_callback_data([{"title": "A", "payload": "x" * 64}])
    assert not fits_callback_data([{"title": "A", "payload": "x" * 65}])
    assert not fits_callback_data([{"title": "A", "payload": "ก" * 22}])  # 66 bytes
    assert not fits_callback_data([{"title": "A"}])
