"""The messaging apps' webhook shell (bot/channels/apps.py), route by route.

The routes' code is called with a minimal request (body, headers, query) and a
stand-in for Rasa's handler; replies go to a local stub of the platform's API.
The same paths through a real Rasa server are in tests/e2e/test_channels_apps.py.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels.apps import AppChannel
from bot.channels.line import LineInput
from bot.channels.viber import ViberInput
from bot.channels.whatsapp import WhatsAppInput
from bot.channels.zalo import ZaloInput
from bot.settings import Settings
from tests.e2e.platform_stub import platform_stub

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Request:
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)


class FakeRasa:
    def __init__(self) -> None:
        self.seen: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append(message)
        await message.output_channel.send_text_message(
            message.sender_id, f"echo {message.text}"
        )


def hexmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class App:
    """One connector: how to build it, a delivery, and how to sign it."""

    make: Callable[[Settings], AppChannel]
    settings: Callable[[str], Settings]
    text: Callable[[str, str], dict[str, Any]]
    media: Callable[[str], dict[str, Any]]
    sign: Callable[[bytes], dict[str, str]]
    header: str
    reply_path: str


def whatsapp_message(key: str, **content: Any) -> dict[str, Any]:
    message = {"from": "16315551234", "id": key, "timestamp": "1", **content}
    value = {"metadata": {"phone_number_id": "555"}, "messages": [message]}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "messages", "value": value}]}],
    }


def line_event(key: str, message: dict[str, Any]) -> dict[str, Any]:
    event = {
        "type": "message",
        "mode": "active",
        "source": {"type": "user", "userId": "U1234"},
        "webhookEventId": key,
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "token",
        "message": message,
    }
    return {"destination": "U0", "events": [event]}


def viber_message(key: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": "message",
        "message_token": key,
        "sender": {"id": "ab/c=="},
        "message": message,
    }


def zalo_event(key: str, name: str, **message: Any) -> dict[str, Any]:
    return {
        "app_id": "app-1",
        "event_name": name,
        "sender": {"id": "777"},
        "recipient": {"id": "888"},
        "message": {"msg_id": key, **message},
        "timestamp": "1700000000000",
    }


def zalo_sign(body: bytes) -> dict[str, str]:
    timestamp = (
        json.loads(body).get("timestamp", "").encode() if body.startswith(b"{") else b""
    )
    digest = hashlib.sha256(b"app-1" + body + timestamp + b"zalo-secret").hexdigest()
    return {"X-ZEvent-Signature": f"mac={digest}"}


APPS = {
    "whatsapp": App(
        WhatsAppInput,
        lambda url: Settings(
            whatsapp_token="wa",
            whatsapp_phone_id="555",
            whatsapp_secret="wa-secret",
            whatsapp_verify="v",
            whatsapp_api_url=url,
        ),
        lambda key, text: whatsapp_message(key, type="text", text={"body": text}),
        lambda key: whatsapp_message(key, type="image", image={"id": "1"}),
        lambda body: {"X-Hub-Signature-256": "sha256=" + hexmac("wa-secret", body)},
        "X-Hub-Signature-256",
        "/555/messages",
    ),
    "line": App(
        LineInput,
        lambda url: Settings(
            line_token="ln", line_secret="line-secret", line_api_url=url
        ),
        lambda key, text: line_event(key, {"type": "text", "id": key, "text": text}),
        lambda key: line_event(key, {"type": "image", "id": key}),
        lambda body: {
            "X-Line-Signature": base64.b64encode(
                hmac.new(b"line-secret", body, hashlib.sha256).digest()
            ).decode()
        },
        "X-Line-Signature",
        "/v2/bot/message/reply",
    ),
    "viber": App(
        ViberInput,
        lambda url: Settings(viber_token="viber-token", viber_api_url=url),
        lambda key, text: viber_message(key, {"type": "text", "text": text}),
        lambda key: viber_message(
            key, {"type": "picture", "media": "https://example.invalid/x.jpg"}
        ),
        lambda body: {"X-Viber-Content-Signature": hexmac("viber-token", body)},
        "X-Viber-Content-Signature",
        "/send_message",
    ),
    "zalo": App(
        ZaloInput,
        lambda url: Settings(
            zalo_token="zl",
            zalo_app_id="app-1",
            zalo_secret="zalo-secret",
            zalo_api_url=url,
        ),
        lambda key, text: zalo_event(key, "user_send_text", text=text),
        lambda key: zalo_event(key, "user_send_image", attachments=[{"type": "image"}]),
        zalo_sign,
        "X-ZEvent-Signature",
        "/v3.0/oa/message/cs",
    ),
}


def signed(app: App, data: Any) -> Request:
    body = json.dumps(data).encode()
    return Request(body, app.sign(body))


def status_and_json(reply: Any) -> tuple[int, Any]:
    return reply.status, json.loads(reply.body)


@pytest.mark.parametrize("name", list(APPS))
async def test_an_unconfigured_channel_is_off(name: str) -> None:
    app = APPS[name]
    channel = app.make(Settings())
    assert not channel.configured and channel.missing()
    assert channel.get_output_channel() is None
    rasa = FakeRasa()
    request = signed(app, app.text("k1", "hi"))
    for reply in (
        await channel.on_health(request),  # type: ignore[arg-type]
        await channel.on_verify(request),  # type: ignore[arg-type]
        await channel.on_post(rasa, request),  # type: ignore[arg-type]
    ):
        assert status_and_json(reply) == (503, {"error": f"{name} is not configured"})
    assert rasa.seen == []


async def run(channel: AppChannel, rasa: FakeRasa, request: Request) -> tuple[int, Any]:
    reply = await channel.on_post(rasa, request)  # type: ignore[arg-type]
    await channel.idle()
    return status_and_json(reply)


@pytest.mark.parametrize("name", list(APPS))
async def test_signatures_retries_media_and_replies(name: str) -> None:
    app = APPS[name]
    rasa = FakeRasa()
    with platform_stub() as stub:
        channel = app.make(app.settings(stub.url))
        assert channel.configured
        assert status_and_json(await channel.on_health(Request())) == (
            200,
            {"status": "ok"},
        )  # type: ignore[arg-type]

        good = signed(app, app.text("k1", "hello"))
        missing = Request(good.body, {})
        assert (await run(channel, rasa, missing))[0] == 401
        wrong = Request(good.body, {app.header: good.headers[app.header][:-4] + "abcd"})
        assert (await run(channel, rasa, wrong))[0] == 403
        tampered = Request(good.body.replace(b"hello", b"HELLO"), good.headers)
        assert (await run(channel, rasa, tampered))[0] == 403
        assert rasa.seen == [] and stub.calls == []

        assert await run(channel, rasa, good) == (200, {"status": "ok"})
        assert await run(channel, rasa, good) == (200, {"status": "ok"})  # a retry
        assert [m.text for m in rasa.seen] == ["hello"]
        assert rasa.seen[0].input_channel == name
        call = stub.wait_for(lambda c: c.path == app.reply_path)
        assert "echo hello" in json.dumps(call.body, ensure_ascii=False)

        await run(channel, rasa, signed(app, app.media("k2")))
        assert [m.text for m in rasa.seen] == ["hello", "/send_image"]
        assert rasa.seen[1].metadata is None

        output = channel.get_output_channel()
        assert output is not None
        stub.clear()
        await output.send_response(
            rasa.seen[0].sender_id, {"text": "a counsellor here", "handoff": "staff"}
        )
        staff = stub.wait_for(lambda c: "a counsellor here" in json.dumps(c.body))
        assert staff.method == "POST"


@pytest.mark.parametrize("name", list(APPS))
async def test_a_signed_body_that_is_not_json_is_refused(name: str) -> None:
    app = APPS[name]
    rasa = FakeRasa()
    channel = app.make(app.settings("http://127.0.0.1:9"))
    body = b"not json"
    status, reply = await run(channel, rasa, Request(body, app.sign(body)))
    # Zalo signs a timestamp inside the JSON: without JSON there is no valid signature.
    assert (status, reply) in (
        (400, {"error": "the body must be JSON"}),
        (403, {"error": "the signature is not valid"}),
    )
    assert rasa.seen == []


async def test_whatsapp_handshake() -> None:
    channel = WhatsAppInput(APPS["whatsapp"].settings("http://127.0.0.1:9"))
    args = {
        "hub.mode": "subscribe",
        "hub.verify_token": "v",
        "hub.challenge": "1158201444",
    }
    reply = await channel.on_verify(Request(args=args))  # type: ignore[arg-type]
    assert (reply.status, reply.body) == (200, b"1158201444")
    reply = await channel.on_verify(Request(args={**args, "hub.verify_token": "x"}))  # type: ignore[arg-type]
    assert reply.status == 403 and b"1158201444" not in reply.body


async def test_other_apps_have_no_handshake() -> None:
    channel = LineInput(APPS["line"].settings("http://127.0.0.1:9"))
    assert (await channel.on_verify(Request())).status == 405  # type: ignore[arg-type]


async def test_a_refused_sender_is_logged_and_the_rest_handled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = APPS["whatsapp"]
    rasa = FakeRasa()
    with platform_stub() as stub:
        channel = app.make(app.settings(stub.url))
        data = whatsapp_message("k1", type="text", text={"body": "hi"})
        bad = {
            "from": "not a safe id!",
            "id": "k0",
            "type": "text",
            "text": {"body": "x"},
        }
        data["entry"][0]["changes"][0]["value"]["messages"].insert(0, bad)
        assert (await run(channel, rasa, signed(app, data)))[0] == 200
        assert [m.text for m in rasa.seen] == ["hi"]
        assert "a message was refused" in caplog.text


async def test_numbers_run_on_through_a_turn() -> None:
    """Zalo shows at most five buttons: two sets of six are both numbered."""
    six = [{"title": f"Option {n}", "payload": f"/p{n}"} for n in range(6)]
    other = [{"title": f"Other {n}", "payload": f"/q{n}"} for n in range(6)]
    app = APPS["zalo"]
    with platform_stub() as stub:
        channel = app.make(app.settings(stub.url))
        output = channel.output(None)
        await output.send_response("777", {"text": "First", "buttons": six})
        await output.send_response("777", {"text": "Second", "buttons": other})
        texts = [c.body["message"]["text"] for c in stub.calls]
        assert texts[0].endswith(
            "1. Option 0\n2. Option 1\n3. Option 2\n4. Option 3\n5. Option 4\n6. Option 5"
        )
        assert texts[1].startswith("Second\n7. Other 0\n8. Other 1")
    assert channel.memory.buttons.resolve("777", "7") == "/q0"
    assert await channel.memory.reply_payload("777", "2") == "/p1"
