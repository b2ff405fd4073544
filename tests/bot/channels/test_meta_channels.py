"""Telegram and Messenger shells in-process: off, refusals, buttons, a dead API.

A real Sanic server carries the two channels' blueprints with a fake Rasa
handler (as tests/bot/channels/test_channels.py); their platform API is the
local stub of the e2e tests. The real servers are in
tests/e2e/test_channels_meta.py.
"""

import asyncio
import hashlib
import hmac
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Optional

import aiohttp
import pytest
import pytest_asyncio
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels.messenger import MessengerChannel
from bot.channels.telegram import TelegramChannel
from tests.e2e.platform_stub import PlatformStub, platform_stub

pytestmark = pytest.mark.asyncio(loop_scope="session")

TOKEN = "123456:TEST-token"
SECRET = "s3cret"
LONG = [
    {"title": "I'm a parent or caregiver", "payload": "/p" + "x" * 70},
    {"title": "Teen", "payload": "/t" + "y" * 70},
]
SERVING: set["asyncio.Future[None]"] = set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeRasa:
    def __init__(self) -> None:
        self.seen: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        out, to = message.output_channel, message.sender_id
        if message.text == "buttons":
            await out.send_response(to, {"text": "Who?", "buttons": LONG})
        else:
            await out.send_response(to, {"text": f"echo {message.text}"})


class Server:
    def __init__(self, url: str, rasa: FakeRasa, stub: PlatformStub) -> None:
        self.url, self.rasa, self.stub = url, rasa, stub


@pytest.fixture(scope="module")
def stub() -> Iterator[PlatformStub]:
    with platform_stub() as running:
        yield running


async def serve(channels: list[Any], rasa: FakeRasa) -> tuple[Any, str]:
    Sanic.test_mode = True
    app = Sanic(f"meta_{uuid.uuid4().hex[:8]}")
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
async def server(stub: PlatformStub) -> AsyncIterator[Server]:
    rasa = FakeRasa()
    channels = [
        TelegramChannel(TOKEN, SECRET, stub.url),
        MessengerChannel("verify", SECRET, "page-token", f"{stub.url}/v19.0"),
    ]
    running, url = await serve(channels, rasa)
    yield Server(url, rasa, stub)
    running.close()
    await running.wait_closed()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def off() -> AsyncIterator[Server]:
    rasa = FakeRasa()
    channels = [TelegramChannel(""), MessengerChannel("", "", "")]
    running, url = await serve(channels, rasa)
    yield Server(url, rasa, None)  # type: ignore[arg-type]
    running.close()
    await running.wait_closed()


async def request(
    url: str,
    body: Optional[bytes] = None,
    headers: Optional[dict[str, str]] = None,
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
        session.request(
            "POST" if body is not None else "GET",
            url,
            data=body,
            headers={"Content-Type": "application/json", **(headers or {})},
        ) as reply,
    ):
        return reply.status, await reply.json(content_type=None)


def tg(chat: int, text: str) -> bytes:
    message = {"chat": {"id": chat, "type": "private"}, "text": text}
    return json.dumps(
        {"update_id": uuid.uuid4().int % 10**9, "message": message}
    ).encode()


def fb(psid: str, **message: Any) -> tuple[bytes, dict[str, str]]:
    event = {"sender": {"id": psid}, "message": {"mid": uuid.uuid4().hex, **message}}
    body = json.dumps({"object": "page", "entry": [{"messaging": [event]}]}).encode()
    digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hub-Signature-256": f"sha256={digest}"}


@pytest.mark.parametrize(
    ("path", "post"),
    [
        ("telegram/", False),
        ("telegram/webhook", True),
        ("facebook/", False),
        ("facebook/webhook", False),
        ("facebook/webhook", True),
    ],
)
async def test_an_unconfigured_channel_is_off(
    off: Server, path: str, post: bool
) -> None:
    name = path.split("/")[0]
    status, answer = await request(
        f"{off.url}/webhooks/{path}", tg(1, "hi") if post else None
    )
    assert (status, answer) == (503, {"error": f"{name} is not configured"})
    assert off.rasa.seen == []


def test_off_channels_have_no_output() -> None:
    assert TelegramChannel("").get_output_channel() is None
    assert MessengerChannel("", "", "").get_output_channel() is None


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PUBLIC_URL", "https://helpline.example/")
    channel = TelegramChannel.from_credentials(None)
    assert isinstance(channel, TelegramChannel)
    assert (channel.access_token, channel.secret, channel.api_url) == (
        TOKEN,
        SECRET,
        "http://127.0.0.1:9",
    )
    assert channel.webhook_url == "https://helpline.example/webhooks/telegram/webhook"
    monkeypatch.setenv("TELEGRAM_TOKEN", "not a token")
    assert not TelegramChannel.from_credentials(None).configured
    monkeypatch.setenv("MESSENGER_PAGE_TOKEN", "page")
    monkeypatch.setenv("MESSENGER_SECRET", "app")
    monkeypatch.setenv("MESSENGER_VERIFY", "v")
    messenger = MessengerChannel.from_credentials({})
    assert isinstance(messenger, MessengerChannel)
    assert (messenger.fb_access_token, messenger.fb_secret, messenger.fb_verify) == (
        "page",
        "app",
        "v",
    )


async def test_telegram_payloads_too_long_for_buttons_become_numbers(
    server: Server,
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    url = f"{server.url}/webhooks/telegram/webhook"
    assert (await request(url, tg(77, "buttons"), headers))[0] == 200
    sent = server.stub.wait_for(
        lambda c: (
            isinstance(c.body, dict)
            and c.body.get("chat_id") == "77"
            and "1. I'm a parent" in c.body.get("text", "")
        )
    )
    assert "reply_markup" not in sent.body
    assert (await request(url, tg(77, "2"), headers))[0] == 200
    assert server.rasa.seen[-1].text == LONG[1]["payload"]


async def test_messenger_long_titles_become_numbered_quick_replies(
    server: Server,
) -> None:
    url = f"{server.url}/webhooks/facebook/webhook"
    body, headers = fb("p-5", text="buttons")
    assert (await request(url, body, headers))[0] == 200
    sent = server.stub.wait_for(
        lambda c: (
            isinstance(c.body, dict)
            and c.body.get("recipient") == {"id": "p-5"}
            and "quick_replies" in c.body["message"]
        )
    )
    assert sent.body["message"]["text"].endswith("2. Teen")
    assert [q["title"] for q in sent.body["message"]["quick_replies"]] == ["1", "2"]
    body, headers = fb("p-5", text="2")  # typed, not tapped
    assert (await request(url, body, headers))[0] == 200
    assert server.rasa.seen[-1].text == LONG[1]["payload"]


async def test_a_dead_platform_api_never_breaks_the_webhook(stub: PlatformStub) -> None:
    rasa = FakeRasa()
    dead = f"http://127.0.0.1:{free_port()}"
    channels = [
        TelegramChannel(TOKEN, SECRET, dead),
        MessengerChannel("verify", SECRET, "page-token", dead),
    ]
    running, url = await serve(channels, rasa)
    try:
        status, answer = await request(
            f"{url}/webhooks/telegram/webhook",
            tg(5, "hi"),
            {"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert (status, answer) == (200, {"status": "ok"})
        body, headers = fb("p-6", text="hi")
        status, answer = await request(
            f"{url}/webhooks/facebook/webhook", body, headers
        )
        assert (status, answer) == (200, {"status": "ok", "handled": 1})
        assert [m.text for m in rasa.seen] == ["hi", "hi"]
    finally:
        running.close()
        await running.wait_closed()
