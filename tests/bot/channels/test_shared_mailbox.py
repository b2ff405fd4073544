"""The shared mailbox on a real Redis (127.0.0.1:6379, skipped if unreachable)."""

import asyncio
import secrets

import pytest

from bot.channels.mailbox import Mailbox, MailboxOutput
from bot.channels.shared_mailbox import SharedMailbox, mailbox_for, mailbox_key
from bot.settings import Settings
from tests.e2e.services import REDIS, free_port, reachable

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.skipif(
        not reachable(REDIS), reason="Redis is not reachable on 127.0.0.1:6379"
    ),
]


def settings(port: int = REDIS[1]) -> Settings:
    return Settings(
        redis_host="127.0.0.1", redis_port=port, redis_prefix="t" + secrets.token_hex(5)
    )


async def test_a_message_left_on_one_replica_is_read_on_the_other() -> None:
    shared = settings()
    one, other = SharedMailbox(shared), SharedMailbox(shared)
    output = MailboxOutput(one, "webchat")
    await output.send_text_message("person-1", "Hello, I'm Ana.")
    await output.send_text_message("person-1", "I'm here.")
    await one.deliver("person-2", {"text": "not yours"})
    assert [m["text"] for m in await other.collect("person-1")] == [
        "Hello, I'm Ana.",
        "I'm here.",
    ]
    assert await other.collect("person-1") == []  # read once
    assert await one.collect("person-2") == [{"text": "not yours"}]


async def test_a_long_poll_on_one_replica_wakes_for_a_message_on_the_other() -> None:
    shared = settings()
    one, other = SharedMailbox(shared), SharedMailbox(shared)
    waiting = asyncio.ensure_future(other.wait("person-3", 10))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await one.deliver("person-3", {"text": "staff"})
    assert await asyncio.wait_for(waiting, 10) == [{"text": "staff"}]


async def test_redis_down_keeps_the_message_in_this_process() -> None:
    down = SharedMailbox(settings(free_port()))
    await down.deliver("person-4", {"text": "kept"})
    assert await down.collect("person-4") == [{"text": "kept"}]


def test_the_key_hides_the_id_and_the_settings_choose_the_mailbox() -> None:
    assert "639171234567" not in mailbox_key("p", "+639171234567")
    assert type(mailbox_for(Settings())) is Mailbox
    assert isinstance(mailbox_for(settings()), SharedMailbox)
