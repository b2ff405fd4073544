from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionRequestHuman
from tests.conftest import make_tracker


async def test_person_requested_without_country(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionRequestHuman().run(
        dispatcher, make_tracker(intent="request_human"), domain
    )
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_request_human",
        "utter_ask_country",
    ]
    assert events == [SlotSet("awaiting_country", "helplines")]


async def test_person_requested_with_country(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"country": "LA"}, intent="request_human")
    await ActionRequestHuman().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_request_human",
        "utter_helplines",
    ]
    assert "1554" in dispatcher.messages[1]["helpline_list"]
