"""`SharedLockStore`: one turn at a time per conversation, across replicas.

Rasa handles a message inside `lock_store.lock(conversation_id)`, so two
messages of one conversation are never processed at once and are processed in
the order they arrived. Rasa's own `RedisLockStore` reads the lock, adds a
ticket and writes it back in three blocking calls: two replicas reading at
the same moment both get the same ticket and run together, and every call
blocks the event loop (up to 10 s when Redis hangs). This store keeps Rasa's
ticket-lock semantics with each step atomic in Redis (one Lua script per
step, `redis.asyncio`, nothing blocks):

- a ticket is taken with `INCR` and queued with its expiry (Redis' clock);
- the lowest live ticket is served; the others poll (10 ms, growing to
  50 ms) until it is theirs;
- the replica renews its tickets every third of `lifetime` while it waits or
  works, so a long turn keeps its lock, and a crashed replica's tickets
  lapse after `lifetime` seconds: the other replica then carries on;
- the ticket is given up when the turn ends (a failure to do so is logged
  and the ticket lapses by itself: the turn's answer is not lost).

When Redis cannot be reached before the turn, `lock` raises (Rasa's
`LockError`): the turn is not processed and the channel asks the person to
send the message again (bot.channels.turn). A wait longer than `max_wait`
also raises. Keys hold a hash of the conversation id, never the id itself.

Without `host` (no REDIS_HOST) it is Rasa's in-memory lock store: right for
one process only.
"""

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockError
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

#: Seconds a ticket lives unless renewed.
DEFAULT_LIFETIME = 20.0
#: Seconds a message may wait for its conversation's earlier messages.
DEFAULT_MAX_WAIT = 60.0
#: Seconds Redis may take to connect or to answer one call.
REDIS_TIMEOUT = 2.0
FIRST_POLL = 0.01
LAST_POLL = 0.05

