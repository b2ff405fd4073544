"""`action_request_human`: says a person is reached at a helpline, lists them at once."""

from datetime import datetime, timezone
from typing import Any

import pytest
import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionRequestHuman
from bot.content.helplines import FOCUS_COUNTRIES, load_directory
from bot.languages import CODES
from bot.settings import ROOT
from tests.conftest import make_tracker

NIGHT_IN_MALAYSIA = datetime(2026, 11, 26, 18, tzinfo=timezone.utc)  # 2am
DAY_IN_MALAYSIA = datetime(2026, 11, 26, 3, tzinfo=timezone.utc)  # 11am


def at(moment: datetime) -> ActionRequestHuman:
    return ActionRequestHuman(clock=lambda: moment)


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


async def test_person_requested_without_country_gets_every_focus_country_at_once(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await at(NIGHT_IN_MALAYSIA).run(
        dispatcher, make_tracker(intent="request_human"), domain
    )
    assert responses(dispatcher) == [
        "utter_request_human",
        "utter_request_human_lines",
        "utter_ask_country",
    ]
    listing = dispatcher.messages[1]["helpline_list"]
    lines = listing.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "• The Philippines",
        "• Malaysia",
        "• Thailand",
        "• Vietnam",
        "• Laos",
    ]
    for number in ("163 (Globe/TM: #163)", "1553", "1323", "1387", "111", "1554"):
        assert number in listing, number
    assert "Bantay Bata 163 (Globe/TM: #163) (24/7)" in lines[0]
    assert "Talian Kasih 15999, WhatsApp 019-261 5999 (24/7)" in lines[1]
    assert "15555" not in listing  # Talian HEAL is closed at 2am
    assert events == [SlotSet("awaiting_country", "helplines")]


async def test_a_line_with_hours_is_listed_when_open_with_its_hours(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await at(DAY_IN_MALAYSIA).run(
        dispatcher, make_tracker(intent="request_human"), domain
    )
    malaysia = dispatcher.messages[1]["helpline_list"].splitlines()[1]
    assert "15555 (8am to midnight daily, Malaysia time)" in malaysia
    assert malaysia.index("15999") < malaysia.index("15555")


@pytest.mark.parametrize("code", CODES)
async def test_the_lists_are_in_the_persons_language(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], code: str
) -> None:
    book = load_directory(ROOT / "data" / "helplines.yml")
    tracker = make_tracker(slots={"language": code}, intent="request_human")
    await ActionRequestHuman().run(dispatcher, tracker, domain)  # the real clock
    lines = dispatcher.messages[1]["helpline_list"].splitlines()
    for line, country in zip(lines, FOCUS_COUNTRIES, strict=True):
        name = book.country_name(country, code)
        assert line.startswith(f"• {name[:1].upper()}{name[1:]}: "), (code, line)
        assert any(ch.isdigit() for ch in line), line


async def test_person_requested_with_country(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"country": "LA"}, intent="request_human")
    events = await ActionRequestHuman().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_request_human", "utter_helplines"]
    assert "1554" in dispatcher.messages[1]["helpline_list"]
    assert events == [SlotSet("awaiting_country", None)]


def variations(name: str, domain: dict[str, Any]) -> dict[str, str]:
    texts = {"en": str(domain["responses"][name][0]["text"])}
    for code in CODES[1:]:
        path = ROOT / "data" / "translations" / f"{code}.yml"
        table = yaml.safe_load(path.read_text(encoding="utf-8"))["translations"]
        texts[code] = str(table[name][0]["text"])
    return texts


def test_the_answer_promises_no_person_in_the_chat(domain: dict[str, Any]) -> None:
    """The old answer ended "...these helplines can talk with you:" before a question."""
    for code, text in variations("utter_request_human", domain).items():
        assert not text.rstrip().endswith(":"), code
    for code, text in variations("utter_request_human_lines", domain).items():
        assert "{helpline_list}" in text, code
    english = domain["responses"]["utter_request_human"][0]["text"]
    assert "phone or chat at a helpline" in english
    assert "can't put you through to a person in this chat" in english
