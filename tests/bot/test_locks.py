"""The shared lock store on a real Redis (127.0.0.1:6379, skipped if unreachable)."""

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator

import pytest
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from bot.locks import SharedLockStore, conversation_key

REDIS = ("127.0.0.1", 6379)


def reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.asyncio(loop_scope="session")
needs_redis = pytest.mark.skipif(
    not reachable(REDIS), reason="Redis is not reachable on 127.0.0.1:6379"
)


@pytest.fixture
async def stores() -> AsyncIterator[tuple[SharedLockStore, SharedLockStore]]:
    """Two stores as two replicas would have them, sharing one Redis."""
    prefix = "t" + secrets.token_hex(6)
    first = SharedLockStore(host=REDIS[0], port=REDIS[1], key_prefix=prefix)
    second = SharedLockStore(host=REDIS[0], port=REDIS[1], key_prefix=prefix)
    yield first, second
    await first.close()
    await second.close()


@needs_redis
async def test_one_turn_at_a_time_across_replicas(
    stores: tuple[SharedLockStore, SharedLockStore],
) -> None:
    inside = 0
    most = 0
    counter = 0

    async def turn(store: SharedLockStore) -> None:
        nonlocal inside, most, counter
        async with store.lock("conversation-1"):
            inside += 1
            most = max(most, inside)
            seen = counter
            await asyncio.sleep(0.005)  # a read-modify-write, as a turn does
            counter = seen + 1
            inside -= 1

    await asyncio.gather(*(turn(stores[i % 2]) for i in range(40)))
    assert most == 1
    assert counter == 40


@needs_redis
async def test_turns_are_served_in_arrival_order(
    stores: tuple[SharedLockStore, SharedLockStore],
) -> None:
    first, _ = stores
    key = conversation_key(first.prefix, "conversation-2")
    assert first._redis is not None
    served: list[int] = []
    release = asyncio.Event()

    async def turn(number: int, store: SharedLockStore) -> None:
        async with store.lock("conversation-2"):
            if number == 0:
                await release.wait()
            served.append(number)

    tasks = []
    for number in range(8):
        tasks.append(asyncio.ensure_future(turn(number, stores[number % 2])))
        # The next message arrives once this one has its ticket (queued).
        for _ in range(1000):
            if await first._redis.hlen(key) >= number + 1:
                break
            await asyncio.sleep(0.005)
        else:
            pytest.fail(f"message {number} never queued behind the first")
    release.set()
    await asyncio.gather(*tasks)
    assert served == list(range(8))
    assert await first._redis.exists(key) == 0  # nothing left behind


@needs_redis
async def test_a_crashed_replicas_lock_lapses_and_the_other_carries_on() -> None:
    prefix = "t" + secrets.token_hex(6)
    crashed = SharedLockStore(host=REDIS[0], key_prefix=prefix, lifetime=0.6)
    alive = SharedLockStore(host=REDIS[0], key_prefix=prefix, lifetime=0.6)
    holding = crashed.lock("conversation-3")
    await holding.__aenter__()
    # The replica dies: it neither renews nor gives up its ticket.
    for task in asyncio.all_tasks():
        if task.get_coro().__qualname__.endswith("_renew_forever"):
            task.cancel()
    async with alive.lock("conversation-3"):
        pass
    await crashed.close()
    await alive.close()


@needs_redis
async def test_a_long_turn_keeps_its_lock_by_renewing_it() -> None:
    prefix = "t" + secrets.token_hex(6)
    first = SharedLockStore(host=REDIS[0], key_prefix=prefix, lifetime=0.3)
    second = SharedLockStore(host=REDIS[0], key_prefix=prefix, lifetime=0.3)
    order: list[str] = []

    async def long_turn() -> None:
        async with first.lock("conversation-4"):
            order.append("long starts")
            await asyncio.sleep(1.2)  # four lifetimes
            order.append("long ends")

    long = asyncio.ensure_future(long_turn())
    while not order:
        await asyncio.sleep(0.01)
    async with second.lock("conversation-4"):
        order.append("next")
    await long
    assert order == ["long starts", "long ends", "next"]
    await first.close()
    await second.close()


async def test_unreachable_redis_refuses_the_turn_with_a_lock_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = SharedLockStore(host="127.0.0.1", port=port)
    entered = False
    with pytest.raises(LockError):
        async with store.lock("conversation-5"):
            entered = True
    assert not entered
    await store.close()


async def test_without_redis_it_locks_in_this_process() -> None:
    store = SharedLockStore(endpoint_config=EndpointConfig(url="", key_prefix="safety"))
    assert not store.shared
    inside = 0
    most = 0

    async def turn() -> None:
        nonlocal inside, most
        async with store.lock("conversation-6"):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(turn() for _ in range(5)))
    assert most == 1


async def test_the_endpoint_configuration_is_read_and_the_prefix_checked() -> None:
    store = SharedLockStore(
        endpoint_config=EndpointConfig(
            url="127.0.0.1", port="6380", db="2", key_prefix="abc", lifetime="5"
        )
    )
    assert store.shared and store.prefix == "abc" and store.lifetime == 5
    with pytest.raises(ValueError):
        SharedLockStore(key_prefix="a:b")
    # The key never holds the conversation id itself.
    assert "+63917" not in conversation_key("abc", "+639171234567")
