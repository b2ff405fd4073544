"""The limiter with counters in memory and in a real Redis (skipped if unreachable)."""

import logging
import secrets

import pytest

from bot.ratelimit.counters import MemoryCounters, RedisCounters
from bot.ratelimit.limiter import RateLimiter
from bot.ratelimit.rules import ADDRESS, SENDER, Limit
from bot.settings import Settings
from tests.e2e.services import REDIS, free_port, reachable

pytestmark = pytest.mark.asyncio(loop_scope="session")
LIMITS = {SENDER: Limit(3, 60), ADDRESS: Limit(5, 60)}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_memory_counts_per_subject_and_window() -> None:
    clock = Clock(1_000_040.0)  # 20 s into a window
    limiter = RateLimiter(MemoryCounters(), LIMITS, clock=clock)
    verdicts = [await limiter.check(SENDER, "rest:a") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 40
    assert (await limiter.check(SENDER, "rest:b")).allowed  # another person
    assert (await limiter.check(ADDRESS, "rest:a")).allowed  # another kind
    clock.now += 40  # the next window
    assert (await limiter.check(SENDER, "rest:a")).allowed
    assert limiter.refused == 1


@pytest.mark.skipif(
    not reachable(REDIS), reason="Redis is not reachable on 127.0.0.1:6379"
)
async def test_two_replicas_share_one_count_in_redis() -> None:
    prefix = "t" + secrets.token_hex(5)
    first = RateLimiter(RedisCounters(*REDIS), LIMITS, prefix=prefix)
    second = RateLimiter(RedisCounters(*REDIS), LIMITS, prefix=prefix)
    allowed = [
        (await (first if n % 2 else second).check(SENDER, "rest:shared")).allowed
        for n in range(6)
    ]
    assert allowed == [True, True, True, False, False, False]
    assert (await second.check(SENDER, "rest:other")).allowed


async def test_redis_down_allows_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.ratelimit.counters")
    counters = RedisCounters("127.0.0.1", free_port())
    limiter = RateLimiter(counters, {SENDER: Limit(1, 60)})
    assert all([(await limiter.check(SENDER, "rest:x")).allowed for _ in range(3)])
    assert counters.unavailable == 3
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "Redis unreachable" in warnings[0]


def test_settings_choose_the_counters_and_limits() -> None:
    local = RateLimiter.from_settings(Settings(rate_limit_sender=7, rate_limit_ip=0))
    assert isinstance(local.counters, MemoryCounters)
    assert local.limits[SENDER] == Limit(7, 60.0)
    assert not local.limits[ADDRESS].active
    shared = RateLimiter.from_settings(Settings(redis_host="127.0.0.1"))
    assert isinstance(shared.counters, RedisCounters)
