"""The Rasa side's client of the console's /internal API, against a real HTTP server."""

from collections.abc import AsyncIterator

import pytest

from bot.handoff.client import (
    ConsoleClient,
    ConsoleUnavailableError,
    HandoffReply,
    HandoffRequest,
)
from bot.settings import Settings
from tests.bot.handoff.fake_console import SERVICE_TOKEN, FakeConsole, down_url

# The fake console's fixture and the tests share the session's event loop.
pytestmark = pytest.mark.asyncio(loop_scope="session")

REQUEST = HandoffRequest(
    conversation_id="+639171234567",
    language="tl",
    country="PH",
    channel="socketio",
    risk="elevated",
    reason="request_human",
    transcript=[{"sender": "user", "text": "tao po", "at": 1.5}],
)


@pytest.fixture
async def console() -> AsyncIterator[FakeConsole]:
    fake = FakeConsole()
    await fake.start()
    yield fake
    await fake.stop()


def client_of(console: FakeConsole, timeout: float = 2.0) -> ConsoleClient:
    return ConsoleClient(console.url, SERVICE_TOKEN, timeout)


async def test_a_handoff_request_sends_the_contract_body_with_the_token(
    console: FakeConsole,
) -> None:
    console.wait_estimate_s = 240
    reply = await client_of(console).open_handoff(REQUEST)
    [call] = console.calls
    assert (call.method, call.path) == ("POST", "/internal/handoffs")
    assert call.authorization == f"Bearer {SERVICE_TOKEN}"
    assert call.body == {
        "conversation_id": "+639171234567",
        "language": "tl",
        "country": "PH",
        "channel": "socketio",
        "risk": "elevated",
        "reason": "request_human",
        "transcript": [{"sender": "user", "text": "tao po", "at": 1.5}],
    }
    assert reply == HandoffReply(
        status="waiting",
        id=1,
        urgent=False,
        position=1,
        staff_online=2,
        within_hours=True,
        available=True,
        wait_estimate_s=240,
        expires_in_s=3600,
    )


async def test_the_reply_says_when_nobody_can_take_it(console: FakeConsole) -> None:
    console.mode = "nobody"
    reply = await client_of(console).open_handoff(REQUEST)
    assert (reply.available, reply.staff_online, reply.wait_estimate_s) == (
        False,
        0,
        None,
    )


async def test_cancel_status_and_events(console: FakeConsole) -> None:
    client = client_of(console)
    assert (await client.status("c1")).status == "none"
    await client.open_handoff(REQUEST)
    assert (await client.status("+639171234567")).status == "waiting"
    status_call = console.calls_to("/internal/handoffs/status")[-1]
    assert status_call.query == {"conversation_id": "+639171234567"}
    assert await client.cancel("+639171234567") is True
    assert await client.cancel("+639171234567") is False
    events = [{"conversation_id": "c1", "type": "user", "text": "hi", "at": 2.0}]
    assert await client.send_events(events) == 1
    assert console.events == events
    assert all(c.authorization == f"Bearer {SERVICE_TOKEN}" for c in console.calls)


async def test_the_settings_name_the_console_and_its_token(
    console: FakeConsole,
) -> None:
    settings = Settings(
        console_port=console.port, service_token=SERVICE_TOKEN, console_timeout=1.5
    )
    client = ConsoleClient.from_settings(settings)
    assert (client.base_url, client.timeout) == (console.url, 1.5)
    assert (await client.open_handoff(REQUEST)).status == "waiting"


@pytest.mark.parametrize("mode", ["error", "garbage"])
async def test_a_console_that_fails_raises_one_error_without_personal_data(
    console: FakeConsole, mode: str
) -> None:
    console.mode = mode
    with pytest.raises(ConsoleUnavailableError) as caught:
        await client_of(console).open_handoff(REQUEST)
    assert "639171234567" not in str(caught.value)
    assert "tao po" not in str(caught.value)


async def test_a_wrong_token_is_refused(console: FakeConsole) -> None:
    client = ConsoleClient(console.url, "not-the-token", 2.0)
    with pytest.raises(ConsoleUnavailableError, match="401"):
        await client.cancel("c1")


async def test_a_console_that_is_down_raises_the_same_error() -> None:
    client = ConsoleClient(down_url(), SERVICE_TOKEN, 2.0)
    with pytest.raises(ConsoleUnavailableError):
        await client.open_handoff(REQUEST)
    with pytest.raises(ConsoleUnavailableError):
        await client.send_events([])


async def test_a_slow_console_is_given_up_after_the_timeout(
    console: FakeConsole,
) -> None:
    console.mode, console.delay = "slow", 5.0
    with pytest.raises(ConsoleUnavailableError, match=r"no answer within 0\.3 s"):
        await client_of(console, timeout=0.3).open_handoff(REQUEST)
    assert len(console.calls) == 1  # it arrived; the answer came too late


def test_a_reply_without_a_status_is_not_taken_for_one() -> None:
    for body in (None, [], {"id": 3}, {"status": "waiting", "position": "first"}):
        with pytest.raises(ConsoleUnavailableError):
            HandoffReply.from_json(body)


def test_values_the_console_would_refuse_are_sent_as_null() -> None:
    body = HandoffRequest(
        conversation_id="c1",
        language="id",
        country="Japan",
        channel="Some Channel!",
        risk="none",
        reason="fallback",
    ).as_json()
    assert (body["language"], body["country"], body["channel"]) == (None, None, None)
    body = HandoffRequest("c1", "ms", "INT", "webchat", "none", "crisis").as_json()
    assert (body["language"], body["country"], body["channel"]) == (
        "ms",
        "INT",
        "webchat",
    )
