"""The event broker: redacted batches to the console, never blocking, never raising."""

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.handoff.broker import ConsoleEventBroker
from bot.handoff.client import ConsoleClient
from bot.handoff.forwarding import headers_for
from bot.settings import ROOT
from bot.stores import PrivateSQLTrackerStore
from tests.bot.handoff.fake_console import SERVICE_TOKEN, FakeConsole, down_url

pytestmark = pytest.mark.asyncio(loop_scope="session")

PHONE = "0917 123 4567"
NAME = "Maria Santos"
BROKER = "bot.handoff.broker.ConsoleEventBroker"


@pytest.fixture
async def console() -> AsyncIterator[FakeConsole]:
    fake = FakeConsole()
    await fake.start()
    yield fake
    await fake.stop()


def broker_of(url: str, **options: Any) -> ConsoleEventBroker:
    return ConsoleEventBroker(ConsoleClient(url, SERVICE_TOKEN, 2.0), **options)


def user(sender: str, text: str, **parse: Any) -> dict[str, Any]:
    return {
        "sender_id": sender,
        "event": "user",
        "text": text,
        "timestamp": 10.0,
        "parse_data": {"intent": {"name": "report_sextortion"}, **parse},
        "metadata": {"phone": PHONE},
        "input_channel": "socketio",
    }


def bot(sender: str, text: str, **metadata: Any) -> dict[str, Any]:
    return {
        "sender_id": sender,
        "event": "bot",
        "text": text,
        "timestamp": 11.0,
        "metadata": metadata,
    }


async def test_messages_reach_the_console_redacted_in_order(
    console: FakeConsole,
) -> None:
    broker = broker_of(console.url)
    broker.publish(
        user(
            "c-1",
            f"my name is {NAME}, he will post my pics, text me at {PHONE}",
            risk="elevated",
            language={"code": "en", "decided": True},
        )
    )
    broker.publish({"sender_id": "c-1", "event": "slot", "name": "x", "value": 1})
    broker.publish(bot("c-1", "I'm so sorry this is happening."))
    broker.publish(bot("c-1", "Hello, I'm Ana from the helpline", handoff="staff"))
    assert await broker.flush()
    assert console.events == [
        {
            "conversation_id": "c-1",
            "type": "user",
            "text": "my name is [name], he will post my pics, text me at [phone]",
            "at": 10.0,
            "risk": "elevated",
            "language": "en",
        },
        {
            "conversation_id": "c-1",
            "type": "bot",
            "text": "I'm so sorry this is happening.",
            "at": 11.0,
        },
    ]
    raw = "".join(call.raw for call in console.calls)
    assert PHONE not in raw and "4567" not in raw and "Maria" not in raw
    assert console.calls[0].authorization == f"Bearer {SERVICE_TOKEN}"
    assert (broker.sent, broker.dropped) == (2, 0)
    await broker.close()


async def test_events_go_in_batches(console: FakeConsole) -> None:
    broker = broker_of(console.url, batch_size=50)
    for i in range(120):
        broker.publish(user(f"c-{i % 3}", f"message {i}"))
    assert await broker.flush()
    sizes = [len(call.body["events"]) for call in console.calls]
    assert sizes == [50, 50, 20]
    assert [e["text"] for e in console.events] == [f"message {i}" for i in range(120)]
    await broker.close()


async def test_a_console_that_is_down_costs_nothing_but_a_counted_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = broker_of(down_url(), batch_size=2)
    with caplog.at_level(logging.WARNING, logger="bot.handoff.broker"):
        for i in range(5):
            broker.publish(user("c-1", f"secret {i} {PHONE}"))  # never raises
        assert await broker.flush()
    assert (broker.sent, broker.dropped) == (0, 5)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1  # at most one a minute
    assert "not forwarded" in warnings[0]
    assert "secret" not in caplog.text and "4567" not in caplog.text
    assert "c-1" not in caplog.text
    await broker.close()


async def test_a_slow_console_does_not_hold_back_publishing(
    console: FakeConsole,
) -> None:
    console.mode, console.delay = "slow", 3.0
    broker = ConsoleEventBroker(ConsoleClient(console.url, SERVICE_TOKEN, 0.3))
    broker.publish(user("c-1", "first"))
    broker.publish(user("c-1", "second"))  # returns at once: only queued
    assert await broker.flush(timeout=5.0)
    assert broker.dropped == 2
    await broker.close()


async def test_the_queue_is_bounded_and_drops_the_oldest(console: FakeConsole) -> None:
    broker = broker_of(console.url, queue_size=3)
    for i in range(7):
        broker.publish(user("c-1", f"message {i}"))
    assert await broker.flush()
    assert [e["text"] for e in console.events] == [
        "message 4",
        "message 5",
        "message 6",
    ]
    assert broker.dropped == 4
    await broker.close()


