"""The channels' own logic, in-process, with a fake Rasa handler.

A real Sanic server carries the REST, web chat and socket.io blueprints; the
handler Rasa would give them is a fake that answers, reports a store failure
(as the tracker store does through `bot.store_health`) or raises, so every
path of the channels is exercised without a model. The real servers are in
tests/e2e/test_socketio.py.
"""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Sanic

from bot.channels.notice import NOTICE, StoreNotice
from bot.channels.rest import CheckedRestInput
from bot.channels.socketio import CheckedSocketIOInput
from bot.channels.webchat import WebChatInput
from bot.settings import ROOT
from bot.store_health import report_store_failure

NOTICES = StoreNotice.load(ROOT / "domain.yml", ROOT / "data" / "translations").texts
# The servers run on the session's event loop, so the tests must too.
pytestmark = pytest.mark.asyncio(loop_scope="session")

VIETNAMESE_REPLY = "Bạn rất quan trọng. Mình vẫn ở đây với bạn."


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVING: set["asyncio.Future[None]"] = set()


class FakeRasa:
    """Stands in for `agent.handle_message`; records what reached it."""

    def __init__(self) -> None:
        self.seen: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        text, out, to = message.text or "", message.output_channel, message.sender_id
        if text.startswith("crash"):
            raise RuntimeError("boom")
        if text.startswith("vi-fail"):
            await out.send_text_message(to, VIETNAMESE_REPLY)
            report_store_failure("save")
            return
        if text.startswith("quiet-fail"):
            report_store_failure("retrieve")
            return
        await out.send_text_message(to, f"echo {text}")
        if text.startswith("fail"):
            report_store_failure("save")


class Server:
    def __init__(self, url: str, rasa: FakeRasa) -> None:
        self.url = url
        self.rasa = rasa


async def start(channels: list[Any], rasa: FakeRasa) -> tuple[Any, str]:
    Sanic.test_mode = True
    app = Sanic(f"channels_{uuid.uuid4().hex[:8]}")
    for channel in channels:
        app.blueprint(
            channel.blueprint(rasa), url_prefix=f"/webhooks/{channel.url_prefix()}"
        )
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True
    )
    assert server is not None
    await server.startup()
    SERVING.add(asyncio.ensure_future(server.serve_forever()))
    return server, f"http://127.0.0.1:{port}"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server() -> AsyncIterator[Server]:
    rasa = FakeRasa()
    channels = [
        CheckedRestInput(),
        WebChatInput(),
        CheckedSocketIOInput.from_credentials({"session_persistence": True}),
    ]
    running, url = await start(channels, rasa)
    yield Server(url, rasa)
    running.close()
    await running.wait_closed()


async def post(url: str, body: Any) -> tuple[int, dict[str, str], Any]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
        session.post(url, json=body) as reply,
    ):
        return reply.status, dict(reply.headers), await reply.json()


