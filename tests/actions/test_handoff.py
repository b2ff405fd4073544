"""The handoff actions against a real (fake) console over HTTP: what the person is told.

`action_request_human` queues the conversation and says what really happens
(someone can take it / nobody online / outside the hours / console down or
slow); the console's external events (claimed, unanswered, expired, closed);
cancel; and the urgent handoff of the crisis answer, which never changes the
crisis numbers when the console is down or slow.
"""

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import (
    ActionCancelHandoff,
    ActionHandoffClaimed,
    ActionHandoffClosed,
    ActionHandoffExpired,
    ActionHandoffUnanswered,
    ActionRequestHuman,
    wait_for_pending,
)
from actions.safety import ActionRespondToCrisis
from bot.content.helplines import FOCUS_COUNTRIES, load_directory
from bot.content.nlu_data import read_examples
from bot.languages import CODES
from bot.settings import ROOT, Settings
from tests.bot.handoff.fake_console import SERVICE_TOKEN, FakeConsole, free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")

NIGHT_IN_MALAYSIA = datetime(2026, 11, 26, 18, tzinfo=timezone.utc)  # 2am
DAY_IN_MALAYSIA = datetime(2026, 11, 26, 3, tzinfo=timezone.utc)  # 11am
PHONE = "0917 123 4567"
CRISIS_ANSWER = [
    "utter_crisis_care",
    "utter_crisis_lines_all",
    "utter_crisis_offer_person",
    "utter_crisis_check",
]


@pytest.fixture
async def console() -> AsyncIterator[FakeConsole]:
    fake = FakeConsole()
    await fake.start()
    yield fake
    await wait_for_pending(5.0)
    await fake.stop()


def settings_of(console: Optional[FakeConsole], **values: Any) -> Settings:
    """Settings naming the fake console (None: a console that is down)."""
    port = console.port if console else free_port()
    return Settings(
        console_port=port, service_token=SERVICE_TOKEN, console_timeout=1.0, **values
    )


