"""End-to-end: the Rasa server's HTTP API is closed, same-origin and hardened.

Real Rasa and action-server processes (as tests/e2e/test_conversations.py),
started with an API token. Requests are what an attacker's local script, a
web page in the person's browser (cross-origin, DNS rebinding) or a reverse
proxy would send.
"""

import base64
import hashlib
import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Optional

import pytest

from bot.launch import Services
from tests.e2e.servers import running_services

pytestmark = pytest.mark.e2e

TOKEN = f"test-{uuid.uuid4().hex}"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Content-Type": "application/json"}
EVIL = "http://evil.example"
SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    yield from running_services(tmp_path_factory, "e2e-api", api_token=TOKEN)


class Reply:
    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = {name.lower(): value for name, value in headers.items()}
        self.body = body

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    url: str,
    method: str = "GET",
    body: Optional[Any] = None,
    headers: Optional[Mapping[str, str]] = None,
) -> Reply:
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers=dict(headers or {})
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return Reply(reply.status, dict(reply.headers), reply.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def say(services: Services, sender: str, text: str, channel: str = "rest") -> Reply:
    return call(
        f"{services.rasa_url}/webhooks/{channel}/webhook",
        "POST",
        {"sender": sender, "message": text},
        JSON,
    )


def tracker(services: Services, sender: str) -> dict[str, Any]:
    reply = call(f"{services.rasa_url}/conversations/{sender}/tracker", headers=AUTH)
    assert reply.status == 200, reply.body
    data: dict[str, Any] = reply.json()
    return data


def user_texts(state: Mapping[str, Any]) -> list[str]:
    return [e.get("text") for e in state["events"] if e["event"] == "user"]


def assert_error(reply: Reply, status: int) -> str:
    assert reply.status == status, reply.body
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"error"}
    error: str = body["error"]
    return error


def test_reading_a_conversation_needs_the_token(services: Services) -> None:
    sender = f"api-{uuid.uuid4().hex[:8]}"
    assert say(services, sender, "someone says they will post my pics").status == 200
    url = f"{services.rasa_url}/conversations/{sender}/tracker"
    assert "token" in assert_error(call(url), 401)
    wrong = {"Authorization": f"Bearer {TOKEN}x"}
    assert_error(call(url, headers=wrong), 401)
    # Rasa's own ?token= is not ours: still refused.
    assert_error(call(f"{url}?token={TOKEN}"), 401)
    assert "someone says they will post my pics" in user_texts(
        tracker(services, sender)
    )


def test_injecting_events_needs_the_token_and_is_not_executed_without(
    services: Services,
) -> None:
    sender = f"api-{uuid.uuid4().hex[:8]}"
    assert say(services, sender, "hi").status == 200
    url = f"{services.rasa_url}/conversations/{sender}/tracker/events"
    event = {"event": "slot", "name": "country", "value": "LA"}
    assert_error(call(url, "POST", event, JSON), 401)
    assert tracker(services, sender)["slots"].get("country") != "LA"
    opened = call(url, "POST", event, {**JSON, **AUTH})
    assert opened.status == 200, opened.body
    assert tracker(services, sender)["slots"]["country"] == "LA"


@pytest.mark.parametrize(
    "method, path",
    [("PUT", "/model"), ("DELETE", "/model"), ("POST", "/model/train")],
)
def test_model_routes_are_refused_even_with_the_token(
    services: Services, method: str, path: str
) -> None:
    body = {"model_file": "/tmp/evil.tar.gz"} if method == "PUT" else {}
    reply = call(f"{services.rasa_url}{path}", method, body, {**JSON, **AUTH})
    assert assert_error(reply, 403) == "this route is disabled"
    # The model is still loaded and answers.
    parsed = call(f"{services.rasa_url}/model/parse", "POST", {"text": "hi"}, JSON)
    assert parsed.status == 200
    assert parsed.json()["intent"]["name"] == "greet"


def test_a_foreign_host_header_is_refused(services: Services) -> None:
    # DNS rebinding: a page at evil.example whose name now points to 127.0.0.1.
    for path in ("/status", "/webhooks/webchat/", "/conversations/x/tracker"):
        reply = call(
            f"{services.rasa_url}{path}",
            headers={"Host": f"evil.example:{services.settings.rasa_port}", **AUTH},
        )
        assert_error(reply, 421)
    rebound = call(
        f"{services.rasa_url}/model/parse",
        "POST",
        {"text": "hi"},
        {**JSON, "Host": "evil.example"},
    )
    assert_error(rebound, 421)


