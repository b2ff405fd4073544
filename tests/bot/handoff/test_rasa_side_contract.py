"""The Rasa side's client and broker against the real console (the /internal contract).

The console runs for real (tests/bot/handoff/console.py: SQLite, fake Rasa)
on its own loop thread; the client and the broker talk HTTP to it from the
test's loop, as the action server and Rasa do.
"""

import pytest

from bot.handoff.broker import ConsoleEventBroker
from bot.handoff.client import ConsoleClient, HandoffRequest
from tests.bot.handoff.console import SERVICE_TOKEN, Console

pytestmark = pytest.mark.asyncio(loop_scope="session")

PHONE = "0917 123 4567"


def client_of(console: Console) -> ConsoleClient:
    return ConsoleClient(console.url, SERVICE_TOKEN, 5.0)


def request(cid: str, **fields: object) -> HandoffRequest:
    values: dict[str, object] = {
        "conversation_id": cid,
        "language": "tl",
        "country": "PH",
        "channel": "socketio",
        "risk": "none",
        "reason": "request_human",
        "transcript": [{"sender": "user", "text": "tao po", "at": 1.0}],
        **fields,
    }
    return HandoffRequest(**values)  # type: ignore[arg-type]


async def test_open_find_status_and_cancel(console: Console) -> None:
    client = client_of(console)
    first = await client.open_handoff(request("contract-1"))
    assert first.status == "waiting" and first.id > 0
    assert first.expires_in_s > 0
    again = await client.open_handoff(request("contract-1", risk="high"))
    assert again.id == first.id and again.urgent
    assert (await client.status("contract-1")).status == "waiting"
    assert await client.cancel("contract-1") is True
    assert (await client.status("contract-1")).status == "none"
    assert await client.cancel("contract-1") is False


async def test_values_the_console_would_refuse_do_not_lose_the_request(
    console: Console,
) -> None:
    reply = await client_of(console).open_handoff(
        request(
            "contract-2",
            language="id",
            country="Japan",
            channel="Some Channel!",
            transcript=[{"sender": "bot", "text": "x" * 4000, "at": 2.0}],
        )
    )
    assert reply.status == "waiting"
    await client_of(console).cancel("contract-2")


async def test_the_broker_feeds_an_open_handoff_redacted(console: Console) -> None:
    client = client_of(console)
    await client.open_handoff(request("contract-3"))
    broker = ConsoleEventBroker(client)
    broker.publish(
        {
            "sender_id": "contract-3",
            "event": "user",
            "text": f"call me {PHONE} " + "y" * 4100,
            "timestamp": 5.0,
            "parse_data": {
                "intent": {"name": "greet"},
                "risk": "high",
                "language": {"code": "id", "decided": True},
            },
        }
    )
    broker.publish(
        {"sender_id": "contract-3", "event": "bot", "text": "ok", "timestamp": 6.0}
    )
    assert await broker.flush(timeout=10.0)
    assert (broker.sent, broker.dropped) == (2, 0)
    assert (await client.status("contract-3")).urgent  # a high-risk message
    await broker.close()
    await client.cancel("contract-3")
