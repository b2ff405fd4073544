"""In-process publish/subscribe for the live streams (server-sent events).

The service publishes what changed (`Change`); each open stream has a
`Subscription` with a bounded queue. A stream that does not keep up loses
its oldest changes and is told to resend the whole queue (`overflowed`).
"""

import asyncio
from dataclasses import dataclass, field
from typing import Any, Optional

#: Changes kept per stream before the oldest are dropped.
QUEUE_SIZE = 256


@dataclass(frozen=True)
class Change:
    """Something staff may need to see.

    Attributes:
        kind: "handoff" (new, claimed, closed, raised...) or "message".
        handoff_id: The hand-off concerned.
        data: The event's payload (before per-staff visibility is applied).
    """

    kind: str
    handoff_id: int
    data: dict[str, Any] = field(default_factory=dict)


class Subscription:
    """One live stream's queue of changes."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Change] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False

    def put(self, change: Change) -> None:
        """Add a change, dropping the oldest when full."""
        if self.queue.full():
            self.queue.get_nowait()
            self.overflowed = True
        self.queue.put_nowait(change)

    async def get(self, timeout: float) -> Optional[Change]:
        """The next change, or None after `timeout` seconds."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            return None


class Hub:
    """Fan-out of changes to every open stream."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    def subscribe(self) -> Subscription:
        """Open a subscription (close it with `unsubscribe`)."""
        subscription = Subscription()
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Close a subscription."""
        self._subscriptions.discard(subscription)

    def publish(self, change: Change) -> None:
        """Send a change to every subscription (never blocks)."""
        for subscription in list(self._subscriptions):
            subscription.put(change)

    @property
    def count(self) -> int:
        """Open subscriptions."""
        return len(self._subscriptions)
