"""End-to-end: Telegram and Facebook Messenger against a stand-in platform API.

Real Rasa and action-server processes (`running_services`) with credentials.yml's
channels, configured through the environment with test secrets and the
platforms' API base URLs pointing at a local stub (tests/e2e/platform_stub.py)
that records every outbound call. Webhook calls are what Telegram and Meta
send: Telegram's secret-token header, Meta's X-Hub-Signature-256 computed here
with the test app secret. What was processed is read from the tracker database.
"""

import hashlib
import hmac
import json
import random
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from bot.launch import Services
from bot.settings import ROOT
from tests.e2e.platform_stub import Call, PlatformStub, platform_stub
from tests.e2e.servers import running_services

pytestmark = pytest.mark.e2e

API_TOKEN = f"test-{uuid.uuid4().hex}"
TG_TOKEN = "123456:TEST-telegram-token"
TG_SECRET = "test-telegram-secret"
FB_SECRET = "test-app-secret"
FB_TOKEN = "test-page-token"
FB_VERIFY = "test-verify-token"
SEND_MESSAGE = f"/bot{TG_TOKEN}/sendMessage"
FB_MESSAGES = "/v19.0/me/messages"


def response_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return str(domain["responses"][name][0]["text"])


NO_IMAGES = response_text("utter_no_images")


def translated(language: str, name: str) -> str:
    path = ROOT / "data" / "translations" / f"{language}.yml"
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    return str(table["translations"][name][0]["text"])


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
        "e2e_channels_meta",
        api_token=API_TOKEN,
        telegram_token=TG_TOKEN,
        telegram_secret=TG_SECRET,
        telegram_api_url=stub.url,
        messenger_page_token=FB_TOKEN,
        messenger_secret=FB_SECRET,
        messenger_verify=FB_VERIFY,
        messenger_api_url=f"{stub.url}/v19.0",
    )


# --- helpers ------------------------------------------------------------------


def send(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    method: str = "POST",
) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        data=body if method == "POST" else None,
        method=method,
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def stored(services: Services, sender: str) -> list[dict[str, Any]]:
    with sqlite3.connect(Path(services.settings.tracker_db)) as connection:
        rows = connection.execute(
            "select data from events where sender_id = ? order by id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def user_texts(services: Services, sender: str) -> list[str]:
    return [e["text"] for e in stored(services, sender) if e["event"] == "user"]


def new_id() -> int:
    return random.randint(10**8, 10**9)


def staff_message(services: Services, sender: str, text: str) -> int:
    query = "output_channel=latest&execute_side_effects=true"
    url = f"{services.rasa_url}/conversations/{sender}/tracker/events?{query}"
    event = {"event": "bot", "text": text, "metadata": {"handoff": "staff"}}
    status, _ = send(
        url, json.dumps([event]).encode(), {"Authorization": f"Bearer {API_TOKEN}"}
    )
    return status


# --- Telegram -----------------------------------------------------------------


def tg_update(chat: int, update: Optional[int] = None, **fields: Any) -> bytes:
    body = {"update_id": update if update is not None else new_id(), **fields}
    return json.dumps(body).encode()


def tg_text(chat: int, text: str, update: Optional[int] = None) -> bytes:
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "T"},
        "text": text,
    }
    return tg_update(chat, update, message=message)


def tg_post(
    services: Services, body: bytes, secret: Optional[str] = TG_SECRET
) -> tuple[int, Any]:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    status, raw = send(f"{services.rasa_url}/webhooks/telegram/webhook", body, headers)
    return status, json.loads(raw or b"null")


def tg_sent(stub: PlatformStub, chat: int, contains: str = "") -> Call:
    return stub.wait_for(
        lambda c: (
            c.path == SEND_MESSAGE
            and isinstance(c.body, dict)
            and c.body.get("chat_id") == str(chat)
            and contains in str(c.body.get("text"))
        )
    )