class Client:
    """A socket.io client that records every event it gets."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient()
        self.events: list[tuple[str, Any]] = []
        for event in ("bot_uttered", "input_error", "session_confirm"):
            self.sio.on(event, self._recorder(event))

    def _recorder(self, event: str) -> Any:
        async def record(data: Any) -> None:
            self.events.append((event, data))

        return record

    async def connect(self, url: str) -> None:
        # Polling: engineio's websocket client needs aiohttp >= 3.10 (Rasa pins < 3.10).
        await self.sio.connect(url, transports=["polling"])

    async def close(self) -> None:
        # Without waiting for the open long-poll to end (up to the 25 s ping).
        await self.sio.eio.disconnect(abort=True)

    async def send(self, data: Any) -> Any:
        reply = await self.sio.call("user_uttered", data, timeout=20)
        await asyncio.sleep(0.2)  # events emitted before the ack are in by now
        return reply

    def texts(self) -> list[str]:
        return [d.get("text") for e, d in self.events if e == "bot_uttered"]

    def errors(self) -> list[str]:
        return [d["error"] for e, d in self.events if e == "input_error"]


@pytest.mark.parametrize("channel", ["rest", "webchat"])
async def test_rest_reply_is_a_200_when_the_store_works(
    server: Server, channel: str
) -> None:
    status, _, replies = await post(
        f"{server.url}/webhooks/{channel}/webhook", {"sender": "r1", "message": "hi"}
    )
    assert status == 200
    assert replies == [{"recipient_id": "r1", "text": "echo hi"}]


@pytest.mark.parametrize("channel", ["rest", "webchat"])
async def test_rest_store_failure_is_a_503_with_the_replies_and_the_notice(
    server: Server, channel: str
) -> None:
    status, headers, replies = await post(
        f"{server.url}/webhooks/{channel}/webhook",
        {"sender": "r2", "message": "fail please"},
    )
    assert status == 503
    assert headers["Retry-After"] == "5"
    assert [r["text"] for r in replies] == ["echo fail please", NOTICES["en"]]


async def test_rest_notice_speaks_the_language_of_the_replies(server: Server) -> None:
    status, _, replies = await post(
        f"{server.url}/webhooks/rest/webhook", {"sender": "r3", "message": "vi-fail"}
    )
    assert status == 503
    assert [r["text"] for r in replies] == [VIETNAMESE_REPLY, NOTICES["vi"]]


async def test_rest_notice_without_replies_speaks_the_language_of_the_message(
    server: Server,
) -> None:
    status, _, replies = await post(
        f"{server.url}/webhooks/rest/webhook",
        {"sender": "r4", "message": "quiet-fail ช่วยด้วย มีคนขู่จะปล่อยรูปของฉัน"},
    )
    assert status == 503
    assert [r["text"] for r in replies] == [NOTICES["th"]]


async def test_rest_handling_error_is_a_503_notice_not_a_500(server: Server) -> None:
    status, _, replies = await post(
        f"{server.url}/webhooks/rest/webhook", {"sender": "r5", "message": "crash"}
    )
    assert status == 503
    assert [r["text"] for r in replies] == [NOTICES["en"]]


async def test_rest_refusals_never_reach_rasa(server: Server) -> None:
    before = len(server.rasa.seen)
    for body in (
        {"sender": "r6", "message": "x" * 900_000},
        {"sender": "s" * 10_000, "message": "hi"},
        {"sender": "a b", "message": "hi"},
        {"sender": "r6", "message": "hi", "metadata": "x"},
    ):
        status, _, reply = await post(f"{server.url}/webhooks/rest/webhook", body)
        assert status == 400 and reply["error"]
    assert len(server.rasa.seen) == before


@pytest.mark.parametrize("channel", ["rest", "webchat"])
async def test_a_repeated_message_id_is_processed_once(
    server: Server, channel: str
) -> None:
    url = f"{server.url}/webhooks/{channel}/webhook"
    before = len(server.rasa.seen)
    first = await post(url, {"sender": "d1", "message": "hi", "message_id": "m-1"})
    again = await post(url, {"sender": "d1", "message": "hi", "message_id": "m-1"})
    other = await post(url, {"sender": "d2", "message": "hi", "message_id": "m-1"})
    number = await post(url, {"sender": "d1", "message": "hi", "message_id": 7})
    assert (first[0], first[2]) == (200, [{"recipient_id": "d1", "text": "echo hi"}])
    assert (again[0], again[2]) == (200, [])
    assert (other[0], number[0]) == (200, 200)
    assert len(other[2]) == len(number[2]) == 1
    assert [m.sender_id for m in server.rasa.seen[before:]] == ["d1", "d2", "d1"]


async def test_a_retry_after_a_store_failure_is_processed(server: Server) -> None:
    url = f"{server.url}/webhooks/rest/webhook"
    body = {"sender": "d3", "message": "fail again", "message_id": "m-2"}
    before = len(server.rasa.seen)
    assert (await post(url, body))[0] == 503
    assert (await post(url, body))[0] == 503
    assert len(server.rasa.seen) == before + 2


@pytest.mark.parametrize("message_id", ["", "a b", "x" * 200, 1.5, [1], True])
async def test_a_bad_message_id_is_refused(server: Server, message_id: Any) -> None:
    before = len(server.rasa.seen)
    status, _, reply = await post(
        f"{server.url}/webhooks/rest/webhook",
        {"sender": "d4", "message": "hi", "message_id": message_id},
    )
    assert status == 400 and "message_id" in reply["error"]
    assert len(server.rasa.seen) == before


async def test_socketio_replies_arrive_in_the_session_room(server: Server) -> None:
    client = Client()
    await client.connect(server.url)
    await client.sio.emit("session_request", {"session_id": "sess-1"})
    await asyncio.sleep(0.3)
    assert ("session_confirm", "sess-1") in client.events
    assert await client.send({"message": "hello", "session_id": "sess-1"}) == {
        "status": "ok"
    }
    assert client.texts() == ["echo hello"]
    assert server.rasa.seen[-1].sender_id == "sess-1"
    await client.close()


async def test_socketio_message_without_session_request_still_gets_its_reply(
    server: Server,
) -> None:
    client = Client()
    await client.connect(server.url)
    await client.send({"message": "first", "session_id": "sess-2"})
    assert client.texts() == ["echo first"]
    await client.close()


async def test_socketio_store_failure_sends_the_replies_then_the_notice(
    server: Server,
) -> None:
    client = Client()
    await client.connect(server.url)
    assert await client.send({"message": "fail now", "session_id": "sess-3"}) == {
        "status": "store_unavailable"
    }
    assert await client.send({"message": "vi-fail", "session_id": "sess-3"}) == {
        "status": "store_unavailable"
    }
    assert await client.send({"message": "crash", "session_id": "sess-3"}) == {
        "status": "store_unavailable"
    }
    assert client.texts() == [
        "echo fail now",
        NOTICES["en"],
        VIETNAMESE_REPLY,
        NOTICES["vi"],
        NOTICES["en"],
    ]
    await client.close()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"message": "x" * 5000, "session_id": "sess-4"}, "at most 4000"),
        ({"message": "hi", "session_id": "s" * 10_000}, "at most 128"),
        ({"message": "hi", "session_id": "sess 4"}, "may only contain"),
        ({"message": 5, "session_id": "sess-4"}, "must be a string"),
        ({"message": "hi", "session_id": "sess-4", "metadata": "{"}, "object"),
        ("just text", "object"),
        ({"message": "hi"}, "session_request"),
    ],
)
async def test_socketio_refusals_get_an_error_event_and_never_reach_rasa(
    server: Server, data: Any, error: str
) -> None:
    client = Client()
    await client.connect(server.url)
    before = len(server.rasa.seen)
    reply = await client.send(data)
    assert error in reply["error"]
    assert client.errors() == [reply["error"]]
    assert client.texts() == []
    assert len(server.rasa.seen) == before
    # The connection still works.
    await client.send({"message": "after", "session_id": "sess-4b"})
    assert client.texts() == ["echo after"]
    await client.close()


async def test_socketio_connection_keeps_its_session(server: Server) -> None:
    client = Client()
    await client.connect(server.url)
    await client.send({"message": "mine", "session_id": "sess-5"})
    reply = await client.send({"message": "theirs", "session_id": "sess-6"})
    assert "not the session of this connection" in reply["error"]
    await client.sio.emit("session_request", {"session_id": "sess-6"})
    await asyncio.sleep(0.3)
    await client.send({"message": "now theirs", "session_id": "sess-6"})
    assert client.texts() == ["echo mine", "echo now theirs"]
    await client.close()


async def test_socketio_event_without_data_or_with_many_arguments_is_refused(
    server: Server,
) -> None:
    client = Client()
    await client.connect(server.url)
    assert "exactly one" in (await client.sio.call("user_uttered", timeout=20))["error"]
    reply = await client.sio.call("user_uttered", ({"message": "a"}, 2), timeout=20)
    assert "exactly one" in reply["error"]
    await client.sio.emit("session_request", "not an object")
    await asyncio.sleep(0.3)
    assert "must be an object" in client.errors()[-1]
    await client.close()


async def test_rasas_own_channel_would_deliver_nothing() -> None:
    """The defect this channel fixes: Rasa 3.6 never awaits enter_room."""
    rasa = FakeRasa()
    running, url = await start([SocketIOInput(session_persistence=True)], rasa)
    try:
        client = Client()
        await client.connect(url)
        await client.sio.emit("session_request", {"session_id": "old-1"})
        await asyncio.sleep(0.3)
        await client.sio.emit("user_uttered", {"message": "hi", "session_id": "old-1"})
        await asyncio.sleep(1.0)
        assert [m.text for m in rasa.seen] == ["hi"]
        assert client.texts() == []  # handled, but the reply went to an empty room
        await client.close()
    finally:
        running.close()
        await running.wait_closed()


def test_every_language_has_the_notice() -> None:
    assert set(NOTICES) == {"en", "tl", "ms", "vi", "th", "lo"}
    assert NOTICE == "utter_store_unavailable"
    assert all(len(text) <= 700 for text in NOTICES.values())
