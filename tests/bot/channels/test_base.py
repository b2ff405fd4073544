"""The channel base: input rules, signatures, retries, numbered buttons, output."""

import base64
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.base import CheckedChannel, PlatformOutput, off_response
from bot.channels.checks import MAX_MESSAGE_CHARS, SEND_IMAGE, Incoming, PayloadError
from bot.channels.memory import ChannelMemory
from bot.channels.notice import StoreNotice
from bot.channels.signatures import hmac_sha256
from bot.settings import ROOT
from bot.store_health import report_store_failure

NOTICES = StoreNotice.load(ROOT / "domain.yml", ROOT / "data" / "translations").texts
pytestmark = pytest.mark.asyncio(loop_scope="session")
BUTTONS = [
    {"title": "Parent", "payload": "/i_am_parent"},
    {"title": "Teen", "payload": "/i_am_teen"},
]


class Channel(CheckedChannel):
    numbered_buttons = True

    @classmethod
    def name(cls) -> str:
        return "testing"


class FakeRasa:
    def __init__(self) -> None:
        self.seen: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        text, out, to = message.text or "", message.output_channel, message.sender_id
        if text == "crash":
            raise RuntimeError("boom")
        if text == "buttons":
            await out.send_response(to, {"text": "Who?", "buttons": BUTTONS})
            return
        await out.send_text_message(to, f"echo {text}")
        if text.startswith("fail"):
            report_store_failure("save")


class Recorder(PlatformOutput):
    """Posts nowhere: records what would go to the platform."""

    @classmethod
    def name(cls) -> str:
        return "recorder"

    def __init__(self, buttons: Any = None, fail: bool = False) -> None:
        super().__init__(buttons)
        self.posted: list[tuple[str, str]] = []
        self.fail = fail

    async def post_text(self, recipient: str, text: str) -> None:
        if self.fail:
            raise ConnectionError("platform down")
        self.posted.append((recipient, text))


# --- check -----------------------------------------------------------------


def test_check_accepts_text_and_integer_senders() -> None:
    assert Channel().check(12345, "hi\r\nthere\x00") == Incoming(
        "12345", "hi\nthere", None
    )
    assert Channel().check("-100", "hi", {"k": 1}) == Incoming("-100", "hi", {"k": 1})


def test_media_becomes_send_image_without_metadata() -> None:
    assert Channel().check("u", None, {"file_id": "x"}, media=True) == Incoming(
        "u", SEND_IMAGE, None
    )


@pytest.mark.parametrize(
    ("sender", "text", "metadata", "error"),
    [
        ("", "hi", None, "sender"),
        ("a b", "hi", None, "sender"),
        (True, "hi", None, "sender"),
        ("u", None, None, "message"),
        ("u", 5, None, "message"),
        ("u", "x" * (MAX_MESSAGE_CHARS + 1), None, "at most"),
        ("u", "hi", {"k": "x" * 5000}, "metadata"),
    ],
)
def test_check_refuses_with_a_reason(
    sender: object, text: object, metadata: Any, error: str
) -> None:
    with pytest.raises(PayloadError, match=error):
        Channel().check(sender, text, metadata)


# --- signed ----------------------------------------------------------------


def test_signed_hex_with_prefix() -> None:
    digest = hmac_sha256("secret", b"{}").hex()
    assert CheckedChannel.signed("secret", b"{}", f"sha256={digest}", prefix="sha256=")
    assert CheckedChannel.signed(
        "secret", b"{}", f"sha256={digest.upper()}", prefix="sha256="
    )
    assert not CheckedChannel.signed("secret", b"{}", digest, prefix="sha256=")
    assert not CheckedChannel.signed(
        "secret", b"{} ", f"sha256={digest}", "hex", "sha256="
    )


def test_signed_base64() -> None:
    given = base64.b64encode(hmac_sha256("secret", b"body")).decode()
    assert CheckedChannel.signed("secret", b"body", given, encoding="base64")
    assert not CheckedChannel.signed("other", b"body", given, encoding="base64")


@pytest.mark.parametrize("given", [None, "", "zz", "é" * 64])
def test_signed_refuses_missing_or_junk(given: Any) -> None:
    assert not CheckedChannel.signed("secret", b"body", given)


def test_signed_without_secret_is_always_false() -> None:
    digest = hmac_sha256("", b"body").hex()
    assert not CheckedChannel.signed("", b"body", digest)


def test_signed_refuses_an_unknown_encoding() -> None:
    with pytest.raises(ValueError, match="encoding"):
        CheckedChannel.signed("secret", b"body", "x", encoding="base32")


# --- deliveries and per-instance state --------------------------------------


async def test_first_delivery_is_per_channel_instance() -> None:
    one, two = Channel(), Channel()
    assert await one.first_delivery("42")
    assert not await one.first_delivery("42")
    assert await two.first_delivery("42")
    assert one.memory is one.memory


def test_off_response_is_a_503_json() -> None:
    reply = off_response("telegram")
    assert reply.status == 503
    assert reply.body == b'{"error":"telegram is not configured"}'


