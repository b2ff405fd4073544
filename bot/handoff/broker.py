"""Rasa event broker that forwards a conversation's messages to the staff console.

endpoints.yml names it (`event_broker: type: bot.handoff.broker.ConsoleEventBroker`).
Rasa's tracker store publishes every new event of a turn; user and bot
messages are forwarded, redacted (bot/handoff/transcript.py, the same
`bot.safety.redact.redact` as the tracker store) with the message's risk and
language, in batches to `POST /internal/events`. The console keeps those of
conversations with an open handoff (staff read them live; a high or elevated
risk makes the handoff urgent) and drops the others. Bot messages marked as
written by staff are not sent back. Our tracker store marks each turn's
events with a header saying whether the console may need them
(bot/handoff/forwarding.py); events marked "skip" (conversations with no
handoff open or pending) are dropped at once, before any redaction or
request; events without the header are forwarded.

`publish` only queues (a bounded queue; when full, the oldest events go) and
never raises; a background task sends. When the console is down, a batch is
dropped and counted, with at most one warning a minute, never with message
text; with `retry_for` (the production configuration: 300 s) the batch is
kept and sent again (backoff 0.5 s doubling to 5 s) until the console is
back, so a console restart loses nothing, and dropped only after `retry_for`
seconds of failures or when the queue overflows. With `CONSOLE_ENABLED=false`
the broker does nothing.
"""

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Optional

import aiohttp
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.events.sender import BackgroundSender
from bot.handoff.client import ConsoleClient, ConsoleUnavailableError
from bot.handoff.forwarding import skips
from bot.handoff.transcript import console_event
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: Events sent in one request at most.
BATCH_SIZE = 50
#: Events waiting to be sent at most; beyond, the oldest are dropped.
QUEUE_SIZE = 2000
#: At most one warning about dropped events this often (seconds).
WARN_EVERY_S = 60.0
#: How long `close` may spend sending what is still queued (seconds).
CLOSE_BUDGET_S = 2.0
#: Pauses between two tries of a batch the console did not take (seconds).
FIRST_RETRY_S = 0.5
LAST_RETRY_S = 5.0
FORWARDED = ("user", "bot")


