"""Messages pushed to REST and web chat users outside their own requests.

REST is request and answer: Rasa can send to a person only while answering
their message. A helpline worker's message (the staff console posts it to
Rasa's HTTP API with `output_channel=latest`) arrives between requests, so the
REST and web chat channels give Rasa a `MailboxOutput` (their
`get_output_channel`): it leaves the message in the person's `Mailbox`, where
the web chat page picks it up at once by long polling
(`GET /webhooks/<channel>/updates?sender=...`), and a REST client with its next
answer. Nothing is lost while the person is away, up to `PER_RECIPIENT`
messages kept for `KEEP_SECONDS` (in memory: a restart of the Rasa server
empties it, the messages stay in the conversation's tracker). With several
replicas (REDIS_HOST set) the mailbox is in Redis instead
(bot/channels/shared_mailbox.py), so the replica a staff message reaches
need not be the one the person polls.

`Mailbox` is plain asyncio, no Rasa; `MailboxOutput` is Rasa's OutputChannel.
"""

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Optional

from rasa.core.channels.channel import OutputChannel

#: Messages kept per person (the oldest are dropped beyond this).
PER_RECIPIENT = 50
#: People with waiting messages (the least recently used are dropped beyond this).
MAX_RECIPIENTS = 10_000
#: Seconds an unread message is kept.
KEEP_SECONDS = 3600.0
#: Keys of a Rasa message a chat client can show.
DELIVERED_KEYS = ("text", "buttons", "image", "attachment", "custom", "handoff")


class Mailbox:
    """Waiting messages per recipient, with waiters woken when one arrives."""

    def __init__(
        self,
        per_recipient: int = PER_RECIPIENT,
        max_recipients: int = MAX_RECIPIENTS,
        keep_seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create an empty mailbox.

        Args:
            per_recipient: Messages kept per recipient.
            max_recipients: Recipients kept (least recently written dropped first).
            keep_seconds: How long an unread message is kept.
            clock: Monotonic seconds (tests pass their own).
        """
        self._boxes: OrderedDict[str, deque[tuple[float, dict[str, Any]]]] = (
            OrderedDict()
        )
        self._waiters: dict[str, set[asyncio.Event]] = {}
        self._per_recipient = per_recipient
        self._max_recipients = max_recipients
        self._keep = keep_seconds
        self._clock = clock

    def put(self, recipient: str, message: dict[str, Any]) -> None:
        """Leave a message for `recipient` and wake whoever waits for it."""
        box = self._boxes.pop(recipient, None) or deque(maxlen=self._per_recipient)
        box.append((self._clock(), message))
        self._boxes[recipient] = box
        while len(self._boxes) > self._max_recipients:
            self._boxes.popitem(last=False)
        for event in self._waiters.get(recipient, ()):
            event.set()

    def take(self, recipient: str) -> list[dict[str, Any]]:
        """The recipient's unexpired messages, oldest first; the box is emptied."""
        box = self._boxes.pop(recipient, None)
        if not box:
            return []
        oldest = self._clock() - self._keep
        return [message for at, message in box if at >= oldest]

    async def deliver(self, recipient: str, message: dict[str, Any]) -> None:
        """`put`, as the channels call it (`SharedMailbox` keeps it in Redis)."""
        self.put(recipient, message)

    async def collect(self, recipient: str) -> list[dict[str, Any]]:
        """`take`, as the channels call it (`SharedMailbox` reads Redis)."""
        return self.take(recipient)

    async def wait(self, recipient: str, timeout: float) -> list[dict[str, Any]]:
        """The recipient's messages, waiting up to `timeout` seconds for one."""
        waiting = self.take(recipient)
        if waiting:
            return waiting
        event = asyncio.Event()
        self._waiters.setdefault(recipient, set()).add(event)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            return []
        finally:
            waiters = self._waiters.get(recipient)
            if waiters is not None:
                waiters.discard(event)
                if not waiters:
                    del self._waiters[recipient]
        return self.take(recipient)


class MailboxOutput(OutputChannel):
    """Rasa output channel that leaves messages in a `Mailbox`."""

    def __init__(self, mailbox: Mailbox, channel: str) -> None:
        """Write into `mailbox` for the channel named `channel`."""
        self.mailbox = mailbox
        self.channel = channel

    def name(self) -> str:
        """The channel's name (Rasa's `OutputChannel.name` is a classmethod)."""
        return self.channel

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Keeps the message as the REST channel would have answered it."""
        kept: dict[str, Any] = {"recipient_id": recipient_id}
        kept.update({k: message[k] for k in DELIVERED_KEYS if message.get(k)})
        await self.mailbox.deliver(recipient_id, kept)

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Keeps a plain text (see parent class for full docstring)."""
        await self.send_response(recipient_id, {"text": text, **kwargs})


def poll_seconds(value: Optional[str], default: float = 25.0) -> float:
    """How long a long poll waits: `wait=` in seconds, between 0 and 25."""
    try:
        seconds = float(value) if value is not None else default
    except ValueError:
        return default
    if seconds != seconds:  # NaN
        return default
    return min(max(seconds, 0.0), 25.0)
