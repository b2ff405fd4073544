"""`SharedMailbox`: the REST and web chat mailboxes in Redis, for every replica.

With several replicas, the console's staff message reaches one replica
(through Rasa's HTTP API) while the person's web chat page polls another; a
mailbox in one process would keep the message where nobody asks for it. With
REDIS_HOST set, the mailbox (bot/channels/mailbox.py) is a Redis list per
person, shared by the replicas: the same limits (`PER_RECIPIENT` messages
kept `KEEP_SECONDS`), a key holding a hash of the id, never the id itself. A
long poll looks every `POLL_SECONDS` until a message is there.

When Redis fails, a message is kept in this process instead (and the failure
logged), so it still reaches a person who asks this replica.
"""

import asyncio
import hashlib
import json
from typing import Any

from bot.channels.mailbox import KEEP_SECONDS, PER_RECIPIENT, Mailbox
from bot.settings import Settings
from bot.shared_redis import RedisLink

#: Seconds between two looks while a long poll waits.
POLL_SECONDS = 0.25
#: Seconds Redis may take to connect or to answer.
REDIS_TIMEOUT = 1.0
KEPT_HERE = "messages are kept in this process meanwhile"


def mailbox_key(prefix: str, recipient: str) -> str:
    """The Redis key of a person's mailbox (the id is hashed)."""
    digest = hashlib.sha256(recipient.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}:mb:{digest[:40]}"


def mailbox_for(settings: Settings) -> Mailbox:
    """The mailbox of a channel: shared in Redis when REDIS_HOST is set."""
    if settings.redis_host:
        return SharedMailbox(settings)
    return Mailbox()


class SharedMailbox(Mailbox):
    """A `Mailbox` kept in Redis (module docstring).

    Args:
        settings: Gives the Redis server and the key prefix.
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.prefix = settings.redis_prefix or "safety"
        self._redis = RedisLink(
            settings.redis_host,
            settings.redis_port,
            settings.redis_db,
            settings.redis_password,
            REDIS_TIMEOUT,
        )

    async def deliver(self, recipient: str, message: dict[str, Any]) -> None:
        """Leave a message in the person's shared mailbox."""
        key = mailbox_key(self.prefix, recipient)
        try:
            async with self._redis.client().pipeline(transaction=True) as pipe:
                pipe.rpush(key, json.dumps(message))
                pipe.ltrim(key, -PER_RECIPIENT, -1)
                pipe.expire(key, int(KEEP_SECONDS))
                await pipe.execute()
        except Exception as error:
            self._redis.failed(error, "Mailbox", KEPT_HERE)
            super().put(recipient, message)

    async def collect(self, recipient: str) -> list[dict[str, Any]]:
        """The person's messages (the mailbox is emptied), oldest first."""
        key = mailbox_key(self.prefix, recipient)
        local = super().take(recipient)
        try:
            async with self._redis.client().pipeline(transaction=True) as pipe:
                pipe.lrange(key, 0, -1)
                pipe.delete(key)
                raw, _ = await pipe.execute()
        except Exception as error:
            self._redis.failed(error, "Mailbox", KEPT_HERE)
            return local
        return local + [json.loads(item) for item in raw]

    async def wait(self, recipient: str, timeout: float) -> list[dict[str, Any]]:
        """The person's messages, looking every `POLL_SECONDS` up to `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = await self.collect(recipient)
            if found or loop.time() >= deadline:
                return found
            await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - loop.time())))
