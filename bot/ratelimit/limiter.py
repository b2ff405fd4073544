"""`RateLimiter`: the per-conversation and per-address limits of this process.

`limiter()` gives the process's limiter, built from the settings
(RATE_LIMIT_SENDER, RATE_LIMIT_IP, RATE_LIMIT_WINDOW): counters in Redis when
REDIS_HOST is set (every replica counts together), else in this process. A
refusal is logged without the subject (a hash at most).
"""

import logging
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Optional, Protocol

from bot.ratelimit.rules import (
    ADDRESS,
    ALLOWED,
    SENDER,
    Limit,
    Verdict,
    counter_key,
    decide,
    window_index,
)
from bot.settings import Settings

logger = logging.getLogger(__name__)


class Counters(Protocol):
    """Where counts are kept (`bot.ratelimit.counters`)."""

    async def count(self, key: str, ttl: float) -> Optional[int]:
        """Add one to `key` (kept `ttl` seconds); its value, None if unknown."""


class RateLimiter:
    """Counts events per subject and window and says when one is too many.

    Args:
        counters: Where the counts are kept.
        limits: The limit of each kind (`rules.SENDER`, `rules.ADDRESS`).
        prefix: Key prefix (REDIS_PREFIX).
        clock: Seconds since the epoch (tests pass their own).
    """

    def __init__(
        self,
        counters: Counters,
        limits: dict[str, Limit],
        prefix: str = "safety",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.counters = counters
        self.limits = dict(limits)
        self.prefix = prefix
        self._clock = clock
        self.refused = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimiter":
        """The limiter the settings describe (Redis when REDIS_HOST is set)."""
        from bot.ratelimit.counters import MemoryCounters, RedisCounters

        counters: Counters
        if settings.redis_host:
            counters = RedisCounters(
                settings.redis_host,
                settings.redis_port,
                settings.redis_db,
                settings.redis_password,
            )
        else:
            counters = MemoryCounters()
        window = settings.rate_limit_window
        return cls(
            counters,
            {
                SENDER: Limit(settings.rate_limit_sender, window),
                ADDRESS: Limit(settings.rate_limit_ip, window),
            },
            prefix=settings.redis_prefix or "safety",
        )

    async def check(self, kind: str, subject: str) -> Verdict:
        """Count one event of `subject` and judge it.

        Args:
            kind: `rules.SENDER` or `rules.ADDRESS`.
            subject: The conversation (with its channel) or the address.

        Returns:
            Allowed unless the subject is over its limit in this window (an
            unknown count is allowed).
        """
        limit = self.limits.get(kind)
        if limit is None or not limit.active or not subject:
            return ALLOWED
        now = self._clock()
        key = counter_key(self.prefix, kind, subject, window_index(now, limit.window))
        count = await self.counters.count(key, limit.window + 1)
        if count is None:
            return ALLOWED
        verdict = decide(count, limit, now)
        if not verdict.allowed:
            self.refused += 1
            if count == limit.count + 1:  # once per subject and window
                logger.warning(
                    "Rate limit: %s went over %d per %g s; refused for %d s.",
                    "a conversation" if kind == SENDER else "an address",
                    limit.count,
                    limit.window,
                    verdict.retry_after,
                )
        return verdict


@lru_cache(maxsize=1)
def limiter() -> RateLimiter:
    """The limiter of this process (built on first use from the environment)."""
    return RateLimiter.from_settings(Settings.from_env())
