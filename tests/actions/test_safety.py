from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.events import ActionExecuted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.helplines import ActionAnswerCountry
from actions.safety import ActionDeleteConversation, ActionRespondToCrisis
from tests.conftest import make_tracker


async def test_crisis_without_country_lists_all_five_countries(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="crisis_self_harm",
        text="i dont want to live anymore",
        parse={"risk": "high"},
    )
    events = await ActionRespondToCrisis().run(dispatcher, tracker, domain)
    names = [m["response"] for m in dispatcher.messages]
    assert names == [
        "utter_crisis_care",
        "utter_crisis_lines_all",
        "utter_crisis_offer_person",
        "utter_crisis_check",
    ]
    listing = dispatcher.messages[1]["helpline_list"]
    for number in (
        "911",
        "1553",
        "999",
        "15999",  # Talian Kasih, 24/7 (HEAL 15555 only 8am-midnight),
        "191",
        "1323",
        "113",
        "111",
        "1191",
        "1554",
    ):
        assert number in listing
    assert events == [
        SlotSet("crisis", "active"),
        SlotSet("awaiting_country", "crisis"),
    ]


@pytest.mark.parametrize(
    ("country", "numbers"),
    [
        ("PH", ["911", "1553"]),
        ("MY", ["999", "15999"]),
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


def tracker_database(path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real tracker database (made by the store) holding the "test" chat."""
    import sqlite3

    from bot.stores import PrivateSQLTrackerStore

    PrivateSQLTrackerStore(dialect="sqlite", db=str(path))
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "insert into events (sender_id, type_name, data) values (?, 'user', '')",
            [("test",)] * 4 + [("someone else",)],
        )
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("ACTION_TIMEOUT", "1")
    return path


def senders(path: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(path) as connection:
        rows = connection.execute("select sender_id from events").fetchall()
    return [sender for (sender,) in rows]


async def test_erasure_is_confirmed_once_deleted_and_verified(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tracker_database(tmp_path / "rasa.db", monkeypatch)
    events = await ActionDeleteConversation().run(
        dispatcher, make_tracker(intent="affirm"), domain
    )
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_deleted"]
    assert senders(path) == ["someone else"]


async def test_erasure_that_cannot_happen_is_not_confirmed(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before, "Done... deleted" was said while the database was locked."""
    import sqlite3

    path = tracker_database(tmp_path / "rasa.db", monkeypatch)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        events = await ActionDeleteConversation().run(
            dispatcher, make_tracker(intent="affirm"), domain
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_delete_failed"]
    assert senders(path).count("test") == 4


async def test_elevated_message_gets_the_caring_question_and_keeps_its_topic(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        intent="crisis_self_harm",
        text="he keeps asking for pics i cant take it anymore",
        parse={
            "risk": "elevated",
            "intent_ranking": [
                {"name": "crisis_self_harm", "confidence": 0.6},
                {"name": "grooming_concern", "confidence": 0.3},
            ],
        },
    )
    events = await ActionRespondToCrisis().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_concern_check"]
    assert events == [
        SlotSet("crisis", "concern"),
        SlotSet("concern_topic", "grooming_concern"),
    ]


async def test_no_to_the_caring_question_returns_to_the_topic(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        slots={"crisis": "concern", "concern_topic": "grooming_concern"},
        intent="deny",
        text="no",
    )
    events = await ActionRespondToCrisis().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_concern_cleared"]
    assert events[:2] == [
        SlotSet("crisis", "resolved"),
        SlotSet("concern_topic", None),
    ]
    assert events[2] == ActionExecuted("action_listen")
    assert events[3]["event"] == "user"
    assert events[3]["parse_data"]["intent"]["name"] == "grooming_concern"


async def test_no_to_the_caring_question_without_topic_shows_the_menu(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"crisis": "concern"}, intent="deny", text="no")
    await ActionRespondToCrisis().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_concern_cleared",
        "utter_menu",
    ]


@pytest.mark.parametrize(
    ("intent", "text", "opener"),
    [
        ("deny", "no", "utter_crisis_not_safe"),
        ("deny", "not really", "utter_crisis_not_safe"),
        ("nlu_fallback", "idk", "utter_crisis_unclear"),
        ("confirm_safe", "i dont feel safe", "utter_crisis_unclear"),
    ],
)
async def test_in_crisis_mode_no_gets_the_numbers_again_never_im_glad(
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    intent: str,
    text: str,
    opener: str,
) -> None:
    tracker = make_tracker(
        slots={"crisis": "active", "country": "PH"}, intent=intent, text=text
    )
    events = await ActionRespondToCrisis().run(dispatcher, tracker, domain)
    names = [m["response"] for m in dispatcher.messages]
    assert names == [
        opener,
        "utter_crisis_lines",
        "utter_crisis_offer_person",
        "utter_crisis_check",
    ]
    assert "utter_crisis_safe" not in names
    assert "911" in dispatcher.messages[1]["helpline_list"]
    assert SlotSet("crisis", "resolved") not in events


async def test_a_clear_safe_ends_crisis_mode(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(
        slots={"crisis": "active"}, intent="confirm_safe", text="/confirm_safe"
    )
    events = await ActionRespondToCrisis().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_crisis_safe"]
    assert events == [SlotSet("crisis", "resolved")]


async def test_a_bare_yes_in_crisis_mode_is_asked_again(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    tracker = make_tracker(slots={"crisis": "active"}, intent="affirm", text="yes")
    events = await ActionRespondToCrisis().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_crisis_clarify",
        "utter_crisis_check",
    ]
    assert events == [SlotSet("crisis", "active")]