def test_telegram_text_in_and_out_with_buttons(
    services: Services, stub: PlatformStub
) -> None:
    chat = new_id()
    status, answer = tg_post(services, tg_text(chat, "/start"))
    assert (status, answer) == (200, {"status": "ok"})
    greeting = tg_sent(stub, chat, "glad you reached out")
    keyboard = json.loads(greeting.body["reply_markup"])["inline_keyboard"]
    buttons = {row[0]["text"]: row[0]["callback_data"] for row in keyboard}
    assert buttons["Tiếng Việt"] == '/change_language{"language":"vi"}'
    assert user_texts(services, str(chat)) == ["/greet"]

    press = {
        "id": "cb-1",
        "from": {"id": chat, "is_bot": False, "first_name": "T"},
        "data": buttons["Tiếng Việt"],
        "message": {**greeting.body, "chat": {"id": chat, "type": "private"}},
    }
    status, _ = tg_post(services, tg_update(chat, callback_query=press))
    assert status == 200
    stub.wait_for(
        lambda c: (
            c.path == f"/bot{TG_TOKEN}/answerCallbackQuery"
            and c.body.get("callback_query_id") == "cb-1"
        )
    )
    events = stored(services, str(chat))
    said = [e for e in events if e["event"] == "user"]
    assert said[-1]["parse_data"]["intent"]["name"] == "change_language"
    language = [e["value"] for e in events if e.get("name") == "language"]
    assert language[-1] == "vi"
    # The answer is in Vietnamese.
    tg_sent(stub, chat, translated("vi", "utter_language_changed"))


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", TG_SECRET + "x"])
def test_telegram_wrong_or_missing_secret_is_refused_and_nothing_processed(
    services: Services, stub: PlatformStub, secret: Optional[str]
) -> None:
    chat = new_id()
    status, answer = tg_post(services, tg_text(chat, "hello"), secret=secret)
    assert status == 403 and answer["error"]
    assert stored(services, str(chat)) == []
    assert not stub.matching(
        lambda c: isinstance(c.body, dict) and c.body.get("chat_id") == str(chat)
    )


def test_telegram_repeated_update_is_processed_once(
    services: Services, stub: PlatformStub
) -> None:
    chat, update = new_id(), new_id()
    body = tg_text(chat, "what is sextortion", update)
    assert tg_post(services, body) == (200, {"status": "ok"})
    assert tg_post(services, body) == (200, {"status": "duplicate"})
    assert user_texts(services, str(chat)) == ["what is sextortion"]


def test_telegram_media_gets_the_standard_answer_and_is_not_forwarded(
    services: Services, stub: PlatformStub
) -> None:
    chat = new_id()
    message = {
        "message_id": 2,
        "date": 0,
        "chat": {"id": chat, "type": "private"},
        "photo": [{"file_id": "FILE-SECRET-ID", "width": 90, "height": 90}],
        "caption": "my picture",
    }
    assert tg_post(services, tg_update(chat, message=message)) == (
        200,
        {"status": "ok"},
    )
    tg_sent(stub, chat, NO_IMAGES[:40])
    assert user_texts(services, str(chat)) == ["/send_image"]
    everything = json.dumps(stored(services, str(chat)))
    assert "FILE-SECRET-ID" not in everything and "my picture" not in everything
    assert not stub.matching(
        lambda c: "getFile" in c.path or "FILE-SECRET" in str(c.body)
    )


def test_telegram_group_updates_are_ignored(
    services: Services, stub: PlatformStub
) -> None:
    group = -new_id()
    message = {"message_id": 3, "date": 0, "chat": {"id": group, "type": "group"}}
    body = tg_update(group, message={**message, "text": "hi"})
    assert tg_post(services, body) == (200, {"status": "ignored"})
    assert stored(services, str(group)) == []


def test_telegram_staff_message_reaches_the_person(
    services: Services, stub: PlatformStub
) -> None:
    chat = new_id()
    assert tg_post(services, tg_text(chat, "hello"))[0] == 200
    tg_sent(stub, chat)
    assert staff_message(services, str(chat), "Hi, I'm Mai from the helpline.") == 200
    tg_sent(stub, chat, "I'm Mai from the helpline")


def test_telegram_bad_json_is_a_400(services: Services) -> None:
    assert tg_post(services, b"[1, 2]")[0] == 400


# --- Messenger ----------------------------------------------------------------


