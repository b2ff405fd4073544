from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.slots import ValidateSlotMappings
from tests.conftest import make_tracker


async def run(domain: dict[str, Any], **tracker: Any) -> list[Any]:
    return await ValidateSlotMappings().run(
        CollectingDispatcher(), make_tracker(**tracker), domain
    )


async def test_first_message_sets_the_language(domain: dict[str, Any]) -> None:
    events = await run(
        domain, text="hi", language={"code": "en", "confidence": 0.5, "decided": False}
    )
    assert SlotSet("language", "en") in events


async def test_undecided_message_keeps_vietnamese(domain: dict[str, Any]) -> None:
    events = await run(
        domain,
        slots={"language": "vi"},
        text="ok",
        language={"code": "en", "confidence": 0.9, "decided": False},
    )
    assert not [e for e in events if e["name"] == "language"]


async def test_change_language_request_sets_and_marks_chosen(
    domain: dict[str, Any],
) -> None:
    events = await run(
        domain,
        slots={"language": "en"},
        intent="change_language",
        text="can we talk in tagalog",
        entities=[{"entity": "language", "value": "tl"}],
        language={"code": "en", "confidence": 0.99, "decided": True},
    )
    assert SlotSet("language", "tl") in events
    assert SlotSet("language_chosen", True) in events


async def test_country_is_validated_to_one_upper_case_code(
    domain: dict[str, Any],
) -> None:
    tracker = make_tracker(
        slots={"language": "en", "country": ["PH", "my"]}, text="ph or my?"
    )
    tracker.events.append({"event": "slot", "name": "country", "value": ["PH", "my"]})
    events = await ValidateSlotMappings().run(CollectingDispatcher(), tracker, domain)
    assert SlotSet("country", "MY") in events
