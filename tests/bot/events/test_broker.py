"""The production broker gives every event to each broker, headers to those taking them."""

from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker

from bot.events.broker import ProductionEventBroker
from bot.events.headers import publish, takes_headers
from bot.events.rabbit import RabbitEventBroker
from bot.handoff.broker import ConsoleEventBroker
from bot.handoff.forwarding import headers_for

EVENT = {"sender_id": "c-1", "event": "user", "text": "hello"}


class WithHeaders(EventBroker):
    def __init__(self) -> None:
        self.got: list[tuple[dict[str, Any], Optional[dict[str, str]]]] = []

    def publish(
        self, event: dict[str, Any], headers: Optional[dict[str, str]] = None
    ) -> None:
        self.got.append((event, headers))


class WithoutHeaders(EventBroker):
    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.got.append(event)


class Failing(EventBroker):
    def publish(self, event: dict[str, Any], **kwargs: Any) -> None:
        raise RuntimeError("broken")


def test_which_brokers_take_headers() -> None:
    assert takes_headers(WithHeaders) and takes_headers(Failing)
    assert not takes_headers(WithoutHeaders)
    assert takes_headers(ConsoleEventBroker) and takes_headers(RabbitEventBroker)
    assert takes_headers(ProductionEventBroker)
    assert not takes_headers(EventBroker)  # Rasa's base: publish(event)


def test_publish_passes_headers_only_where_they_are_taken() -> None:
    taking, not_taking = WithHeaders(), WithoutHeaders()
    for broker in (taking, not_taking):
        publish(broker, EVENT, headers_for(False))
        publish(broker, EVENT)
    assert taking.got == [(EVENT, {"console": "skip"}), (EVENT, None)]
    assert not_taking.got == [EVENT, EVENT]


def test_every_broker_gets_the_event_with_the_turns_headers() -> None:
    taking, not_taking = WithHeaders(), WithoutHeaders()
    production = ProductionEventBroker([Failing(), taking, not_taking])
    production.publish(EVENT, headers=headers_for(False))
    production.publish(EVENT)
    assert taking.got == [(EVENT, {"console": "skip"}), (EVENT, None)]
    assert not_taking.got == [EVENT, EVENT]