class ConsoleEventBroker(EventBroker):
    """Forwards redacted user and bot messages to the console (module docstring).

    Args:
        client: The console's client; None turns the broker off.
        batch_size: Events per request at most.
        queue_size: Events waiting at most (the oldest are dropped beyond).
        warn_every: Seconds between two warnings about dropped events.
        clock: Monotonic seconds (tests pass their own).
        retry_for: Seconds a batch is sent again while the console does not
            take it (0: dropped at the first failure).

    Attributes:
        sent: Events the console accepted or received so far.
        dropped: Events never delivered (console down, queue full).
        skipped: Events not forwarded: their turn's header said the console
            does not need them.
    """

    def __init__(
        self,
        client: Optional[ConsoleClient],
        batch_size: int = BATCH_SIZE,
        queue_size: int = QUEUE_SIZE,
        warn_every: float = WARN_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        retry_for: float = 0.0,
    ) -> None:
        self._client = client
        self._batch_size = max(1, int(batch_size))
        self._queue_size = max(1, int(queue_size))
        self._warn_every = float(warn_every)
        self._clock = clock
        self._queue: deque[Mapping[str, Any]] = deque()
        self._sender = BackgroundSender(self._send_forever, lambda: bool(self._queue))
        self._last_warning = -math.inf
        self._unreported = 0
        self._retry_for = max(0.0, float(retry_for))
        self._failing_since: Optional[float] = None
        self.sent = 0
        self.dropped = 0
        self.skipped = 0

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> "ConsoleEventBroker":
        """The broker of endpoints.yml: console, token and timeout from Settings.

        The endpoint may set `url` (default `Settings.console_url`),
        `batch_size`, `queue_size` and `retry_for`.
        """
        settings = Settings.from_env()
        if not settings.console_enabled:
            logger.info("Console event broker: the console is disabled; off.")
            return cls(None)
        options = dict(broker_config.kwargs or {}) if broker_config else {}
        url = (broker_config.url if broker_config else None) or settings.console_url
        client = ConsoleClient(url, settings.service_token, settings.console_timeout)
        return cls(
            client,
            batch_size=int(options.get("batch_size", BATCH_SIZE)),
            queue_size=int(options.get("queue_size", QUEUE_SIZE)),
            retry_for=float(options.get("retry_for", 0.0)),
        )

    @property
    def enabled(self) -> bool:
        """Whether the broker forwards anything."""
        return self._client is not None

    def publish(
        self, event: dict[str, Any], headers: Optional[dict[str, str]] = None
    ) -> None:
        """Queue one published event for the console; never blocks, never raises.

        Args:
            event: What the tracker store publishes.
            headers: The turn's headers; "skip" (bot/handoff/forwarding.py)
                drops the event here.
        """
        try:
            if self._client is None or event.get("event") not in FORWARDED:
                return
            if skips(headers):
                self.skipped += 1
                return
            if not self._sender.start():
                self._drop(1, "no running event loop")
                return
            if len(self._queue) >= self._queue_size:
                self._queue.popleft()
                self._drop(1, "queue full")
            self._queue.append(event)
            self._sender.wake()
        except Exception as error:  # a broker must never break a turn
            self._drop(1, type(error).__name__)

    def is_ready(self) -> bool:
        """Always ready: nothing waits for the console."""
        return True

    async def flush(self, timeout: float = CLOSE_BUDGET_S) -> bool:
        """Wait until every queued event was sent or dropped (tests, shutdown).

        Returns:
            Whether the queue emptied within `timeout` seconds.
        """
        return await self._sender.flush(timeout)

    async def close(self) -> None:
        """Send what is queued (within a short budget), then stop the sender."""
        await self._sender.close(CLOSE_BUDGET_S)
        if self._queue:
            self._drop(len(self._queue), "shut down")
            self._queue.clear()

    async def _send_forever(self) -> None:
        assert self._client is not None
        async with aiohttp.ClientSession() as session:
            client = self._client.with_session(session)
            pause = FIRST_RETRY_S
            while True:
                await self._sender.work()
                count = min(self._batch_size, len(self._queue))
                batch = [self._queue.popleft() for _ in range(count)]
                if await self._send(client, batch):
                    pause = FIRST_RETRY_S
                    continue
                # Kept: back to the front, the oldest beyond the limit go.
                self._queue.extendleft(reversed(batch))
                excess = len(self._queue) - self._queue_size
                for _ in range(max(0, excess)):
                    self._queue.popleft()
                if excess > 0:
                    self._drop(excess, "queue full")
                await asyncio.sleep(pause)
                pause = min(LAST_RETRY_S, pause * 2)

    async def _send(
        self, client: ConsoleClient, batch: list[Mapping[str, Any]]
    ) -> bool:
        """Redact and send one batch.

        Returns:
            False when the console did not take it and it is to be sent again
            (within `retry_for`); True when it was sent or dropped (counted).
        """
        try:
            items = [item for item in map(console_event, batch) if item is not None]
            if items:
                await client.send_events(items)
                self.sent += len(items)
        except ConsoleUnavailableError as error:
            now = self._clock()
            if self._failing_since is None:
                self._failing_since = now
            if now - self._failing_since < self._retry_for:
                self._warn_retrying(len(batch), str(error))
                return False
            self._drop(len(batch), str(error))
        except Exception as error:  # the sender must outlive any one batch
            self._drop(len(batch), type(error).__name__)
        if self._failing_since is not None and self._retry_for:
            logger.warning(
                "Console event broker: the staff console takes events again."
            )
        self._failing_since = None
        return True

    def _warn_retrying(self, count: int, why: str) -> None:
        """Say (at most once per `warn_every`) that events wait for the console."""
        now = self._clock()
        if now - self._last_warning < self._warn_every:
            return
        self._last_warning = now
        logger.warning(
            "Console event broker: the staff console does not take events (%s); "
            "%d event(s) kept and sent again.",
            why,
            count + len(self._queue),
        )

    def _drop(self, count: int, why: str) -> None:
        """Count dropped events; warn at most once per `warn_every` seconds."""
        self.dropped += count
        self._unreported += count
        now = self._clock()
        if now - self._last_warning < self._warn_every:
            return
        logger.warning(
            "Console event broker: %d event(s) not forwarded to the staff "
            "console (%s); %d in all.",
            self._unreported,
            why,
            self.dropped,
        )
        self._last_warning = now
        self._unreported = 0
