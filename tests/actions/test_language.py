from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionChangeLanguage
from tests.conftest import make_tracker


async def test_named_language_is_confirmed(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="change_language", entities=[{"entity": "language", "value": "tl"}]
    )
    assert await ActionChangeLanguage().run(dispatcher, tracker, domain) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_language_changed"]


async def test_no_language_named_shows_the_menu(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await ActionChangeLanguage().run(
        dispatcher, make_tracker(intent="change_language"), domain
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_language_menu"]
