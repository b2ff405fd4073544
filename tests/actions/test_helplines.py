from datetime import datetime, timezone
from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.helplines import (
    ActionAnswerCountry,
    ActionShowHelplines,
    ActionShowReportRoutes,
    send_listing,
)
from tests.conftest import make_tracker


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


async def test_unknown_country_is_asked_for(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionShowHelplines().run(dispatcher, make_tracker(), domain)
    # The lines of all five focus countries first, so that "idk" or silence to
    # the question still leaves the person with numbers to call.
    assert responses(dispatcher) == ["utter_request_human_lines", "utter_ask_country"]
    lines = dispatcher.messages[0]["helpline_list"]
    for number in ("1553", "15999", "1323", "111", "1554"):
        assert number in lines, number
    assert events == [SlotSet("awaiting_country", "helplines")]


async def test_unknown_country_for_report_routes_is_only_asked_for(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionShowReportRoutes().run(dispatcher, make_tracker(), domain)
    assert responses(dispatcher) == ["utter_ask_country"]
    assert events == [SlotSet("awaiting_country", "report")]


async def test_known_country_lists_its_helplines(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"country": "MY", "language": "en"})
    events = await ActionShowHelplines().run(dispatcher, tracker, domain)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_helplines"
    assert message["country_name"] == "Malaysia"
    assert "Talian Kasih: 15999" in message["helpline_list"]
    assert "999" in message["helpline_list"]
    assert events == [SlotSet("awaiting_country", None)]


async def test_country_without_entry_gets_international_services(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await ActionShowReportRoutes().run(
        dispatcher, make_tracker(slots={"country": "JP"}), domain
    )
    message = dispatcher.messages[0]
    assert message["response"] == "utter_no_local_helplines"
    assert "report.cybertip.org" in message["helpline_list"]


async def test_report_routes_for_thailand(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await ActionShowReportRoutes().run(
        dispatcher, make_tracker(slots={"country": "TH"}), domain
    )
    message = dispatcher.messages[0]
    assert message["response"] == "utter_report_routes"
    assert "report.thaihotline.org" in message["helpline_list"]
    assert "1669" not in message["helpline_list"]


async def test_report_routes_ask_for_the_country_and_remember_why(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionShowReportRoutes().run(dispatcher, make_tracker(), domain)
    assert events == [SlotSet("awaiting_country", "report")]


@pytest.mark.parametrize(
    ("awaiting", "response", "number"),
    [
        (None, "utter_helplines", "1383"),
        ("helplines", "utter_helplines", "1383"),
        ("report", "utter_report_routes", "1326"),
        ("crisis", "utter_crisis_lines", "1553"),
    ],
)
async def test_named_country_gets_what_was_awaited(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    awaiting: str,
    response: str,
    number: str,
) -> None:
    tracker = make_tracker(
        slots={"country": "PH", "awaiting_country": awaiting}, intent="inform_country"
    )
    events = await ActionAnswerCountry().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == response
    assert number in dispatcher.messages[0]["helpline_list"]
    assert events == [SlotSet("awaiting_country", None)]


@pytest.mark.parametrize("code", ["en", "tl", "ms", "vi", "th", "lo"])
async def test_bantay_bata_is_listed_with_hash_163_in_every_language(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], code: str
) -> None:
    tracker = make_tracker(slots={"country": "PH", "language": code})
    await ActionShowHelplines().run(dispatcher, tracker, domain)
    assert (
        "Bantay Bata 163: 163 (Globe/TM: #163)"
        in (dispatcher.messages[0]["helpline_list"])
    )


@pytest.mark.parametrize(
    ("utc_hour", "heal_shown"), [(18, False), (3, True)]
)  # 2am and 11am in Malaysia
def test_crisis_listing_keeps_open_lines_at_the_given_time(
    dispatcher: CollectingDispatcher, utc_hour: int, heal_shown: bool
) -> None:
    now = datetime(2026, 11, 26, utc_hour, tzinfo=timezone.utc)
    send_listing(dispatcher, "crisis", "MY", "en", now)
    listing = dispatcher.messages[0]["helpline_list"]
    assert listing.startswith("• Emergency (MERS): 999")
    assert "Talian Kasih: 15999, WhatsApp 019-261 5999 (24/7)" in listing
    assert ("15555" in listing) is heal_shown
    if heal_shown:
        assert listing.index("15999") < listing.index("15555")
        assert "(8am to midnight daily, Malaysia time)" in listing
