"""`RabbitEventBroker`: every event on RabbitMQ, redacted, never lost silently.

The production event broker (endpoints.production.yml, through
`bot.events.broker.ProductionEventBroker`). Rasa's tracker store publishes
each new event of a turn; this broker sends it to a durable RabbitMQ queue
bound to a fanout exchange, the layout of Rasa's own Pika broker (exchange
`rasa-exchange`, queue `rasa_production_events`), so Rasa's consumers (an
analytics pipeline, Rasa X/Enterprise) read it unchanged.

- **Redacted like the tracker store**: a user event goes through the store's
  own `bot.stores.redacted` (phone numbers, e-mails, handles, names, schools,
  addresses and links replaced; no metadata), so RabbitMQ never holds what
  the store would not.
- **Nothing on the turn's path**: `publish` only appends to a queue; a
  background task redacts (in a worker thread) and publishes with publisher
  confirms, persistent messages, many at a time.
- **RabbitMQ down**: the assistant answers as usual; redacted events wait in
  memory (up to `buffer` events) and are sent, in order, once RabbitMQ is back
  (reconnection with backoff, 0.5 s doubling to 10 s). Beyond `buffer` the
  oldest are dropped and counted. Every outage, every drop and every recovery
  is logged (counts only, never message text), at most once a minute for
  repeats. Delivery is at least once: an event whose confirm was lost is sent
  again (consumers may see it twice; `sender_id` + `timestamp` + `event`
  identify it).
- **Start-up**: the broker never delays or stops the Rasa server: it connects
  in the background, so Rasa starts while RabbitMQ is down.

`counts()` gives the published, buffered and dropped totals (tests, logs).
"""

import asyncio
import contextlib
import json
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.events.sender import BackgroundSender

logger = logging.getLogger(__name__)

#: Events published together (their confirms are awaited together).
BATCH = 50
#: Seconds one publish may wait for RabbitMQ's confirm (a busy server may be
#: slow; a dead connection is also found by the AMQP heartbeat).
PUBLISH_TIMEOUT = 30.0
#: Seconds a connection attempt may take.
CONNECT_TIMEOUT = 5.0
FIRST_RETRY = 0.5
LAST_RETRY = 10.0
#: At most one warning about the same trouble this often (seconds).
WARN_EVERY = 60.0
#: Seconds `close` may spend sending what is still buffered.
CLOSE_BUDGET = 3.0
DEFAULT_EXCHANGE = "rasa-exchange"
DEFAULT_QUEUE = "rasa_production_events"


def redacted_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """A published event as it goes to RabbitMQ: redacted by the store's rule.

    Args:
        body: What Rasa's tracker store publishes: `sender_id` plus the
            event's `as_dict()`.

    Returns:
        The same shape; a user event has its text redacted and no metadata
        (`bot.stores.redacted`), other events are unchanged.
    """
    if body.get("event") != "user":
        return dict(body)
    from rasa.shared.core.events import Event

    from bot.stores import redacted

    fields = {key: value for key, value in body.items() if key != "sender_id"}
    event = Event.from_parameters(fields)
    if event is None:  # not an event Rasa knows: keep nothing of its text
        return {"sender_id": body.get("sender_id"), "event": "user", "text": None}
    return {"sender_id": body.get("sender_id"), **redacted(event).as_dict()}


def next_retry(pause: float) -> float:
    """The pause after `pause` between two connection attempts."""
    return min(LAST_RETRY, max(FIRST_RETRY, pause * 2))


