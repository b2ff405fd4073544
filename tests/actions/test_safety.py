from typing import Any

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.helplines import ActionAnswerCountry
from actions.safety import ActionDeleteConversation, ActionRespondToCrisis
from tests.conftest import make_tracker


async def test_crisis_without_country_lists_all_five_countries(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="crisis_self_harm", text="i dont want to live anymore"
    )
    events = await ActionRespondToCrisis().run(dispatcher, tracker, domain)
    names = [m["response"] for m in dispatcher.messages]
    assert names == [
        "utter_crisis_care",
        "utter_crisis_lines_all",
        "utter_crisis_offer_person",
    ]
    listing = dispatcher.messages[1]["helpline_list"]
    for number in (
        "911",
        "1553",
        "999",
        "15555",
        "191",
        "1323",
        "113",
        "111",
        "1191",
        "1554",
    ):
        assert number in listing
    assert events == [SlotSet("awaiting_country", "crisis")]


@pytest.mark.parametrize(
    ("country", "numbers"),
    [
        ("PH", ["911", "1553"]),
        ("MY", ["999", "15555"]),
        ("TH", ["191", "1323"]),
        ("VN", ["113", "111"]),
        ("LA", ["1191", "1554"]),
    ],
)
async def test_danger_with_country_gives_that_countrys_numbers(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    country: str,
    numbers: list[str],
) -> None:
    tracker = make_tracker(slots={"country": country}, intent="immediate_danger")
    await ActionRespondToCrisis().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_danger_care"
    listing = dispatcher.messages[1]["helpline_list"]
    assert dispatcher.messages[1]["response"] == "utter_crisis_lines"
    for number in numbers:
        assert number in listing
    assert listing.index(numbers[0]) < listing.index(numbers[1])


async def test_crisis_lines_narrow_down_once_the_country_is_known(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        slots={"country": "VN", "awaiting_country": "crisis"}, intent="inform_country"
    )
    events = await ActionAnswerCountry().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_crisis_lines"]
    assert "1554" not in dispatcher.messages[0]["helpline_list"]
    assert events == [SlotSet("awaiting_country", None)]


async def test_erasure_is_confirmed(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionDeleteConversation().run(
        dispatcher, make_tracker(intent="affirm"), domain
    )
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_deleted"]
