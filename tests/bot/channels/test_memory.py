"""Channel memory (deliveries, buttons): in the process, or shared in Redis.

The shared part runs on a real Redis (127.0.0.1:6379, skipped if unreachable).
"""

import logging
import secrets

import pytest

from bot.channels.memory import ChannelMemory, memory_key
from bot.settings import Settings
from bot.shared_redis import RedisLink
from tests.e2e.services import REDIS, free_port, reachable

pytestmark = pytest.mark.asyncio(loop_scope="session")
needs_redis = pytest.mark.skipif(
    not reachable(REDIS), reason="Redis is not reachable on 127.0.0.1:6379"
)
BUTTONS = [
    {"title": "I'm safe", "payload": "/affirm_safe"},
    {"title": "I'm not safe", "payload": "/deny_safe"},
]


def replicas(channel: str = "telegram") -> tuple[ChannelMemory, ChannelMemory]:
    """The memories of one channel on two replicas sharing one Redis."""
    prefix = "t" + secrets.token_hex(5)
    return (
        ChannelMemory(channel, RedisLink(*REDIS), prefix),
        ChannelMemory(channel, RedisLink(*REDIS), prefix),
    )


async def test_in_the_process_without_redis() -> None:
    memory = ChannelMemory.from_settings("line", Settings())
    assert await memory.first_delivery("e1")
    assert not await memory.first_delivery("e1")
    await memory.forget_delivery("e1")
    assert await memory.first_delivery("e1")
    await memory.offer_buttons("u1", BUTTONS)
    assert await memory.reply_payload("u1", "2") == "/deny_safe"
    assert await memory.reply_payload("u1", "2") == "2"  # answered: forgotten


@needs_redis
async def test_a_retry_reaching_the_other_replica_is_processed_once() -> None:
    one, other = replicas()
    assert await one.first_delivery("update:41")
    assert not await other.first_delivery("update:41")
    assert not await one.first_delivery("update:41")
    assert await other.first_delivery("update:42")
    # the handling failed on one replica: the platform's next try is processed
    await one.forget_delivery("update:42")
    assert await other.first_delivery("update:42")


@needs_redis
async def test_a_number_sent_to_the_other_replica_finds_its_button() -> None:
    one, other = replicas()
    await one.offer_buttons("person-1", BUTTONS)
    assert await other.reply_payload("person-1", "i'm safe") == "/affirm_safe"
    assert await one.reply_payload("person-1", "1") == "1"  # used up everywhere
    # newer buttons offered on the other replica win over older ones here
    await one.offer_buttons("person-2", BUTTONS)
    await other.offer_buttons("person-2", list(reversed(BUTTONS)))
    assert await one.reply_payload("person-2", "1") == "/deny_safe"
    await one.offer_buttons("person-3", BUTTONS)
    await one.offer_buttons("person-3", [])  # a message without buttons
    assert await other.reply_payload("person-3", "1") == "1"


@needs_redis
async def test_channels_and_people_never_share_keys() -> None:
    prefix = "t" + secrets.token_hex(5)
    telegram = ChannelMemory("telegram", RedisLink(*REDIS), prefix)
    viber = ChannelMemory("viber", RedisLink(*REDIS), prefix)
    assert await telegram.first_delivery("m1")
    assert await viber.first_delivery("m1")
    await telegram.offer_buttons("same-id", BUTTONS)
    assert await viber.reply_payload("same-id", "1") == "1"
    key = memory_key(prefix, "buttons", "whatsapp", "+639171234567")
    assert "639171234567" not in key and key.startswith(f"{prefix}:buttons:")


async def test_redis_down_falls_back_to_the_process_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    down = ChannelMemory("zalo", RedisLink("127.0.0.1", free_port(), timeout=0.2))
    with caplog.at_level(logging.WARNING):
        assert await down.first_delivery("x")
        assert not await down.first_delivery("x")
        await down.offer_buttons("u", BUTTONS)
        assert await down.reply_payload("u", "1") == "/affirm_safe"
    assert "Channel memory: Redis unreachable" in caplog.text
    assert caplog.text.count("Redis unreachable") == 1  # once a minute at most
