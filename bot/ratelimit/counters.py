"""Window counters: in Redis (shared by the replicas) or in this process.

`count(key, ttl)` adds one to a counter and returns the new value, or None
when it is unknown (Redis unreachable: the limiter then allows, and says so
in the log, at most once a minute). Redis does `INCR` and `PEXPIRE` in one
transaction, so a counter never outlives its window by more than `ttl`.
"""

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Optional

logger = logging.getLogger(__name__)

#: Seconds Redis may take to connect or to answer.
REDIS_TIMEOUT = 0.5
#: Counters kept at most in a process (the oldest go first).
MEMORY_KEYS = 100_000
WARN_EVERY = 60.0


class MemoryCounters:
    """Counters in this process (no Redis: one replica only).

    Args:
        size: Counters kept at most.
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(
        self, size: int = MEMORY_KEYS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._size = size
        self._clock = clock
        self._counts: OrderedDict[str, tuple[float, int]] = OrderedDict()

    async def count(self, key: str, ttl: float) -> Optional[int]:
        """Add one to `key` (kept `ttl` seconds) and return its value."""
        now = self._clock()
        expires, value = self._counts.pop(key, (now + ttl, 0))
        if expires <= now:
            expires, value = now + ttl, 0
        self._counts[key] = (expires, value + 1)
        while len(self._counts) > self._size:
            self._counts.popitem(last=False)
        return value + 1


class RedisCounters:
    """Counters in Redis, shared by every replica.

    Args:
        host: Redis host.
        port: Redis port.
        db: Redis database number.
        password: Redis password (empty: none).
        clock: Monotonic seconds, for the warning interval.
    """

    def __init__(
        self,
        host: str,
        port: int = 6379,
        db: int = 1,
        password: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._options: dict[str, Any] = {
            "host": host,
            "port": int(port),
            "db": int(db),
            "password": password or None,
            "socket_timeout": REDIS_TIMEOUT,
            "socket_connect_timeout": REDIS_TIMEOUT,
        }
        self._clients: dict[int, Any] = {}
        self._clock = clock
        self._last_warning = -math.inf
        self.unavailable = 0

    def _client(self) -> Any:
        """The client of the running event loop (redis.asyncio binds to one)."""
        import asyncio

        import redis.asyncio

        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = redis.asyncio.Redis(**self._options)
        return client

    async def count(self, key: str, ttl: float) -> Optional[int]:
        """Add one to `key` (kept `ttl` seconds); None when Redis fails."""
        try:
            async with self._client().pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.pexpire(key, int(ttl * 1000))
                value, _ = await pipe.execute()
            return int(value)
        except Exception as error:
            self.unavailable += 1
            now = self._clock()
            if now - self._last_warning >= WARN_EVERY:
                self._last_warning = now
                logger.warning(
                    "Rate limits: Redis unreachable (%s); messages are allowed "
                    "without counting (%d so far).",
                    type(error).__name__,
                    self.unavailable,
                )
            return None