def fb_signature(body: bytes, secret: str = FB_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def fb_body(*messaging: dict[str, Any]) -> bytes:
    entry = {"id": "page-1", "time": 0, "messaging": list(messaging)}
    return json.dumps({"object": "page", "entry": [entry]}).encode()


def fb_message(psid: str, mid: Optional[str] = None, **message: Any) -> dict[str, Any]:
    return {
        "sender": {"id": psid},
        "recipient": {"id": "page-1"},
        "timestamp": 0,
        "message": {"mid": mid or f"m-{uuid.uuid4().hex}", **message},
    }


def fb_post(
    services: Services, body: bytes, signature: Optional[str] = "sign"
) -> tuple[int, Any]:
    headers = {}
    if signature == "sign":
        headers["X-Hub-Signature-256"] = fb_signature(body)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    status, raw = send(f"{services.rasa_url}/webhooks/facebook/webhook", body, headers)
    return status, json.loads(raw or b"null")


def fb_sent(stub: PlatformStub, psid: str, contains: str = "") -> Call:
    return stub.wait_for(
        lambda c: (
            c.path == FB_MESSAGES
            and isinstance(c.body, dict)
            and c.body.get("recipient") == {"id": psid}
            and contains in str(c.body["message"].get("text"))
        )
    )


def test_messenger_verification_handshake(services: Services) -> None:
    base = f"{services.rasa_url}/webhooks/facebook/webhook?"
    right = {
        "hub.mode": "subscribe",
        "hub.verify_token": FB_VERIFY,
        "hub.challenge": "987",
    }
    status, raw = send(base + urllib.parse.urlencode(right), b"", {}, method="GET")
    assert (status, raw) == (200, b"987")
    wrong = {**right, "hub.verify_token": "guess"}
    status, raw = send(base + urllib.parse.urlencode(wrong), b"", {}, method="GET")
    assert status == 403 and b"987" not in raw


def test_messenger_text_in_and_out_with_quick_replies(
    services: Services, stub: PlatformStub
) -> None:
    psid = str(new_id())
    assert fb_post(services, fb_body(fb_message(psid, text="hello")))[0] == 200
    greeting = fb_sent(stub, psid, "glad you reached out")
    assert greeting.query["access_token"] == FB_TOKEN
    expected_proof = hmac.new(FB_SECRET.encode(), FB_TOKEN.encode(), hashlib.sha256)
    assert greeting.query["appsecret_proof"] == expected_proof.hexdigest()
    assert greeting.body["messaging_type"] == "RESPONSE"
    replies = {
        q["title"]: q["payload"] for q in greeting.body["message"]["quick_replies"]
    }
    assert replies["ไทย"] == '/change_language{"language":"th"}'

    tap = fb_message(psid, text="ไทย", quick_reply={"payload": replies["ไทย"]})
    assert fb_post(services, fb_body(tap))[0] == 200
    events = stored(services, psid)
    said = [e for e in events if e["event"] == "user"]
    assert said[-1]["parse_data"]["intent"]["name"] == "change_language"
    assert [e["value"] for e in events if e.get("name") == "language"][-1] == "th"
    fb_sent(stub, psid, translated("th", "utter_language_changed"))


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "sha1=abc", "wrong-secret"],
)
def test_messenger_wrong_or_missing_signature_is_refused_and_nothing_processed(
    services: Services, stub: PlatformStub, signature: Optional[str]
) -> None:
    psid = str(new_id())
    body = fb_body(fb_message(psid, text="hello"))
    if signature == "wrong-secret":
        signature = fb_signature(body, "not-the-secret")
    status, answer = fb_post(services, body, signature)
    assert status == 403 and answer["error"]
    assert stored(services, psid) == []
    assert not stub.matching(
        lambda c: isinstance(c.body, dict) and c.body.get("recipient") == {"id": psid}
    )


def test_messenger_repeated_message_is_processed_once(
    services: Services,
) -> None:
    psid = str(new_id())
    body = fb_body(fb_message(psid, mid="m-repeat-1", text="what is sextortion"))
    assert fb_post(services, body) == (200, {"status": "ok", "handled": 1})
    assert fb_post(services, body) == (200, {"status": "ok", "handled": 0})
    assert user_texts(services, psid) == ["what is sextortion"]


def test_messenger_batch_is_handled_in_order(services: Services) -> None:
    one, two = str(new_id()), str(new_id())
    body = fb_body(fb_message(one, text="hello"), fb_message(two, text="thanks"))
    assert fb_post(services, body) == (200, {"status": "ok", "handled": 2})
    assert user_texts(services, one) == ["hello"]
    assert user_texts(services, two) == ["thanks"]


def test_messenger_media_gets_the_standard_answer_and_is_not_forwarded(
    services: Services, stub: PlatformStub
) -> None:
    psid = str(new_id())
    url = "https://cdn.example/secret-image.jpg"
    image = {"type": "image", "payload": {"url": url}}
    assert fb_post(services, fb_body(fb_message(psid, attachments=[image])))[0] == 200
    fb_sent(stub, psid, NO_IMAGES[:40])
    assert user_texts(services, psid) == ["/send_image"]
    assert "secret-image" not in json.dumps(stored(services, psid))
    assert not stub.matching(
        lambda c: "secret-image" in json.dumps(c.body, default=str)
    )


def test_messenger_staff_message_reaches_the_person(
    services: Services, stub: PlatformStub
) -> None:
    psid = str(new_id())
    assert fb_post(services, fb_body(fb_message(psid, text="hello")))[0] == 200
    fb_sent(stub, psid)
    assert staff_message(services, psid, "Hi, I'm Mai from the helpline.") == 200
    fb_sent(stub, psid, "I'm Mai from the helpline")