def test_publishing_outside_an_event_loop_does_not_raise() -> None:
    broker = broker_of(down_url())
    broker.publish(user("c-1", "hi"))
    broker.publish({"no": "event"})
    assert broker.dropped == 1


async def test_a_disabled_console_turns_the_broker_off(
    monkeypatch: pytest.MonkeyPatch, console: FakeConsole
) -> None:
    monkeypatch.setenv("CONSOLE_ENABLED", "false")
    monkeypatch.setenv("CONSOLE_PORT", str(console.port))
    broker = await ConsoleEventBroker.from_endpoint_config(EndpointConfig(type=BROKER))
    assert not broker.enabled
    broker.publish(user("c-1", "hi"))
    assert await broker.flush()
    assert console.calls == [] and broker.dropped == 0


async def test_rasa_loads_the_broker_of_endpoints_yml_with_the_settings(
    monkeypatch: pytest.MonkeyPatch, console: FakeConsole
) -> None:
    for name, value in {
        "ACTIONS_PORT": "5055",
        "TRACKER_DB": "var/rasa.db",
        "RETENTION_DAYS": "30",
        "CONSOLE_ENABLED": "true",
        "CONSOLE_PORT": str(console.port),
        "SERVICE_TOKEN": SERVICE_TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    assert endpoints.event_broker is not None
    assert endpoints.event_broker.type == BROKER
    broker = await EventBroker.create(endpoints.event_broker)
    assert isinstance(broker, ConsoleEventBroker) and broker.enabled
    broker.publish(user("c-1", "hello from rasa"))
    assert await broker.flush()
    assert [e["text"] for e in console.events] == ["hello from rasa"]
    await broker.close()


async def test_the_tracker_store_publishes_through_it_redacted(
    console: FakeConsole, tmp_path: Path
) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    broker = broker_of(console.url)
    store = PrivateSQLTrackerStore(
        domain=domain,
        dialect="sqlite",
        db=str(tmp_path / "rasa.db"),
        event_broker=broker,
    )
    tracker = DialogueStateTracker.from_events(
        "+60123456789",
        [
            ActionExecuted("action_listen"),
            UserUttered(
                f"my name is {NAME} and my number is {PHONE}",
                intent={"name": "request_human", "confidence": 1.0},
                parse_data={
                    "intent": {"name": "request_human", "confidence": 1.0},
                    "risk": "none",
                    "language": {"code": "en", "decided": True},
                },
            ),
            ActionExecuted("action_request_human"),
            BotUttered("I've asked a trained person to join."),
            SlotSet("handoff", "waiting"),
        ],
        domain.slots,
    )
    await store.save(tracker)
    assert await broker.flush()
    assert [(e["type"], e["text"]) for e in console.events] == [
        ("user", "my name is [name] and my number is [phone]"),
        ("bot", "I've asked a trained person to join."),
    ]
    assert console.events[0]["conversation_id"] == "+60123456789"
    assert console.events[0]["language"] == "en"
    await broker.close()


WORDS = ("one", "two", "three", "four", "five")


async def test_with_retry_for_a_restarting_console_loses_nothing(
    console: FakeConsole, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio

    console.mode = "error"  # down: every call answers 500
    broker = broker_of(console.url, batch_size=2, retry_for=60)
    with caplog.at_level(logging.WARNING, logger="bot.handoff.broker"):
        for word in WORDS:
            broker.publish(user("c-1", f"while down {word}: {PHONE}"))
        assert not await broker.flush(timeout=1.5)  # kept, not dropped
        assert (broker.sent, broker.dropped) == (0, 0)
        console.mode = "available"  # back
        assert await broker.flush(timeout=20)
    assert [e["text"] for e in console.events] == [
        f"while down {word}: [phone]" for word in WORDS
    ]
    assert (broker.sent, broker.dropped) == (5, 0)
    said = caplog.text
    assert "kept and sent again" in said and "takes events again" in said
    assert "while down" not in said and "4567" not in said
    await broker.close()
    await asyncio.sleep(0)


async def test_with_retry_for_events_go_once_the_time_is_up(
    console: FakeConsole,
) -> None:
    console.mode = "error"
    broker = broker_of(console.url, retry_for=0.6)
    broker.publish(user("c-1", "never taken"))
    assert await broker.flush(timeout=15)
    assert (broker.sent, broker.dropped) == (0, 1)
    await broker.close()


async def test_events_of_a_turn_marked_skip_cost_nothing(console: FakeConsole) -> None:
    broker = broker_of(console.url)
    broker.publish(user("c-1", "not needed"), headers=headers_for(False))
    broker.publish(bot("c-1", "not needed either"), headers=headers_for(False))
    broker.publish(user("c-2", "needed"), headers=headers_for(True))
    broker.publish(user("c-3", "no header: forwarded"))
    broker.publish(user("c-4", "other headers: forwarded"), headers={"x": "skip"})
    assert await broker.flush()
    assert [e["text"] for e in console.events] == [
        "needed",
        "no header: forwarded",
        "other headers: forwarded",
    ]
    assert (broker.sent, broker.dropped, broker.skipped) == (3, 0, 2)
    await broker.close()


class Replica:
    """One Rasa replica's tracker store and console broker (shared database)."""

    def __init__(self, console: FakeConsole, db: Path, domain: Domain) -> None:
        self.broker = broker_of(console.url)
        self.store = PrivateSQLTrackerStore(
            domain=domain, dialect="sqlite", db=str(db), event_broker=self.broker
        )

    async def turn(self, sender: str, *events: Any) -> None:
        """A turn as Rasa runs it: read the conversation, add events, save."""
        tracker = await self.store.retrieve(sender)
        if tracker is None:
            tracker = self.store.init_tracker(sender)
        for event in events:
            tracker.update(event)
        await self.store.save(tracker)
        assert await self.broker.flush()


def said(text: str, intent: str = "greet", risk: str = "none") -> UserUttered:
    parse = {"intent": {"name": intent, "confidence": 1.0}, "risk": risk}
    return UserUttered(text, intent=parse["intent"], parse_data=parse)


async def test_a_handoff_opened_on_one_replica_is_forwarded_by_the_other(
    console: FakeConsole, tmp_path: Path
) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    a = Replica(console, tmp_path / "rasa.db", domain)
    b = Replica(console, tmp_path / "rasa.db", domain)
    person = "+60123456789"
    await a.turn(
        person,
        ActionExecuted("action_listen"),
        said("hello"),
        ActionExecuted("utter_greet"),
        BotUttered("Hi! How can I help?"),
        ActionExecuted("action_listen"),
    )
    assert console.events == [] and a.broker.skipped == 2  # never handed off
    await b.turn(
        person,
        said("a real person please", "request_human"),
        ActionExecuted("action_request_human"),
        BotUttered("I've asked a trained person to join."),
        SlotSet("handoff", "waiting"),
        ActionExecuted("action_listen"),
    )
    await a.turn(person, said("are you there?"), ActionExecuted("action_listen"))
    assert [(e["type"], e["text"]) for e in console.events] == [
        ("user", "a real person please"),
        ("bot", "I've asked a trained person to join."),
        ("user", "are you there?"),
    ]
    # Another conversation on the same replica is still skipped.
    await a.turn("someone else", said("hello"), ActionExecuted("action_listen"))
    assert len(console.events) == 3 and a.broker.skipped == 3
    for replica in (a, b):
        await replica.broker.close()


async def test_after_a_crisis_whose_handoff_reply_came_late_turns_are_forwarded(
    console: FakeConsole, tmp_path: Path
) -> None:
    # The urgent handoff was requested but the console answered after the
    # crisis answer: no `handoff` slot, yet the console holds one.
    domain = Domain.load(str(ROOT / "domain.yml"))
    a = Replica(console, tmp_path / "rasa.db", domain)
    b = Replica(console, tmp_path / "rasa.db", domain)
    person = "+60111111111"
    await a.turn(
        person,
        ActionExecuted("action_listen"),
        said("I want to end it", "crisis_self_harm", "high"),
        ActionExecuted("action_respond_to_crisis"),
        BotUttered("Please call 999 now."),
        SlotSet("crisis", "active"),
        ActionExecuted("action_listen"),
    )
    await b.turn(
        person,
        said("I'm safe now", "confirm_safe"),
        ActionExecuted("action_respond_to_crisis"),
        BotUttered("I'm glad."),
        SlotSet("crisis", "resolved"),
        ActionExecuted("action_listen"),
    )
    await a.turn(person, said("thanks"), ActionExecuted("action_listen"))
    assert [e["text"] for e in console.events if e["type"] == "user"] == [
        "I want to end it",
        "I'm safe now",
        "thanks",
    ]
    assert console.events[0]["risk"] == "high"
    assert a.broker.skipped == b.broker.skipped == 0
    for replica in (a, b):
        await replica.broker.close()


async def test_when_the_header_cannot_be_decided_the_turn_is_forwarded(
    console: FakeConsole, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def undecided(*args: Any) -> bool:
        raise RuntimeError("no idea")

    monkeypatch.setattr("bot.stores.console_needs_turn", undecided)
    replica = Replica(
        console, tmp_path / "rasa.db", Domain.load(str(ROOT / "domain.yml"))
    )
    await replica.turn("c-9", said("hello"), ActionExecuted("action_listen"))
    assert [e["text"] for e in console.events] == ["hello"]
    assert replica.broker.skipped == 0
    await replica.broker.close()