def tracker(
    slots: Optional[dict[str, Any]] = None,
    intent: str = "request_human",
    text: str = "can i talk to a real person",
    risk: str = "none",
    events: Optional[list[dict[str, Any]]] = None,
) -> Tracker:
    """A real rasa_sdk Tracker: a conversation on socket.io ending in `text`."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [],
        "risk": risk,
    }
    history = events or []
    history = [
        *history,
        {
            "event": "user",
            "text": text,
            "timestamp": 100.0,
            "parse_data": latest,
            "input_channel": "socketio",
        },
    ]
    return Tracker(
        sender_id="+639171234567",
        slots=slots or {},
        latest_message=latest,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def request_human(console: Optional[FakeConsole], **values: Any) -> ActionRequestHuman:
    return ActionRequestHuman(
        clock=lambda: DAY_IN_MALAYSIA, settings=settings_of(console, **values)
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


# --- asking for a person ---------------------------------------------------


async def test_someone_can_take_it_connecting_and_the_request_as_agreed(
    console: FakeConsole, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    history = [
        {
            "event": "user",
            "text": f"my name is Maria Santos, my number is {PHONE}",
            "timestamp": 90.0,
            "parse_data": {"intent": {"name": "greet"}},
        },
        {
            "event": "bot",
            "text": "Hi, I'm glad you reached out",
            "timestamp": 91.0,
            "metadata": {"utter_action": "utter_greet"},
        },
        {"event": "slot", "name": "language", "value": "tl", "timestamp": 91.5},
    ]
    events = await request_human(console).run(
        dispatcher,
        tracker({"language": "tl", "country": "PH"}, events=history),
        domain,
    )
    assert responses(dispatcher) == ["utter_handoff_connecting"]
    assert events == [SlotSet("handoff", "waiting")]
    [call] = console.calls
    assert call.authorization == f"Bearer {SERVICE_TOKEN}"
    assert call.body == {
        "conversation_id": "+639171234567",
        "language": "tl",
        "country": "PH",
        "channel": "socketio",
        "risk": "none",
        "reason": "request_human",
        "transcript": [
            {
                "sender": "user",
                "text": "my name is [name], my number is [phone]",
                "at": 90.0,
            },
            {"sender": "bot", "text": "Hi, I'm glad you reached out", "at": 91.0},
            {"sender": "user", "text": "can i talk to a real person", "at": 100.0},
        ],
    }
    assert "Maria" not in call.raw and PHONE not in call.raw


@pytest.mark.parametrize(
    ("estimate", "response", "values"),
    [
        (None, "utter_handoff_connecting", {}),
        (900, "utter_handoff_connecting_minutes", {"minutes": 15}),
        (5400, "utter_handoff_connecting_long", {}),
    ],
)
async def test_the_wait_is_said_roughly(
    console: FakeConsole,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    estimate: Optional[int],
    response: str,
    values: dict[str, Any],
) -> None:
    console.wait_estimate_s = estimate
    await request_human(console).run(dispatcher, tracker(), domain)
    [message] = dispatcher.messages
    assert message["response"] == response
    assert {k: message[k] for k in values} == values


async def test_nobody_online_says_so_lists_the_country_and_keeps_it_queued(
    console: FakeConsole, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    console.mode = "nobody"
    events = await request_human(console).run(
        dispatcher, tracker({"country": "MY"}), domain
    )
    assert responses(dispatcher) == [
        "utter_handoff_nobody_online",
        "utter_helplines",
        "utter_handoff_queued",
    ]
    assert "15999" in dispatcher.messages[1]["helpline_list"]
    assert dispatcher.messages[2]["minutes"] == 60
    assert events == [SlotSet("awaiting_country", None), SlotSet("handoff", "waiting")]


async def test_outside_the_hours_without_country_lists_every_country_then_asks(
    console: FakeConsole, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    console.mode = "closed"
    console.expires_in_s = 4 * 3600
    events = await request_human(console).run(dispatcher, tracker(), domain)
    assert responses(dispatcher) == [
        "utter_handoff_outside_hours",
        "utter_request_human_lines",
        "utter_handoff_queued_hours",
        "utter_ask_country",
    ]
    assert dispatcher.messages[2]["hours"] == 4
    listing = dispatcher.messages[1]["helpline_list"]
    for number in ("1553", "15999", "1387", "111", "1554"):
        assert number in listing
    assert events == [
        SlotSet("awaiting_country", "helplines"),
        SlotSet("handoff", "waiting"),
    ]


@pytest.mark.parametrize("mode", ["down", "slow", "error", "garbage"])
async def test_a_console_that_fails_still_gives_the_numbers_never_silence(
    console: FakeConsole,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    mode: str,
) -> None:
    console.mode, console.delay = mode, 3.0
    action = request_human(None if mode == "down" else console)
    events = await action.run(dispatcher, tracker({"country": "TH"}), domain)
    assert responses(dispatcher) == ["utter_handoff_console_down", "utter_helplines"]
    assert "1323" in dispatcher.messages[1]["helpline_list"]
    assert events == [SlotSet("awaiting_country", None)]  # not waiting


async def test_without_a_console_the_helplines_people_are_named(
    console: FakeConsole, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await request_human(console, console_enabled=False).run(
        dispatcher, tracker({"country": "LA"}), domain
    )
    assert responses(dispatcher) == ["utter_request_human", "utter_helplines"]
    assert "1554" in dispatcher.messages[1]["helpline_list"]
    assert events == [SlotSet("awaiting_country", None)]
    assert console.calls == []


async def test_two_messages_not_understood_say_why_and_ask_as_fallback(
    console: FakeConsole, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await request_human(console).run(
        dispatcher, tracker(intent="nlu_fallback", text="asdf qwer"), domain
    )
    assert responses(dispatcher) == [
        "utter_handoff_after_fallback",
        "utter_handoff_connecting",
    ]
    assert console.calls[0].body["reason"] == "fallback"


@pytest.mark.parametrize(
    ("slots", "risk", "expected"),
    [({"crisis": "active"}, "none", "high"), ({}, "elevated", "elevated")],
)
async def test_the_risk_comes_from_crisis_mode_and_the_message(
    console: FakeConsole,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    slots: dict[str, Any],
    risk: str,
    expected: str,
) -> None:
    await request_human(console).run(dispatcher, tracker(slots, risk=risk), domain)
    assert console.calls[0].body["risk"] == expected


async def test_asking_twice_finds_the_same_request(
    console: FakeConsole, domain: dict[str, Any]
) -> None:
    for _ in range(2):
        events = await request_human(console).run(
            CollectingDispatcher(), tracker({"handoff": "waiting"}), domain
        )
        assert events == [SlotSet("handoff", "waiting")]
    assert len(console.open) == 1


# --- the helplines listed when nobody can take it (as before the console) ---


def without_console(moment: datetime) -> ActionRequestHuman:
    return ActionRequestHuman(
        clock=lambda: moment, settings=Settings(console_enabled=False)
    )


async def test_without_country_every_focus_country_is_listed_at_once(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await without_console(NIGHT_IN_MALAYSIA).run(dispatcher, tracker(), domain)
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
    await without_console(DAY_IN_MALAYSIA).run(dispatcher, tracker(), domain)
    malaysia = dispatcher.messages[1]["helpline_list"].splitlines()[1]
    assert "15555 (8am to midnight daily, Malaysia time)" in malaysia
    assert malaysia.index("15999") < malaysia.index("15555")


@pytest.mark.parametrize("code", CODES)
async def test_the_lists_are_in_the_persons_language(
    dispatcher: CollectingDispatcher, domain: dict[str, Any], code: str
) -> None:
    book = load_directory(ROOT / "data" / "helplines.yml")
    action = ActionRequestHuman(settings=settings_of(None))  # console down
    await action.run(dispatcher, tracker({"language": code}), domain)
    lines = dispatcher.messages[1]["helpline_list"].splitlines()
    for line, country in zip(lines, FOCUS_COUNTRIES, strict=True):
        name = book.country_name(country, code)
        assert line.startswith(f"• {name[:1].upper()}{name[1:]}: "), (code, line)
        assert any(ch.isdigit() for ch in line), line


# --- cancel and the console's external events --------------------------------


async def test_cancel_takes_the_person_out_of_the_queue(
    console: FakeConsole, dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    await request_human(console).run(CollectingDispatcher(), tracker(), domain)
    events = await ActionCancelHandoff(settings=settings_of(console)).run(
        dispatcher, tracker({"handoff": "waiting"}, "cancel_handoff", "cancel"), domain
    )
    assert responses(dispatcher) == ["utter_handoff_cancelled"]
    assert events == [SlotSet("handoff", None)]
    assert console.calls[-1].body == {"conversation_id": "+639171234567"}
    assert console.open == {}


async def test_cancel_with_the_console_down_still_answers(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionCancelHandoff(settings=settings_of(None)).run(
        dispatcher, tracker({"handoff": "waiting"}, "cancel_handoff", "cancel"), domain
    )
    assert responses(dispatcher) == ["utter_handoff_cancelled"]
    assert events == [SlotSet("handoff", None)]


async def test_a_claim_tells_the_person_and_pauses_the_bot(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionHandoffClaimed().run(
        dispatcher, tracker({"handoff": "waiting"}, "EXTERNAL_handoff_claimed"), domain
    )
    assert responses(dispatcher) == ["utter_handoff_claimed"]
    assert events == [SlotSet("handoff", "active"), ConversationPaused()]


async def test_unanswered_gives_the_numbers_and_keeps_waiting(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionHandoffUnanswered().run(
        dispatcher, tracker({"country": "PH"}, "EXTERNAL_handoff_unanswered"), domain
    )
    assert responses(dispatcher) == [
        "utter_handoff_unanswered",
        "utter_helplines",
        "utter_handoff_still_waiting",
    ]
    assert "1553" in dispatcher.messages[1]["helpline_list"]
    assert events == [SlotSet("awaiting_country", None), SlotSet("handoff", "waiting")]


async def test_expiry_gives_the_numbers_and_ends_waiting(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionHandoffExpired().run(
        dispatcher, tracker({"handoff": "waiting"}, "EXTERNAL_handoff_expired"), domain
    )
    assert responses(dispatcher) == [
        "utter_handoff_expired",
        "utter_request_human_lines",
        "utter_ask_country",
    ]
    assert events == [
        SlotSet("awaiting_country", "helplines"),
        SlotSet("handoff", None),
    ]


async def test_close_brings_the_assistant_back(
    dispatcher: CollectingDispatcher, domain: dict[str, Any]
) -> None:
    events = await ActionHandoffClosed().run(
        dispatcher, tracker({"handoff": "active"}, "EXTERNAL_handoff_closed"), domain
    )
    assert responses(dispatcher) == ["utter_handoff_closed"]
    assert events == [SlotSet("handoff", None)]


# --- crisis mode: an urgent handoff that never costs the numbers ---------------


@pytest.fixture
def crisis_console(
    monkeypatch: pytest.MonkeyPatch, console: FakeConsole
) -> FakeConsole:
    """The crisis action reads its settings from the environment."""
    monkeypatch.setenv("CONSOLE_ENABLED", "true")
    monkeypatch.setenv("CONSOLE_PORT", str(console.port))
    monkeypatch.setenv("SERVICE_TOKEN", SERVICE_TOKEN)
    monkeypatch.setenv("CONSOLE_TIMEOUT", "2")
    return console


def crisis(
    slots: Optional[dict[str, Any]] = None,
    intent: str = "crisis_self_harm",
    text: str = "i dont want to live anymore",
) -> Tracker:
    return tracker(
        slots, intent, text, risk="high" if intent == "crisis_self_harm" else "none"
    )


async def test_a_crisis_opens_an_urgent_handoff_and_says_a_person_will_join(
    crisis_console: FakeConsole,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    events = await ActionRespondToCrisis().run(dispatcher, crisis(), domain)
    assert responses(dispatcher) == [
        "utter_crisis_care",
        "utter_crisis_lines_all",
        "utter_crisis_offer_person",
        "utter_handoff_crisis_joining",
        "utter_crisis_check",
    ]
    assert SlotSet("handoff", "waiting") in events
    [call] = crisis_console.calls
    assert (call.body["reason"], call.body["risk"]) == ("crisis", "high")
    assert crisis_console.open["+639171234567"]["urgent"] is True


async def test_a_crisis_with_nobody_online_points_to_the_numbers(
    crisis_console: FakeConsole,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    crisis_console.mode = "nobody"
    await ActionRespondToCrisis().run(dispatcher, crisis(), domain)
    assert responses(dispatcher)[3] == "utter_handoff_crisis_queued"
    assert responses(dispatcher)[-1] == "utter_crisis_check"


@pytest.mark.parametrize("mode", ["down", "slow", "error"])
async def test_a_console_down_or_slow_leaves_the_crisis_answer_unchanged(
    monkeypatch: pytest.MonkeyPatch,
    crisis_console: FakeConsole,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
    mode: str,
) -> None:
    crisis_console.mode, crisis_console.delay = mode, 1.0
    if mode == "down":
        monkeypatch.setenv("CONSOLE_PORT", str(free_port()))
    events = await ActionRespondToCrisis().run(dispatcher, crisis(), domain)
    assert responses(dispatcher) == CRISIS_ANSWER
    assert events == [
        SlotSet("crisis", "active"),
        SlotSet("awaiting_country", "crisis"),
    ]
    await wait_for_pending(5.0)
    if mode == "slow":  # the request went on in the background and arrived
        assert crisis_console.open["+639171234567"]["urgent"] is True


async def test_every_check_in_raises_the_same_request_without_repeating_itself(
    crisis_console: FakeConsole,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    slots = {"crisis": "active", "handoff": "waiting", "country": "PH"}
    events = await ActionRespondToCrisis().run(
        dispatcher, crisis(slots, "deny", "no"), domain
    )
    assert responses(dispatcher) == [
        "utter_crisis_not_safe",
        "utter_crisis_lines",
        "utter_crisis_offer_person",
        "utter_crisis_check",
    ]
    assert SlotSet("handoff", "waiting") not in events
    await wait_for_pending(5.0)
    assert [c.body["risk"] for c in crisis_console.calls] == ["high"]


async def test_cancel_in_crisis_mode_opens_no_request(
    crisis_console: FakeConsole,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    await ActionRespondToCrisis().run(
        dispatcher, crisis({"crisis": "active"}, "cancel_handoff", "cancel"), domain
    )
    assert responses(dispatcher)[-1] == "utter_crisis_check"
    await wait_for_pending(5.0)
    assert crisis_console.calls == []


async def test_the_caring_question_opens_no_request(
    crisis_console: FakeConsole,
    dispatcher: CollectingDispatcher,
    domain: dict[str, Any],
) -> None:
    tracker_ = tracker(
        None, "crisis_self_harm", "i feel so tired of everything", "elevated"
    )
    await ActionRespondToCrisis().run(dispatcher, tracker_, domain)
    assert responses(dispatcher) == ["utter_concern_check"]
    await wait_for_pending(5.0)
    assert crisis_console.calls == []


# --- the texts keep their promises ------------------------------------------


def texts(name: str, domain: dict[str, Any]) -> dict[str, str]:
    found = {"en": str(domain["responses"][name][0]["text"])}
    for code in CODES[1:]:
        path = ROOT / "data" / "translations" / f"{code}.yml"
        table = yaml.safe_load(path.read_text(encoding="utf-8"))["translations"]
        found[code] = str(table[name][0]["text"])
    return found


def test_the_cancel_word_each_answer_teaches_is_understood(
    domain: dict[str, Any],
) -> None:
    teaching = [
        name
        for name, variations in domain["responses"].items()
        if any(
            b.get("payload") == "/cancel_handoff"
            for b in variations[0].get("buttons", [])
        )
    ]
    assert len(teaching) == 6
    for code in CODES:
        examples = {
            e.text
            for e in read_examples(ROOT / "data" / "nlu" / f"{code}.yml", code)
            if e.intent == "cancel_handoff"
        }
        assert len(examples) >= 20, code
        for name in teaching:
            quoted = [q for q in texts(name, domain)[code].split('"')[1::2]]
            assert len(quoted) == 1 and quoted[0] in examples, (code, name, quoted)


def test_the_answers_without_a_console_promise_no_person_in_the_chat(
    domain: dict[str, Any],
) -> None:
    for code, text in texts("utter_request_human", domain).items():
        assert not text.rstrip().endswith(":"), code
    for code, text in texts("utter_request_human_lines", domain).items():
        assert "{helpline_list}" in text, code
    english = domain["responses"]["utter_request_human"][0]["text"]
    assert "can't put you through to a person in this chat" in english


def test_the_privacy_answer_says_who_reads_a_chat_handed_to_a_person(
    domain: dict[str, Any],
) -> None:
    english = domain["responses"]["utter_privacy"][0]["text"]
    for promise in (
        "unless you ask for a person",
        "trained helpline staff",
        "never your phone number or account",
        "supervisors",
    ):
        assert promise in english
    for code, text in texts("utter_privacy", domain).items():
        assert len(text) <= 700, code
