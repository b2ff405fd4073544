"""`ProductionEventBroker`: the events of every turn to the console and to RabbitMQ.

Rasa takes one event broker (endpoints.yml `event_broker`). In production two
parts need the events: the staff console (messages of conversations handed
off to a person, `bot.handoff.broker.ConsoleEventBroker`) and RabbitMQ (every
event, redacted, for analytics and audits: `bot.events.rabbit`). This broker
passes each published event to both; either is left out when not configured
(CONSOLE_ENABLED=false, no RABBITMQ_HOST). Neither can break a turn or delay
the other: both only queue in `publish`. The headers the tracker store
publishes with (bot/handoff/forwarding.py: whether the console needs the
turn) go to both; RabbitMQ gets every event whatever they say.

endpoints.production.yml:

    event_broker:
      type: bot.events.broker.ProductionEventBroker
      url: ${RABBITMQ_HOST}
      port: ${RABBITMQ_PORT}
      username: ${RABBITMQ_USERNAME}
      password: ${RABBITMQ_PASSWORD}
      queues:
        - ${RABBITMQ_QUEUE}
      exchange_name: ${RABBITMQ_EXCHANGE}
      buffer: ${RABBITMQ_BUFFER}
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.events.headers import publish
from bot.events.rabbit import RabbitEventBroker

logger = logging.getLogger(__name__)

#: Seconds the console's events are kept and sent again while it is down.
CONSOLE_RETRY_S = 300.0


class ProductionEventBroker(EventBroker):
    """Passes every event to each of its brokers (module docstring).

    Args:
        brokers: The brokers, in order.
    """

    def __init__(self, brokers: Sequence[EventBroker]) -> None:
        self.brokers = list(brokers)

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> "ProductionEventBroker":
        """The console's broker (when enabled) and RabbitMQ's (when configured)."""
        from bot.handoff.broker import ConsoleEventBroker

        brokers: list[EventBroker] = []
        # Events wait (and are sent again) while the console restarts.
        console = await ConsoleEventBroker.from_endpoint_config(
            EndpointConfig(retry_for=CONSOLE_RETRY_S)
        )
        if console.enabled:
            brokers.append(console)
        options = {"url": broker_config.url, **(broker_config.kwargs or {})}
        rabbit = RabbitEventBroker.from_options(options)
        if rabbit is not None:
            brokers.append(rabbit)
        else:
            logger.warning("Event broker: no RABBITMQ_HOST; events go to no queue.")
        return cls(brokers)

    def broker(self, kind: type) -> Optional[Any]:
        """The first broker of a class (tests, counts), or None."""
        return next((b for b in self.brokers if isinstance(b, kind)), None)

    def publish(
        self, event: dict[str, Any], headers: Optional[dict[str, str]] = None
    ) -> None:
        """Give the event to every broker; one failing never stops the others.

        Args:
            event: What the tracker store publishes.
            headers: Passed on to the brokers that take headers.
        """
        for broker in self.brokers:
            try:
                publish(broker, event, headers)
            except Exception as error:
                logger.error(
                    "Event broker %s failed to take an event: %s",
                    type(broker).__name__,
                    type(error).__name__,
                )

    def is_ready(self) -> bool:
        """Ready when every broker is (ours always are)."""
        return all(broker.is_ready() for broker in self.brokers)

    async def close(self) -> None:
        """Close every broker (each sends what it still holds, briefly)."""
        await asyncio.gather(
            *(broker.close() for broker in self.brokers), return_exceptions=True
        )
