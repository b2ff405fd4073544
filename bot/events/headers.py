"""Publishing an event with headers to any Rasa event broker.

Rasa's `EventBroker.publish(event)` takes no headers; its Pika broker and
ours (bot/events/broker.py, bot/events/rabbit.py, bot/handoff/broker.py)
take `headers=`. The tracker store publishes each turn's events with the
console's header (bot/handoff/forwarding.py); `publish` passes headers only
to a broker whose `publish` takes them, so any configured broker keeps
working (it then gets no header, and the console's broker forwards an event
without one).
"""

import inspect
from functools import cache
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker


@cache
def takes_headers(kind: Any) -> bool:
    """Whether the `publish` of a broker class takes a `headers` argument."""
    try:
        parameters = inspect.signature(kind.publish).parameters
    except (AttributeError, TypeError, ValueError):
        return False
    return "headers" in parameters or any(
        parameter.kind is inspect.Parameter.VAR_KEYWORD
        for parameter in parameters.values()
    )


def publish(
    broker: EventBroker,
    event: dict[str, Any],
    headers: Optional[dict[str, str]] = None,
) -> None:
    """Publish one event, with `headers` when given and the broker takes them."""
    if headers is not None and takes_headers(broker.__class__):
        broker.publish(event, headers=headers)
    else:
        broker.publish(event)