# --- process ---------------------------------------------------------------


async def test_process_runs_the_turn_and_returns_no_failures() -> None:
    rasa, output = FakeRasa(), CollectingOutputChannel()
    failures = await Channel().process(
        rasa, Incoming("u1", "hi", {"a": 1}), output, {"b": 2}
    )
    assert failures == []
    assert [m["text"] for m in output.messages] == ["echo hi"]
    seen = rasa.seen[0]
    assert (seen.sender_id, seen.input_channel) == ("u1", "testing")
    assert seen.metadata == {"a": 1, "b": 2}


async def test_process_maps_a_number_to_the_button_offered_once() -> None:
    channel, rasa = Channel(), FakeRasa()
    output = Recorder(channel.memory)
    await channel.process(rasa, Incoming("u2", "buttons", None), output)
    assert output.posted == [("u2", "Who?\n1. Parent\n2. Teen")]
    await channel.process(rasa, Incoming("u2", "2", None), output)
    assert rasa.seen[-1].text == "/i_am_teen"
    # The buttons answered, "2" is just "2" now.
    await channel.process(rasa, Incoming("u2", "2", None), output)
    assert rasa.seen[-1].text == "2"


async def test_store_failure_sends_the_notice_after_the_replies() -> None:
    output = CollectingOutputChannel()
    failures = await Channel().process(FakeRasa(), Incoming("u3", "fail", None), output)
    assert failures == ["save"]
    assert [m["text"] for m in output.messages] == ["echo fail", NOTICES["en"]]


async def test_handling_error_sends_the_notice_on_a_platform_output() -> None:
    output = Recorder()
    failures = await Channel().process(
        FakeRasa(), Incoming("u4", "crash", None), output
    )
    assert failures == ["handling"]
    assert output.posted == [("u4", NOTICES["en"])]


async def test_process_never_raises_when_the_platform_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    output = Recorder(fail=True)
    with caplog.at_level(logging.ERROR):
        failures = await Channel().process(
            FakeRasa(), Incoming("u5", "crash", None), output
        )
    assert failures == ["handling"]
    assert "ConnectionError" in caplog.text
    assert "platform down" not in caplog.text


# --- PlatformOutput ----------------------------------------------------------


async def test_staff_messages_are_plain_text() -> None:
    output = Recorder()
    await output.send_response("u", {"text": "Hello, I'm Mai.", "handoff": "staff"})
    assert output.posted == [("u", "Hello, I'm Mai.")]


async def test_long_texts_are_sent_in_parts() -> None:
    output = Recorder()
    output.max_text_chars = 10
    await output.send_text_message("u", "aaaa bbbb cccc")
    assert output.posted == [("u", "aaaa bbbb"), ("u", "cccc")]
    assert output.texts == ["aaaa bbbb cccc"]


async def test_custom_payloads_send_only_their_text() -> None:
    output = Recorder()
    await output.send_response("u", {"custom": {"text": "hi", "x": 1}})
    await output.send_response("u", {"custom": {"x": 1}})
    assert output.posted == [("u", "hi")]


async def test_buttons_without_memory_are_still_numbered() -> None:
    output = Recorder()
    await output.send_response("u", {"text": "Pick", "quick_replies": BUTTONS})
    assert output.posted == [("u", "Pick\n1. Parent\n2. Teen")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest_asyncio.fixture(loop_scope="session")
async def platform() -> AsyncIterator[tuple[str, list[Any]]]:
    received: list[Any] = []

    async def ok(request: web.Request) -> web.Response:
        received.append((request.headers.get("Authorization"), await request.json()))
        return web.json_response({"ok": True})

    async def broken(request: web.Request) -> web.Response:
        return web.json_response({"error": "no"}, status=500)

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="fine")

    app = web.Application()
    app.router.add_post("/ok", ok)
    app.router.add_post("/broken", broken)
    app.router.add_post("/text", text)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


async def test_post_json(
    platform: tuple[str, list[Any]], caplog: pytest.LogCaptureFixture
) -> None:
    url, received = platform
    output = Recorder(ChannelMemory("testing"))
    answer = await output.post_json(f"{url}/ok", {"t": 1}, {"Authorization": "B x"})
    assert answer == {"ok": True}
    assert received == [("B x", {"t": 1})]
    assert await output.post_json(f"{url}/text", {}) is None
    with caplog.at_level(logging.ERROR):
        assert await output.post_json(f"{url}/broken", {}) is None
        assert await output.post_json(f"http://127.0.0.1:{free_port()}/x", {}) is None
    assert "HTTP 500" in caplog.text
    assert "ClientConnectorError" in caplog.text


async def test_a_channel_without_numbered_buttons_never_looks_a_reply_up() -> None:
    class Plain(Channel):
        numbered_buttons = False

    channel, rasa = Plain(), FakeRasa()
    await channel.memory.offer_buttons("u9", [{"title": "Teen", "payload": "/t"}])
    await channel.process(rasa, Incoming("u9", "1", None), CollectingOutputChannel())
    assert rasa.seen[-1].text == "1"
