"""End-to-end: WhatsApp, LINE, Viber and Zalo webhooks on a real Rasa server.

One Rasa and action server (`running_services`) is started for the module
with all four connectors configured with test secrets and their API base URLs
pointing at a local stub (`tests.e2e.platform_stub`) that records what the
server sends. Each test posts what the platform would post, signed as the
platform signs it, and waits for the answer at the stub; Rasa's HTTP API (with
the module's token) shows what was stored, and sends a staff message as the
console does during a handoff (bot/handoff/rasa.py).
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote

import pytest
import yaml

from bot.channels.viber_wire import conversation_id
from bot.launch import Services
from bot.settings import ROOT
from tests.e2e.platform_stub import Call, PlatformStub, platform_stub
from tests.e2e.servers import post, running_services

pytestmark = pytest.mark.e2e

TOKEN = f"test-{uuid.uuid4().hex}"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WA_SECRET, WA_VERIFY, WA_PHONE = "wa-app-secret", "wa-verify-token", "106540352242922"
LINE_SECRET = "line-channel-secret"
VIBER_TOKEN = "viber-auth-token"
ZALO_APP, ZALO_SECRET = "360846524940903967", "zalo-oa-secret-key"

RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))[
    "responses"
]
NO_IMAGES = RESPONSES["utter_no_images"][0]["text"]
GREETING = "glad you reached out"
ENGLISH = "continue in English"


@pytest.fixture(scope="module")
def stub() -> Iterator[PlatformStub]:
    with platform_stub() as running:
        yield running


@pytest.fixture(scope="module")
def services(
    tmp_path_factory: pytest.TempPathFactory, stub: PlatformStub
) -> Iterator[Services]:
    yield from running_services(
        tmp_path_factory,
        "e2e-apps",
        api_token=TOKEN,
        whatsapp_token="wa-access-token",
        whatsapp_phone_id=WA_PHONE,
        whatsapp_secret=WA_SECRET,
        whatsapp_verify=WA_VERIFY,
        whatsapp_api_url=f"{stub.url}/wa/v19.0",
        line_token="line-access-token",
        line_secret=LINE_SECRET,
        line_api_url=f"{stub.url}/line",
        viber_token=VIBER_TOKEN,
        viber_api_url=f"{stub.url}/viber/pa",
        zalo_token="zalo-access-token",
        zalo_app_id=ZALO_APP,
        zalo_secret=ZALO_SECRET,
        zalo_api_url=f"{stub.url}/zalo",
    )


@pytest.fixture(autouse=True)
def fresh_stub(stub: PlatformStub) -> Iterator[None]:
    stub.clear()
    yield
    stub.clear()


def hexmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class App:
    """How one platform delivers messages, signs them, and is answered."""

    name: str
    prefix: str  # where its API calls go at the stub
    new_user: Callable[[], str]
    conversation: Callable[[str], str]  # the tracker's id for a user
    text: Callable[[str, str, str], dict[str, Any]]  # (user, key, text)
    media: Callable[[str, str], dict[str, Any]]  # (user, key)
    sign: Callable[[bytes], dict[str, str]]
    signature_header: str


def whatsapp_body(user: str, key: str, **content: Any) -> dict[str, Any]:
    message = {"from": user, "id": key, "timestamp": "1700000000", **content}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": "15550001111",
            "phone_number_id": WA_PHONE,
        },
        "contacts": [{"profile": {"name": "Test"}, "wa_id": user}],
        "messages": [message],
    }
    change = {"field": "messages", "value": value}
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [change]}],
    }


def line_body(
    user: str, key: str, kind: str = "message", **fields: Any
) -> dict[str, Any]:
    event = {
        "type": kind,
        "mode": "active",
        "timestamp": 1700000000000,
        "source": {"type": "user", "userId": user},
        "webhookEventId": key,
        "deliveryContext": {"isRedelivery": False},
        "replyToken": f"reply-{user}-{key}",
        **fields,
    }
    return {"destination": "U0000", "events": [event]}


def viber_body(user: str, key: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": "message",
        "timestamp": 1700000000000,
        "chat_hostname": "SN-1",
        "message_token": int(key),
        "sender": {"id": user, "name": "Test", "language": "en", "api_version": 10},
        "message": message,
        "silent": False,
    }


def zalo_body(user: str, key: str, event: str, **message: Any) -> dict[str, Any]:
    return {
        "app_id": ZALO_APP,
        "user_id_by_app": "552177279717587730",
        "event_name": event,
        "sender": {"id": user},
        "recipient": {"id": "388613280878808645"},
        "message": {"msg_id": key, **message},
        "timestamp": "1700000000000",
    }


def zalo_sign(body: bytes) -> dict[str, str]:
    timestamp = str(json.loads(body)["timestamp"]).encode()
    digest = hashlib.sha256(ZALO_APP.encode() + body + timestamp + ZALO_SECRET.encode())
    return {"X-ZEvent-Signature": f"mac={digest.hexdigest()}"}


def digits() -> str:
    return str(uuid.uuid4().int)[:15]


# What a platform sends for a picture: never stored by us.
MEDIA_ID = "media-id-not-kept"
MEDIA_URL = "https://media-not-kept.example.invalid/secret.jpg"

APPS = [
    App(
        "whatsapp",
        "/wa/v19.0/",
        digits,
        lambda user: user,
        lambda user, key, text: whatsapp_body(
            user, key, type="text", text={"body": text}
        ),
        lambda user, key: whatsapp_body(
            user,
            key,
            type="image",
            image={"id": MEDIA_ID, "mime_type": "image/jpeg", "sha256": "x"},
        ),
        lambda body: {"X-Hub-Signature-256": "sha256=" + hexmac(WA_SECRET, body)},
        "X-Hub-Signature-256",
    ),
    App(
        "line",
        "/line/",
        lambda: "U" + uuid.uuid4().hex,
        lambda user: user,
        lambda user, key, text: line_body(
            user, key, message={"type": "text", "id": key, "text": text}
        ),
        lambda user, key: line_body(
            user,
            key,
            message={"type": "image", "id": key, "contentProvider": {"type": "line"}},
        ),
        lambda body: {
            "X-Line-Signature": base64.b64encode(
                hmac.new(LINE_SECRET.encode(), body, hashlib.sha256).digest()
            ).decode()
        },
        "X-Line-Signature",
    ),
    App(
        "viber",
        "/viber/pa/",
        # base64 ids with "+", "/" and "=": the conversation id is made safe.
        lambda: base64.b64encode(b"\xfb\xff" + uuid.uuid4().bytes[:12]).decode(),
        conversation_id,
        lambda user, key, text: viber_body(user, key, {"type": "text", "text": text}),
        lambda user, key: viber_body(
            user,
            key,
            {
                "type": "picture",
                "text": "",
                "media": MEDIA_URL,
            },
        ),
        lambda body: {"X-Viber-Content-Signature": hexmac(VIBER_TOKEN, body)},
        "X-Viber-Content-Signature",
    ),
    App(
        "zalo",
        "/zalo/",
        digits,
        lambda user: user,
        lambda user, key, text: zalo_body(user, key, "user_send_text", text=text),
        lambda user, key: zalo_body(
            user,
            key,
            "user_send_image",
            attachments=[
                {
                    "type": "image",
                    "payload": {"url": MEDIA_URL},
                }
            ],
        ),
        zalo_sign,
        "X-ZEvent-Signature",
    ),
]
BY_NAME = {app.name: app for app in APPS}
each_app = pytest.mark.parametrize("app", APPS, ids=[app.name for app in APPS])


def new_key(app: App) -> str:
    if app.name == "viber":
        return str(uuid.uuid4().int >> 66)  # a message_token is a number
    return f"{app.name}-{uuid.uuid4().hex}"


def deliver(
    services: Services, app: App, data: Any, headers: Optional[dict[str, str]] = None
) -> tuple[int, Any]:
    body = json.dumps(data, ensure_ascii=False).encode()
    signed = app.sign(body) if headers is None else headers
    return post(
        f"{services.rasa_url}/webhooks/{app.name}/webhook", body, headers=signed
    )


def to_user(app: App, user: str, needle: str) -> Callable[[Call], bool]:
    """A call of this app that is for `user` and contains `needle`."""

    def matches(call: Call) -> bool:
        text = json.dumps(call.body, ensure_ascii=False)
        return call.path.startswith(app.prefix) and user in text and needle in text

    return matches


def answered(stub: PlatformStub, app: App, user: str, needle: str) -> Call:
    return stub.wait_for(to_user(app, user, needle), timeout=90)


def tracker(services: Services, conversation: str) -> dict[str, Any]:
    url = f"{services.rasa_url}/conversations/{quote(conversation, safe='')}/tracker"
    request = urllib.request.Request(url, headers=AUTH)
    with urllib.request.urlopen(request, timeout=60) as reply:
        data: dict[str, Any] = json.loads(reply.read())
    return data


def user_events(services: Services, app: App, user: str) -> list[dict[str, Any]]:
    events = tracker(services, app.conversation(user))["events"]
    return [event for event in events if event["event"] == "user"]


def stored(services: Services, app: App, user: str, count: int) -> list[dict[str, Any]]:
    """The user events once at least `count` are saved (Rasa saves after a turn)."""
    deadline = time.monotonic() + 60
    while True:
        events = user_events(services, app, user)
        if len(events) >= count:
            return events
        assert time.monotonic() < deadline, events
        time.sleep(0.1)


def say(
    services: Services, stub: PlatformStub, app: App, user: str, text: str, needle: str
) -> Call:
    status, body = deliver(services, app, app.text(user, new_key(app), text))
    assert (status, body) == (200, {"status": "ok"})
    return answered(stub, app, user, needle)


@each_app
def test_text_in_and_buttons_out_and_a_button_answered(
    services: Services, stub: PlatformStub, app: App
) -> None:
    user = app.new_user()
    tap: Optional[dict[str, Any]] = None  # a tap on the menu, where shown
    greeting = say(services, stub, app, user, "hello", GREETING)
    assert greeting.method == "POST"
    body = greeting.body
    if app.name == "whatsapp":
        assert greeting.path == f"/wa/v19.0/{WA_PHONE}/messages"
        assert greeting.header("Authorization") == "Bearer wa-access-token"
        assert body["to"] == user and body["type"] == "interactive"
        rows = body["interactive"]["action"]["sections"][0]["rows"]  # 6 > 3: a list
        assert [row["title"] for row in rows][:2] == ["English", "Filipino"]
        reply = whatsapp_body(
            user,
            new_key(app),
            type="interactive",
            interactive={
                "type": "list_reply",
                "list_reply": {"id": rows[0]["id"], "title": "English"},
            },
        )
    elif app.name == "line":
        assert greeting.path == "/line/v2/bot/message/reply"
        assert greeting.header("Authorization") == "Bearer line-access-token"
        greet, *_, last = body["messages"]
        # Quick replies show under the last message only: the languages
        # offered before it are numbered, the menu after it is quick replies.
        assert "\n1. English\n2. Filipino" in greet["text"]
        assert "quickReply" not in greet
        items = last["quickReply"]["items"]
        assert [i["action"]["data"] for i in items][:2] == [
            "/report_sextortion",
            "/ask_take_it_down",
        ]
        assert all(len(i["action"]["label"]) <= 20 for i in items)
        reply = app.text(user, new_key(app), "1")
        tap = line_body(
            user, new_key(app), "postback", postback={"data": "/ask_take_it_down"}
        )
    elif app.name == "viber":
        assert greeting.path == "/viber/pa/send_message"
        assert greeting.header("X-Viber-Auth-Token") == VIBER_TOKEN
        assert body["receiver"] == user
        # Viber shows the last keyboard sent: the languages are numbered.
        assert "\n1. English\n2. Filipino" in body["text"]
        assert "keyboard" not in body
        menu = answered(stub, app, user, "What would you like help with?")
        keys = menu.body["keyboard"]["Buttons"]
        assert [key["ActionBody"] for key in keys][:2] == [
            "Someone is threatening me",
            "Get a pic taken down",
        ]
        reply = app.text(user, new_key(app), "1")
        tap = app.text(user, new_key(app), keys[1]["ActionBody"])
    else:
        assert greeting.path == "/zalo/v3.0/oa/message/cs"
        assert greeting.header("access_token") == "zalo-access-token"
        assert body["recipient"] == {"user_id": user}
        # Six languages are more than Zalo's five buttons: numbered text.
        assert "\n1. English\n2. Filipino" in body["message"]["text"]
        assert "attachment" not in body["message"]
        reply = zalo_body(user, new_key(app), "user_send_text", text="1")
    status, _ = deliver(services, app, reply)
    assert status == 200
    answered(stub, app, user, ENGLISH)
    intents = [
        e["parse_data"]["intent"]["name"] for e in stored(services, app, user, 2)
    ]
    assert intents[-1] == "change_language"
    if tap is not None:
        assert deliver(services, app, tap)[0] == 200
        intents = [
            e["parse_data"]["intent"]["name"] for e in stored(services, app, user, 3)
        ]
        assert intents[-1] == "ask_take_it_down"


def test_zalo_shows_buttons_when_they_fit(
    services: Services, stub: PlatformStub
) -> None:
    app = BY_NAME["zalo"]
    user = app.new_user()
    call = say(services, stub, app, user, "are you a bot?", "automated assistant")
    buttons = call.body["message"]["attachment"]["payload"]["buttons"]
    assert buttons == [
        {
            "title": "Talk to someone at a helpline",
            "type": "oa.query.show",
            "payload": "Talk to someone at a helpline",
        }
    ]


@each_app
def test_a_missing_or_wrong_signature_is_refused_and_nothing_stored(
    services: Services, stub: PlatformStub, app: App
) -> None:
    user = app.new_user()
    data = app.text(user, new_key(app), "someone is threatening to post my pics")
    assert deliver(services, app, data, headers={})[0] == 401
    forged = {
        app.signature_header: app.sign(b'{"timestamp": "1", "other": "body"}')[
            app.signature_header
        ]
    }
    assert deliver(services, app, data, headers=forged)[0] == 403
    assert user_events(services, app, user) == []
    assert stub.matching(to_user(app, user, "")) == []


@each_app
def test_a_repeated_delivery_is_processed_once(
    services: Services, stub: PlatformStub, app: App
) -> None:
    user = app.new_user()
    first = app.text(user, new_key(app), "hello")
    assert deliver(services, app, first) == (200, {"status": "ok"})
    answered(stub, app, user, GREETING)
    assert deliver(services, app, first) == (200, {"status": "ok"})  # the retry
    say(services, stub, app, user, "what is sextortion?", "Sextortion is")
    texts = [event["text"] for event in stored(services, app, user, 2)]
    assert texts.count("hello") == 1, texts
    assert len(stub.matching(to_user(app, user, GREETING))) == 1


@each_app
def test_media_is_refused_with_the_standard_answer(
    services: Services, stub: PlatformStub, app: App
) -> None:
    user = app.new_user()
    status, _ = deliver(services, app, app.media(user, new_key(app)))
    assert status == 200
    answered(stub, app, user, NO_IMAGES[:60])
    [event] = stored(services, app, user, 1)
    assert event["parse_data"]["intent"]["name"] == "send_image"
    kept = json.dumps(tracker(services, app.conversation(user)))
    # Neither the media id nor its address is kept (markers that no random
    # user id or message id can contain).
    assert MEDIA_ID not in kept and MEDIA_URL.split("/")[2] not in kept


@each_app
def test_a_staff_message_reaches_the_person_through_the_same_app(
    services: Services, stub: PlatformStub, app: App
) -> None:
    user = app.new_user()
    say(services, stub, app, user, "hello", GREETING)
    conversation = quote(app.conversation(user), safe="")
    url = f"{services.rasa_url}/conversations/{conversation}/tracker/events?output_channel=latest&execute_side_effects=true"
    staff = "Hi, I'm Maria from the helpline. I'm here with you."
    event = {"event": "bot", "text": staff, "metadata": {"handoff": "staff"}}
    status, body = post(url, [event], headers=AUTH)
    assert status == 200, body
    call = answered(stub, app, user, "Maria from the helpline")
    if app.name == "line":  # no reply token outside a turn: pushed
        assert call.path == "/line/v2/bot/message/push"
        assert call.body["to"] == user


def test_whatsapp_verification_echoes_the_challenge_only_for_the_right_token(
    services: Services,
) -> None:
    base = f"{services.rasa_url}/webhooks/whatsapp/webhook?hub.mode=subscribe&hub.challenge=1158201444"
    with urllib.request.urlopen(
        f"{base}&hub.verify_token={WA_VERIFY}", timeout=30
    ) as reply:
        assert (reply.status, reply.read()) == (200, b"1158201444")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}&hub.verify_token=wrong", timeout=30)
    assert refused.value.code == 403
    assert b"1158201444" not in refused.value.read()


def test_whatsapp_statuses_are_ignored(services: Services, stub: PlatformStub) -> None:
    app = BY_NAME["whatsapp"]
    user = app.new_user()
    data = whatsapp_body(user, new_key(app), type="text", text={"body": "x"})
    value = data["entry"][0]["changes"][0]["value"]
    del value["messages"]
    value["statuses"] = [
        {
            "id": "wamid.X",
            "status": "read",
            "timestamp": "1700000000",
            "recipient_id": user,
        }
    ]
    assert deliver(services, app, data) == (200, {"status": "ok"})
    assert user_events(services, app, user) == []
    assert stub.matching(to_user(app, user, "")) == []


def test_line_pushes_when_the_reply_token_has_expired(
    services: Services, stub: PlatformStub
) -> None:
    app = BY_NAME["line"]
    stub.answer(
        "/line/v2/bot/message/reply", {"message": "Invalid reply token"}, status=400
    )
    user = app.new_user()
    call = say(services, stub, app, user, "hello", GREETING)
    if call.path.endswith("/reply"):  # the refused reply: the push follows
        call = stub.wait_for(
            lambda c: (
                c.path == "/line/v2/bot/message/push" and user in json.dumps(c.body)
            ),
            timeout=60,
        )
    assert call.path == "/line/v2/bot/message/push"
    assert GREETING in json.dumps(call.body)


def test_the_apps_answer_health_checks(services: Services) -> None:
    for app in APPS:
        with urllib.request.urlopen(
            f"{services.rasa_url}/webhooks/{app.name}/", timeout=30
        ) as reply:
            assert json.loads(reply.read()) == {"status": "ok"}
