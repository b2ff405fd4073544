"""`ChannelMemory`: what a channel remembers between two deliveries.

Two things: the ids of deliveries already seen (a platform's retry of a
webhook call is processed once, `bot.channels.deliveries`) and the buttons
last offered to each person as numbered text (their "2" maps back to the
button's payload, `bot.channels.numbered`). With one replica both live in
the process. With REDIS_HOST set they live in Redis, shared by the replicas,
because a platform's retry or the person's "2" may reach another replica than
the first delivery or the buttons did:

- a delivery id is claimed with `SET NX EX` (one replica wins, atomically),
  under a key holding a hash of the channel and the id;
- the buttons offered are a JSON list of (title, payload) under a key holding
  a hash of the channel and the person's id, kept a day; the reply reads and
  deletes it.

When Redis fails, the process's own memory answers meanwhile (a retry that
reaches another replica may then be processed twice; a "2" sent to another
replica stays the text "2"), and the failure is logged once a minute.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from bot.channels.deliveries import DEFAULT_KEEP_SECONDS, Deliveries
from bot.channels.numbered import ButtonMemory, Offered, offered_pairs, payload_for
from bot.settings import Settings
from bot.shared_redis import RedisLink

#: Seconds the buttons offered to a person are kept in Redis.
BUTTONS_KEEP_SECONDS = 86_400
#: Seconds Redis may take to connect or to answer (a turn waits for it).
REDIS_TIMEOUT = 0.5
PART = "Channel memory"
MEANWHILE = "deliveries and buttons are remembered in this process meanwhile"


def memory_key(prefix: str, kind: str, channel: str, name: str) -> str:
    """The Redis key of a delivery id or of a person's buttons (hashed)."""
    digest = hashlib.sha256(f"{channel}\0{name}".encode("utf-8", "surrogatepass"))
    return f"{prefix}:{kind}:{digest.hexdigest()[:40]}"


class ChannelMemory:
    """Deliveries seen and buttons offered, of one channel (module docstring).

    Args:
        channel: The channel's name (keys of two channels never meet).
        redis: The shared Redis server; None keeps everything in the process.
        prefix: Prefix of the Redis keys (REDIS_PREFIX).
    """

    def __init__(
        self, channel: str, redis: Optional[RedisLink] = None, prefix: str = "safety"
    ) -> None:
        self.channel = channel
        self.deliveries = Deliveries()
        self.buttons = ButtonMemory()
        self._redis = redis
        self._prefix = prefix or "safety"

    @classmethod
    def from_settings(cls, channel: str, settings: Settings) -> "ChannelMemory":
        """The memory of a channel, in Redis when REDIS_HOST is set."""
        redis = RedisLink.from_settings(settings, REDIS_TIMEOUT)
        return cls(channel, redis, settings.redis_prefix)

    def _key(self, kind: str, name: str) -> str:
        return memory_key(self._prefix, kind, self.channel, name)

    async def first_delivery(self, key: str) -> bool:
        """Whether a delivery is new; it is claimed either way.

        Args:
            key: The delivery's id.

        Returns:
            False for a repeat (do not process it again).
        """
        if self._redis is None:
            return self.deliveries.first_time(key)
        try:
            claimed = await self._redis.client().set(
                self._key("seen", key), "1", nx=True, ex=int(DEFAULT_KEEP_SECONDS)
            )
        except Exception as error:
            self._redis.failed(error, PART, MEANWHILE)
            return self.deliveries.first_time(key)
        self.deliveries.first_time(key)  # known here too, should Redis fail later
        return bool(claimed)

    async def forget_delivery(self, key: str) -> None:
        """Forget a delivery, so its next try is processed (its handling failed).

        Args:
            key: The delivery's id.
        """
        self.deliveries.forget(key)
        if self._redis is None:
            return
        try:
            await self._redis.client().delete(self._key("seen", key))
        except Exception as error:
            self._redis.failed(error, PART, MEANWHILE)

    async def offer_buttons(
        self, recipient: str, buttons: Sequence[Mapping[str, Any]]
    ) -> None:
        """Keep the buttons just offered to a person (replacing earlier ones).

        Args:
            recipient: The conversation id.
            buttons: Buttons as Rasa gives them; empty forgets them.
        """
        self.buttons.remember(recipient, buttons)
        if self._redis is None:
            return
        pairs = offered_pairs(buttons)
        key = self._key("buttons", recipient)
        try:
            if pairs:
                await self._redis.client().set(
                    key, json.dumps(pairs), ex=BUTTONS_KEEP_SECONDS
                )
            else:
                await self._redis.client().delete(key)
        except Exception as error:
            self._redis.failed(error, PART, MEANWHILE)

    async def reply_payload(self, recipient: str, text: str) -> str:
        """The payload a person's reply stands for; their buttons are forgotten.

        Args:
            recipient: The conversation id.
            text: The person's reply.

        Returns:
            The payload of the numbered button the reply names, else `text`.
        """
        local = self.buttons.resolve(recipient, text)
        self.buttons.forget(recipient)
        if self._redis is None:
            return local
        try:
            async with self._redis.client().pipeline(transaction=True) as pipe:
                pipe.get(self._key("buttons", recipient))
                pipe.delete(self._key("buttons", recipient))
                raw, _ = await pipe.execute()
        except Exception as error:
            self._redis.failed(error, PART, MEANWHILE)
            return local
        offered: Offered = tuple(tuple(pair) for pair in json.loads(raw or "[]"))
        return payload_for(offered, text)