class RabbitEventBroker(EventBroker):
    """Publishes redacted events to RabbitMQ (module docstring).

    Args:
        host: RabbitMQ host (or an amqp:// URL).
        port: Its port.
        username: Its user.
        password: Its password.
        queue: The durable queue bound to the exchange.
        exchange: The fanout exchange events are published on.
        buffer: Events kept while RabbitMQ is unreachable.
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        host: str,
        port: int = 5672,
        username: str = "guest",
        password: str = "",
        queue: str = DEFAULT_QUEUE,
        exchange: str = DEFAULT_EXCHANGE,
        buffer: int = 10000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.queue = queue or DEFAULT_QUEUE
        self.exchange_name = exchange or DEFAULT_EXCHANGE
        self.buffer = max(1, int(buffer))
        self._clock = clock
        # Published by Rasa, not yet redacted; then redacted, not yet confirmed.
        self._incoming: deque[Mapping[str, Any]] = deque()
        self._ready: deque[dict[str, Any]] = deque()
        self._redacting = 0
        self._sender = BackgroundSender(
            self._send_forever, lambda: bool(self._incoming or self._ready)
        )
        self._connection: Any = None
        self._exchange: Any = None
        self._lost: Optional[asyncio.Event] = None
        self._down_since: Optional[float] = None
        self._last_warning: dict[str, float] = {}
        self.published = 0
        self.dropped = 0

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Optional["RabbitEventBroker"]:
        """The broker of an endpoints `event_broker` section; None without host.

        Args:
            options: `url` (host), `port`, `username`, `password`, `queues`
                (the first is used), `exchange_name`, `buffer`.
        """
        host = str(options.get("url") or options.get("host") or "").strip()
        if not host:
            return None
        queues = options.get("queues") or [DEFAULT_QUEUE]
        queue = queues[0] if isinstance(queues, (list, tuple)) else str(queues)
        return cls(
            host,
            port=int(options.get("port") or 5672),
            username=str(options.get("username") or "guest"),
            password=str(options.get("password") or ""),
            queue=str(queue),
            exchange=str(options.get("exchange_name") or DEFAULT_EXCHANGE),
            buffer=int(options.get("buffer") or 10000),
        )

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: Optional[asyncio.AbstractEventLoop] = None,
    ) -> Optional["RabbitEventBroker"]:
        """The broker of endpoints.yml (see `from_options`)."""
        options = {"url": broker_config.url, **(broker_config.kwargs or {})}
        return cls.from_options(options)

    # Rasa's side: never blocks, never raises.

    def publish(
        self, event: dict[str, Any], headers: Optional[dict[str, str]] = None
    ) -> None:
        """Queue one event (redacted and sent in the background).

        Args:
            event: What the tracker store publishes.
            headers: Ignored: every event goes to RabbitMQ.
        """
        try:
            if not self._sender.start():
                self._drop(1, "no running event loop")
                return
            self._incoming.append(event)
            self._trim()
            self._sender.wake()
        except Exception as error:  # a broker must never break a turn
            self._drop(1, type(error).__name__)

    def is_ready(self) -> bool:
        """Always: Rasa never waits for RabbitMQ (events are buffered)."""
        return True

    def counts(self) -> dict[str, int]:
        """Events published (confirmed), buffered and dropped so far."""
        return {
            "published": self.published,
            "buffered": self._buffered(),
            "dropped": self.dropped,
        }

    async def flush(self, timeout: float = CLOSE_BUDGET) -> bool:
        """Wait until every event was published (or `timeout` passed).

        Returns:
            Whether nothing is left to publish.
        """
        return await self._sender.flush(timeout)

    async def close(self) -> None:
        """Send what is buffered (within a short budget), then disconnect."""
        await self._sender.close(CLOSE_BUDGET)
        left = len(self._incoming) + len(self._ready)
        if left:
            self.dropped += left
            logger.error(
                "RabbitMQ event broker: %d event(s) still buffered at shut-down "
                "were not published; %d dropped in all.",
                left,
                self.dropped,
            )
            self._incoming.clear()
            self._ready.clear()
        await self._disconnect()

    # The sender.

    def _trim(self) -> None:
        """Drop the oldest events beyond `buffer` (counted and logged)."""
        excess = min(
            self._buffered() - self.buffer, len(self._incoming) + len(self._ready)
        )
        if excess <= 0:
            return
        for _ in range(excess):
            if self._ready:
                self._ready.popleft()
            else:
                self._incoming.popleft()
        self._drop(excess, "buffer full")

    def _buffered(self) -> int:
        return len(self._incoming) + self._redacting + len(self._ready)

    async def _send_forever(self) -> None:
        pause = FIRST_RETRY
        while True:
            await self._sender.work()
            if self._incoming:
                raw = [self._incoming.popleft() for _ in range(len(self._incoming))]
                self._redacting = len(raw)
                try:
                    ready = await asyncio.to_thread(_redact_all, raw)
                finally:
                    self._redacting = 0
                if len(ready) < len(raw):
                    self._drop(len(raw) - len(ready), "could not be redacted")
                self._ready.extend(ready)
            try:
                await self._connect()
                await self._publish_ready()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                await self._disconnect()
                self._went_down(error)
                await asyncio.sleep(pause)
                pause = next_retry(pause)
                continue
            pause = FIRST_RETRY
            self._came_back()

    async def _connect(self) -> None:
        if self._exchange is not None:
            return
        import aio_pika

        if self.host.startswith("amqp"):
            connection = await aio_pika.connect(self.host, timeout=CONNECT_TIMEOUT)
        else:
            connection = await aio_pika.connect(
                host=self.host,
                port=self.port,
                login=self.username,
                password=self.password,
                timeout=CONNECT_TIMEOUT,
            )
        try:
            channel = await connection.channel(publisher_confirms=True)
            # As Rasa's Pika broker declares them, so both can share a server.
            exchange = await channel.declare_exchange(
                self.exchange_name, aio_pika.ExchangeType.FANOUT
            )
            queue = await channel.declare_queue(self.queue, durable=True)
            await queue.bind(exchange, "")
        except BaseException:
            with contextlib.suppress(Exception):
                await connection.close()
            raise
        self._lost = asyncio.Event()
        lost = self._lost
        connection.close_callbacks.add(lambda *_: lost.set())
        self._connection, self._exchange = connection, exchange

    async def _publish_ready(self) -> None:
        """Publish the redacted events, a batch at a time, each confirmed.

        Events RabbitMQ confirmed leave the buffer; the others stay, in
        order, and the failure is raised (the connection is then renewed). A
        connection lost while confirms are awaited ends the wait at once.
        """
        import aio_pika

        assert self._lost is not None
        while self._ready:
            batch = [self._ready[i] for i in range(min(BATCH, len(self._ready)))]
            tasks = [
                asyncio.ensure_future(
                    self._exchange.publish(
                        aio_pika.Message(
                            json.dumps(body).encode("utf-8"),
                            content_type="application/json",
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        "",
                        timeout=PUBLISH_TIMEOUT,
                    )
                )
                for body in batch
            ]
            lost: asyncio.Future[Any] = asyncio.ensure_future(self._lost.wait())
            every: asyncio.Future[Any] = asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.wait({every, lost}, return_when=asyncio.FIRST_COMPLETED)
            lost.cancel()
            for task in tasks:
                task.cancel()
            confirmed = [_confirmed(task) for task in tasks]
            for _ in batch:
                self._ready.popleft()
            unconfirmed = [
                body for body, ok in zip(batch, confirmed, strict=True) if not ok
            ]
            self._ready.extendleft(reversed(unconfirmed))
            self.published += sum(confirmed)
            if unconfirmed:
                raise ConnectionError("RabbitMQ did not confirm every event")

    async def _disconnect(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    def _went_down(self, error: BaseException) -> None:
        if self._down_since is None:
            self._down_since = self._clock()
            self._last_warning.pop("down", None)
        self._warn(
            "down",
            "RabbitMQ event broker: RabbitMQ unreachable (%s); %d event(s) "
            "buffered, %d dropped so far; retrying.",
            type(error).__name__,
            self._buffered(),
            self.dropped,
        )

    def _came_back(self) -> None:
        if self._down_since is None:
            return
        logger.warning(
            "RabbitMQ event broker: RabbitMQ reachable again after %.0f s; "
            "buffered events published (%d in all, %d dropped).",
            self._clock() - self._down_since,
            self.published,
            self.dropped,
        )
        self._down_since = None

    def _drop(self, count: int, why: str) -> None:
        self.dropped += count
        self._warn(
            "drop",
            "RabbitMQ event broker: %d event(s) dropped (%s); %d in all.",
            count,
            why,
            self.dropped,
        )

    def _warn(self, kind: str, message: str, *args: Any) -> None:
        """Log a warning, at most once per `WARN_EVERY` for each kind."""
        now = self._clock()
        if now - self._last_warning.get(kind, -math.inf) < WARN_EVERY:
            return
        self._last_warning[kind] = now
        logger.warning(message, *args)


def _confirmed(task: "asyncio.Future[Any]") -> bool:
    """Whether a publish ended with RabbitMQ's acknowledgement."""
    from pamqp.commands import Basic

    if not task.done() or task.cancelled() or task.exception() is not None:
        return False
    return isinstance(task.result(), Basic.Ack)


def _redact_all(bodies: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Redact published events (in a worker thread); one bad event is skipped."""
    out = []
    for body in bodies:
        try:
            out.append(redacted_body(body))
        except Exception as error:
            logger.error(
                "RabbitMQ event broker: an event could not be redacted (%s); "
                "not published.",
                type(error).__name__,
            )
    return out
