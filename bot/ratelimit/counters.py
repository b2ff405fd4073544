"""Window counters: in Redis (shared by the replicas) or in this process.

`count(key, ttl)` adds one to a counter and returns the new value, or None
when it is unknown (Redis unreachable: the limiter then allows, and says so
in the log, at most once a minute). Redis does `INCR` and `PEXPIRE` in one
transaction, so a counter never outlives its window by more than `ttl`.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Optional

from bot.shared_redis import RedisLink

#: Seconds Redis may take to connect or to answer.
REDIS_TIMEOUT = 0.5
#: Counters kept at most in a process (the oldest go first).
MEMORY_KEYS = 100_000


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
        self._redis = RedisLink(host, port, db, password, REDIS_TIMEOUT, clock)

    @property
    def unavailable(self) -> int:
        """How many counts failed because Redis did not answer."""
        return self._redis.failures

    async def count(self, key: str, ttl: float) -> Optional[int]:
        """Add one to `key` (kept `ttl` seconds); None when Redis fails."""
        try:
            async with self._redis.client().pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.pexpire(key, int(ttl * 1000))
                value, _ = await pipe.execute()
            return int(value)
        except Exception as error:
            self._redis.failed(
                error, "Rate limits", "messages are allowed without counting"
            )
            return None
