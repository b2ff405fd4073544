"""The RabbitMQ event broker on a real RabbitMQ (127.0.0.1:5672, skipped if unreachable).

Outages are made with a TCP proxy between the broker and RabbitMQ
(tests/e2e/services.py): cut, every connection breaks and new ones are
refused, as while RabbitMQ restarts.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest
from rasa.shared.core.events import BotUttered, UserUttered

from bot.events.rabbit import RabbitEventBroker, redacted_body
from bot.stores import redacted
from tests.e2e.services import (
    RABBITMQ,
    TcpProxy,
    delete_queue,
    drain_queue,
    reachable,
    run_name,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.skipif(
        not reachable(RABBITMQ), reason="RabbitMQ is not reachable on 127.0.0.1:5672"
    ),
]

PRIVATE = "call me on 0917 123 4567 or maria.santos@example.com"


def user(sender: str, text: str) -> dict:
    event = UserUttered(
        text,
        intent={"name": "greet", "confidence": 1.0},
        parse_data={"text": text, "intent": {"name": "greet"}, "metadata": {"x": 1}},
        metadata={"telegram_chat": 12345},
    )
    return {"sender_id": sender, **event.as_dict()}


def bot(sender: str, text: str) -> dict:
    return {"sender_id": sender, **BotUttered(text).as_dict()}


@pytest.fixture
async def names() -> AsyncIterator[tuple[str, str]]:
    queue, exchange = run_name("q"), run_name("x")
    yield queue, exchange
    await delete_queue(queue, exchange)


@pytest.fixture
def proxy() -> AsyncIterator[TcpProxy]:
    relay = TcpProxy(RABBITMQ).start()
    yield relay
    relay.cut()


def make(
    proxy: TcpProxy, names: tuple[str, str], buffer: int = 1000
) -> RabbitEventBroker:
    return RabbitEventBroker(
        "127.0.0.1",
        port=proxy.port,
        username="guest",
        password="guest",
        queue=names[0],
        exchange=names[1],
        buffer=buffer,
    )


def test_a_user_event_is_redacted_exactly_as_the_store_redacts_it() -> None:
    body = user("s1", PRIVATE)
    sent = redacted_body(body)
    event = UserUttered.from_parameters(
        {k: v for k, v in body.items() if k != "sender_id"}
    )
    assert sent == {"sender_id": "s1", **redacted(event).as_dict()}
    assert "0917 123" not in json.dumps(sent) and "maria" not in json.dumps(sent)
    assert not sent.get("metadata") and not sent["parse_data"].get("metadata")
    # Bot messages are stored as they are; so they are sent.
    answer = bot("s1", "hello 0917 123 4567")
    assert redacted_body(answer) == answer


async def test_events_reach_the_queue_redacted_and_in_order(
    proxy: TcpProxy, names: tuple[str, str]
) -> None:
    broker = make(proxy, names)
    for number in range(30):
        broker.publish(user("s2", f"{PRIVATE} #{number}"))
        broker.publish(bot("s2", f"answer {number}"))
    assert await broker.flush(10)
    received = await drain_queue(names[0])
    assert [m["text"].rsplit("#", 1)[-1] for m in received[::2]] == [
        str(n) for n in range(30)
    ]
    assert [m["text"] for m in received[1::2]] == [f"answer {n}" for n in range(30)]
    raw = json.dumps(received)
    assert (
        "0917" not in raw and "maria.santos" not in raw and "telegram_chat" not in raw
    )
    assert all(m["sender_id"] == "s2" for m in received)
    assert broker.counts() == {"published": 60, "buffered": 0, "dropped": 0}
    await broker.close()


async def test_rabbitmq_down_buffers_logs_and_delivers_once_back(
    proxy: TcpProxy, names: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    broker = make(proxy, names)
    broker.publish(bot("s3", "before"))
    assert await broker.flush(10)
    proxy.cut()
    caplog.set_level(logging.WARNING, logger="bot.events.rabbit")
    for number in range(50):
        broker.publish(user("s3", f"{PRIVATE} #{number}"))  # never raises
    assert not await broker.flush(1.5)
    assert broker.counts()["buffered"] == 50
    warnings = [r.getMessage() for r in caplog.records]
    assert any("RabbitMQ unreachable" in w for w in warnings), warnings
    assert not any("0917" in w or "#" in w for w in warnings)
    proxy.restore()
    assert await broker.flush(30)
    assert broker.counts() == {"published": 51, "buffered": 0, "dropped": 0}
    received = await drain_queue(names[0])
    assert received[0]["text"] == "before"
    numbers = [int(m["text"].rsplit("#", 1)[-1]) for m in received[1:]]
    assert numbers == list(range(50))
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    await broker.close()


async def test_a_full_buffer_drops_the_oldest_counted_and_logged(
    proxy: TcpProxy, names: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    broker = make(proxy, names, buffer=10)
    broker.publish(bot("s4", "connect"))
    assert await broker.flush(10)
    proxy.cut()
    caplog.set_level(logging.WARNING, logger="bot.events.rabbit")
    for number in range(25):  # a burst: the sender does not run in between
        broker.publish(bot("s4", str(number)))
    assert broker.counts()["dropped"] == 15
    assert any("dropped (buffer full)" in r.getMessage() for r in caplog.records)
    proxy.restore()
    assert await broker.flush(30)
    received = await drain_queue(names[0])
    assert [m["text"] for m in received] == ["connect"] + [
        str(n) for n in range(15, 25)
    ]
    await broker.close()


async def test_the_broker_starts_while_rabbitmq_is_down(
    proxy: TcpProxy, names: tuple[str, str]
) -> None:
    proxy.cut()
    broker = make(proxy, names)
    broker.publish(bot("s5", "while down"))
    assert broker.is_ready()
    await asyncio.sleep(0.3)
    proxy.restore()
    assert await broker.flush(30)
    assert [m["text"] for m in await drain_queue(names[0])] == ["while down"]
    await broker.close()


async def test_events_still_buffered_at_shut_down_are_counted_and_logged(
    proxy: TcpProxy, names: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    proxy.cut()
    broker = make(proxy, names)
    caplog.set_level(logging.ERROR, logger="bot.events.rabbit")
    broker.publish(bot("s6", "lost"))
    await broker.close()
    assert broker.counts()["dropped"] == 1
    assert any("were not published" in r.getMessage() for r in caplog.records)
