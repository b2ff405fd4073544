"""Request bodies of /api and /internal: checked fields, clear errors."""

from typing import Any

import pytest

from bot.handoff import bodies
from bot.handoff.bodies import BodyError

CREATE = {
    "conversation_id": "+639171234567",
    "language": "tl",
    "country": "ph",
    "channel": "socketio",
    "risk": "elevated",
    "reason": "crisis",
    "transcript": [{"sender": "user", "text": "tulong\x00", "at": 1.5}],
}


def test_create_is_parsed_and_cleaned() -> None:
    wanted = bodies.parse_create(CREATE)
    assert wanted.conversation_id == "+639171234567"
    assert wanted.country == "PH"
    assert wanted.transcript[0].text == "tulong"
    minimal = bodies.parse_create({"conversation_id": "x"})
    assert (minimal.risk, minimal.reason, minimal.language) == (
        "none",
        "request_human",
        None,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"conversation_id": ""}, "conversation_id"),
        ({"conversation_id": "x" * 256}, "conversation_id"),
        ({"language": "fr"}, "language"),
        ({"risk": "extreme"}, "risk"),
        ({"reason": "bored"}, "reason"),
        ({"country": "Philippines"}, "country"),
        ({"channel": "Bad Channel"}, "channel"),
        ({"transcript": "hello"}, "transcript"),
        ({"transcript": [{"sender": "staff", "text": "x", "at": 1}]}, "sender"),
        ({"transcript": [{"sender": "user", "text": "x" * 4001, "at": 1}]}, "text"),
        ({"transcript": [{"sender": "user", "text": "x", "at": "now"}]}, "at"),
        ({"transcript": [{"sender": "user", "text": "x", "at": True}]}, "at"),
        ({"transcript": [{"sender": "user", "text": "x", "at": 1}] * 51}, "transcript"),
    ],
)
def test_create_errors_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(BodyError, match=field):
        bodies.parse_create({**CREATE, **change})


def test_not_an_object() -> None:
    for data in ([], "x", None, 3):
        with pytest.raises(BodyError, match="JSON object"):
            bodies.parse_create(data)


def test_events() -> None:
    parsed = bodies.parse_events(
        {
            "events": [
                {
                    "conversation_id": "a",
                    "type": "user",
                    "text": "hi",
                    "at": 2,
                    "risk": "high",
                    "language": "th",
                },
                {
                    "conversation_id": "a",
                    "type": "bot",
                    "text": "hello",
                    "at": 3,
                    "metadata": {"handoff": "staff"},
                },
                {"conversation_id": "a", "type": "bot", "text": None, "at": 4},
            ]
        }
    )
    assert [(e.sender, e.risk, e.language, e.staff) for e in parsed] == [
        ("user", "high", "th", False),
        ("bot", None, None, True),
        ("bot", None, None, False),
    ]
    assert parsed[2].text == ""
    with pytest.raises(BodyError, match=r"events\[0\].type"):
        bodies.parse_events(
            {"events": [{"conversation_id": "a", "type": "x", "at": 1}]}
        )
    with pytest.raises(BodyError, match="'events' must be a list"):
        bodies.parse_events({})


def test_staff_bodies() -> None:
    assert bodies.parse_login({"username": " Boss ", "password": "pw"}) == (
        "boss",
        "pw",
    )
    with pytest.raises(BodyError):
        bodies.parse_login({"username": "boss"})
    assert bodies.parse_message({"text": "  kumusta  "}) == "kumusta"
    for bad in ({"text": "   "}, {"text": 5}, {}, {"text": "x" * 4001}):
        with pytest.raises(BodyError, match="text"):
            bodies.parse_message(bad)
    assert bodies.parse_close({"outcome": "supported"}) == "supported"
    with pytest.raises(BodyError, match="outcome"):
        bodies.parse_close({"outcome": "<b>"})
    assert bodies.parse_transfer({"to": "Maria"}) == ("maria", None)
    assert bodies.parse_transfer({"to": None, "language": "th"}) == (None, "th")
    with pytest.raises(BodyError):
        bodies.parse_transfer({})
    with pytest.raises(BodyError, match="language"):
        bodies.parse_transfer({"language": "xx"})