# KEYS[1] queue (hash ticket -> expiry ms), KEYS[2] counter; ARGV[1] lifetime ms.
ISSUE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ticket = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ticket, now + tonumber(ARGV[1]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[1]) * 2)
return ticket
"""
# KEYS[1] queue; ARGV[1] ticket. 1: served, 0: wait, -1: the ticket lapsed.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mine = tonumber(ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local lowest = nil
local found = false
for i = 1, #all, 2 do
  local ticket = tonumber(all[i])
  if tonumber(all[i + 1]) < now then
    redis.call('HDEL', KEYS[1], all[i])
  else
    if ticket == mine then found = true end
    if lowest == nil or ticket < lowest then lowest = ticket end
  end
end
if not found then return -1 end
if lowest == mine then return 1 end
return 0
"""
# KEYS[1] queue, KEYS[2] counter; ARGV[1] ticket, ARGV[2] lifetime ms.
RENEW = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]) * 2)
return 1
"""
# KEYS[1] queue; ARGV[1] ticket.
RELEASE = """
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return 1
"""


def conversation_key(prefix: str, conversation_id: str) -> str:
    """The Redis key of a conversation's lock queue (the id is hashed).

    Args:
        prefix: The assistant's key prefix (REDIS_PREFIX).
        conversation_id: The conversation (sender) id.
    """
    digest = hashlib.sha256(conversation_id.encode("utf-8", "surrogatepass"))
    return f"{prefix}:lock:{digest.hexdigest()[:40]}"


def unreachable(error: Exception) -> str:
    """The text of the LockError raised when Redis fails (no error details)."""
    return f"lock store unreachable ({type(error).__name__})"


def next_poll(pause: float) -> float:
    """The pause after `pause` between two looks at a busy lock."""
    return min(LAST_POLL, pause * 1.5)


class SharedLockStore(InMemoryLockStore):
    """Ticket locks shared by every replica through Redis (module docstring).

    Args:
        host: Redis host; empty: Rasa's in-memory locks (one process).
        port: Redis port.
        db: Redis database number.
        password: Redis password (empty: none).
        key_prefix: Alphanumeric prefix of the keys.
        lifetime: Seconds a ticket lives unless renewed.
        max_wait: Seconds a message may wait for the lock.
        endpoint_config: What Rasa passes (endpoints.yml `lock_store`); its
            `url` and keyword arguments fill the arguments above.
    """

    def __init__(
        self,
        host: str = "",
        port: int = 6379,
        db: int = 1,
        password: str = "",
        key_prefix: str = "safety",
        lifetime: float = DEFAULT_LIFETIME,
        max_wait: float = DEFAULT_MAX_WAIT,
        endpoint_config: Optional[EndpointConfig] = None,
    ) -> None:
        super().__init__()
        if endpoint_config is not None:
            options: dict[str, Any] = dict(endpoint_config.kwargs or {})
            host = str(endpoint_config.url or options.get("host") or "")
            port = int(options.get("port") or port)
            db = int(options.get("db") or db)
            password = str(options.get("password") or "")
            key_prefix = str(options.get("key_prefix") or key_prefix)
            lifetime = float(options.get("lifetime") or lifetime)
            max_wait = float(options.get("max_wait") or max_wait)
        if not key_prefix.isalnum():
            raise ValueError("the lock store's key_prefix must be alphanumeric")
        self.prefix = key_prefix
        self.lifetime = float(lifetime)
        self.max_wait = float(max_wait)
        self._redis: Any = None
        if host:
            import redis.asyncio

            self._redis = redis.asyncio.Redis(
                host=host,
                port=int(port),
                db=int(db),
                password=password or None,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
            )
            self._scripts = {
                name: self._redis.register_script(source)
                for name, source in (
                    ("issue", ISSUE),
                    ("acquire", ACQUIRE),
                    ("renew", RENEW),
                    ("release", RELEASE),
                )
            }
        else:
            logger.warning(
                "Lock store: no REDIS_HOST, conversations are locked in this "
                "process only (right for one replica, wrong for several)."
            )

    @property
    def shared(self) -> bool:
        """Whether the locks are in Redis (shared by the replicas)."""
        return self._redis is not None

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = 0,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock for the body of the `async with`.

        Args:
            conversation_id: The conversation.
            lock_lifetime: Ignored when shared (the store renews its tickets);
                Rasa's value otherwise.
            wait_time_in_seconds: Rasa's polling pause (in-memory only).

        Raises:
            LockError: Redis could not be reached, or the wait was too long;
                nothing of the turn was processed.
        """
        if self._redis is None:
            async with super().lock(
                conversation_id,
                lock_lifetime or self.lifetime,
                min(wait_time_in_seconds, 0.05),
            ) as held:
                yield held
            return
        keys = self._keys(conversation_id)
        lifetime_ms = int(self.lifetime * 1000)
        try:
            ticket = int(await self._scripts["issue"](keys=keys, args=[lifetime_ms]))
        except Exception as error:
            raise LockError(unreachable(error)) from None
        renewer = asyncio.ensure_future(self._renew_forever(keys, ticket))
        try:
            await self._wait_for_turn(keys, ticket)
            yield TicketLock(conversation_id)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            await self._release(keys, ticket)

    def _keys(self, conversation_id: str) -> list[str]:
        queue = conversation_key(self.prefix, conversation_id)
        return [queue, queue + ":n"]

    async def _wait_for_turn(self, keys: list[str], ticket: int) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        pause = FIRST_POLL
        while True:
            try:
                state = int(
                    await self._scripts["acquire"](keys=keys[:1], args=[ticket])
                )
            except Exception as error:
                raise LockError(unreachable(error)) from None
            if state == 1:
                return
            if state == -1:
                raise LockError("the conversation's ticket lapsed while waiting")
            if loop.time() > deadline:
                raise LockError(
                    f"an earlier message of the conversation took over "
                    f"{self.max_wait:g} s"
                )
            await asyncio.sleep(pause)
            pause = next_poll(pause)

    async def _renew_forever(self, keys: list[str], ticket: int) -> None:
        """Keep the ticket alive while its turn waits or runs."""
        lifetime_ms = int(self.lifetime * 1000)
        while True:
            await asyncio.sleep(self.lifetime / 3)
            try:
                await self._scripts["renew"](keys=keys, args=[ticket, lifetime_ms])
            except Exception as error:
                logger.warning(
                    "Lock store: renewing a conversation's lock failed (%s).",
                    type(error).__name__,
                )

    async def _release(self, keys: list[str], ticket: int) -> None:
        try:
            await self._scripts["release"](keys=keys[:1], args=[ticket])
        except Exception as error:
            logger.warning(
                "Lock store: giving up a conversation's lock failed (%s); it "
                "lapses in %g s.",
                type(error).__name__,
                self.lifetime,
            )

    async def close(self) -> None:
        """Close the Redis connections."""
        if self._redis is not None:
            await self._redis.close()