def test_a_cross_origin_simple_post_is_refused_and_not_executed(
    services: Services,
) -> None:
    sender = f"api-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"sender": sender, "message": "i'm in laos"}).encode()
    for headers in (
        {"Origin": EVIL, "Content-Type": "text/plain"},
        {"Origin": EVIL, **JSON},
        {"Origin": "null", "Content-Type": "text/plain"},
    ):
        reply = call(
            f"{services.rasa_url}/webhooks/rest/webhook", "POST", body, headers
        )
        assert "cross-origin" in assert_error(reply, 403)
    # Without an Origin, a text/plain body is still refused (415).
    plain = call(
        f"{services.rasa_url}/webhooks/rest/webhook",
        "POST",
        body,
        {"Content-Type": "text/plain"},
    )
    assert_error(plain, 415)
    assert user_texts(tracker(services, sender)) == []
    evil_parse = call(
        f"{services.rasa_url}/model/parse",
        "POST",
        {"text": "hi"},
        {"Origin": EVIL, "Content-Type": "text/plain"},
    )
    assert_error(evil_parse, 403)
    # Even with a stolen token, a foreign page cannot use it.
    injected = call(
        f"{services.rasa_url}/conversations/{sender}/tracker/events",
        "POST",
        {"event": "slot", "name": "country", "value": "LA"},
        {"Origin": EVIL, **JSON, **AUTH},
    )
    assert_error(injected, 403)


def test_socket_io_from_a_foreign_origin_is_refused(services: Services) -> None:
    url = f"{services.rasa_url}/socket.io/?EIO=4&transport=polling"
    assert_error(call(url, headers={"Origin": EVIL}), 403)
    own = call(url, headers={"Origin": services.rasa_url})
    assert own.status == 200
    assert b'"sid"' in own.body
    websocket = call(
        f"{services.rasa_url}/socket.io/?EIO=4&transport=websocket",
        headers={
            "Origin": EVIL,
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
        },
    )
    assert_error(websocket, 403)


def test_no_cors_headers_are_sent(services: Services) -> None:
    reply = call(
        f"{services.rasa_url}/model/parse",
        "POST",
        {"text": "hi"},
        {**JSON, "Origin": services.rasa_url},
    )
    assert reply.status == 200
    assert not [h for h in reply.headers if h.startswith("access-control-")]
    preflight = call(
        f"{services.rasa_url}/model/parse",
        "OPTIONS",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"},
    )
    assert_error(preflight, 403)
    assert not [h for h in preflight.headers if h.startswith("access-control-")]


def test_security_headers_on_the_page_and_on_json_replies(services: Services) -> None:
    replies = [
        call(f"{services.rasa_url}/webhooks/webchat/"),
        call(f"{services.rasa_url}/model/parse", "POST", {"text": "hi"}, JSON),
        say(services, f"api-{uuid.uuid4().hex[:8]}", "hi"),
        call(f"{services.rasa_url}/conversations/x/tracker"),
        call(f"{services.rasa_url}/no-such-route", headers=AUTH),
        call(f"{services.actions_url}/health"),
    ]
    for reply in replies:
        for name, value in SECURITY_HEADERS.items():
            assert reply.headers.get(name) == value, (name, reply.status)
        csp = reply.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "default-src 'none'" in csp
        assert "unsafe-inline" not in csp


def test_errors_never_carry_the_input_or_an_exception(services: Services) -> None:
    marker = f"echo-{uuid.uuid4().hex}"
    not_found = call(f"{services.rasa_url}/{marker}", headers=AUTH)
    assert_error(not_found, 404)
    assert marker.encode() not in not_found.body
    rasa_error = call(
        f"{services.rasa_url}/conversations/x/tracker/events",
        "POST",
        {"event": marker},
        {**JSON, **AUTH},
    )
    assert 400 <= rasa_error.status < 500
    assert_error(rasa_error, rasa_error.status)
    assert marker.encode() not in rasa_error.body
    emulation = call(
        f"{services.rasa_url}/model/parse?emulation_mode={marker}",
        "POST",
        {"text": "hi"},
        JSON,
    )
    assert_error(emulation, 400)
    assert marker.encode() not in emulation.body


def test_the_chat_page_loads_and_answers_under_its_policy(services: Services) -> None:
    page = call(f"{services.rasa_url}/webhooks/webchat/")
    assert page.status == 200
    html = page.body.decode()
    csp = page.headers["content-security-policy"]
    # Every inline script and style of the page is allowed by its hash, so the
    # browser runs the page; nothing else is.
    inline = re.findall(r"<(script|style)>(.*?)</\1>", html, re.S)
    assert {kind for kind, _ in inline} == {"script", "style"}
    for kind, source in inline:
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp.split(f"{kind}-src", 1)[1].split(";")[0]
    assert "connect-src 'self'" in csp
    # What the page's script sends: same origin, JSON, to ./webhook.
    assert 'headers: {"Content-Type": "application/json"}' in html
    reply = call(
        f"{services.rasa_url}/webhooks/webchat/webhook",
        "POST",
        {"sender": f"web-{uuid.uuid4().hex[:24]}", "message": "/greet"},
        {**JSON, "Origin": services.rasa_url, "Sec-Fetch-Site": "same-origin"},
    )
    assert reply.status == 200, reply.body
    assert any(m.get("text") for m in reply.json())


def test_public_routes_work_without_the_token(services: Services) -> None:
    assert call(f"{services.rasa_url}/").status == 200
    assert call(f"{services.rasa_url}/version").status == 200
    assert call(f"{services.rasa_url}/status").status == 200
    parsed = call(
        f"{services.rasa_url}/model/parse",
        "POST",
        {"text": "how do i report him on instagram", "message_id": "m1"},
        JSON,
    )
    assert parsed.status == 200
    assert parsed.json()["intent"]["name"] == "ask_block_report_platform"
