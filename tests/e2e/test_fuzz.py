"""End-to-end property tests: arbitrary bodies never break the servers.

Real Rasa and action-server processes (as tests/e2e/test_conversations.py),
started without an API token. Hypothesis sends invalid JSON, arrays, null,
wrong types, huge strings, deep nesting, control characters, random bytes and
wrong content types to the REST webhook, the web chat webhook, /model/parse
and the action server's /webhook. Every reply must be a normal 200 or a 4xx
JSON `{"error": "..."}`, never a 5xx, never carrying the input; afterwards a
normal message is still answered.
"""

import json
import select
import socket
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.launch import Services
from tests.e2e.servers import running_services

pytestmark = pytest.mark.e2e

MARKER = "zq-echo-marker"
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# JSON most of the time, so that bodies get past the content-type check.
CONTENT_TYPES = st.sampled_from(
    [
        *["application/json"] * 6,
        "application/json; charset=utf-8",
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "",
    ]
)
# Keys the endpoints look at, and others.
KEYS = st.sampled_from(
    [
        "sender",
        "message",
        "metadata",
        "text",
        "message_id",
        "next_action",
        "tracker",
        "domain",
        "attachment",
    ]
) | st.text(max_size=8)
TEXT = st.text(max_size=200) | st.text(
    alphabet=st.characters(max_codepoint=0x20), max_size=50
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4)
    ),
    max_leaves=12,
)


def marked(value: Any) -> Any:
    """The value with the marker somewhere the server sees it."""
    if isinstance(value, dict):
        return {**value, MARKER: MARKER}
    if isinstance(value, list):
        return [*value, MARKER]
    if isinstance(value, str):
        return value + MARKER
    return [value, MARKER]


def deep(depth: int) -> bytes:
    return (
        b'{"text": "'
        + MARKER.encode()
        + b'", "x": '
        + b"[" * depth
        + b"]" * depth
        + b"}"
    )


SENDERS = st.from_regex(r"[A-Za-z0-9_.:+\-]{1,40}", fullmatch=True)
# Well-formed requests with any text: they reach Rasa's NLU and dialogue.
MESSAGES = st.builds(
    lambda sender, text: json.dumps(
        {"sender": sender, "message": text + MARKER, "text": text + MARKER}
    ).encode(),
    SENDERS,
    TEXT,
)
BODIES = st.one_of(
    MESSAGES,
    st.binary(max_size=300).map(lambda b: b + MARKER.encode()),
    st.text(max_size=300).map(lambda t: (t + MARKER).encode("utf-8", "surrogatepass")),
    VALUES.map(lambda v: json.dumps(marked(v)).encode()),
    st.dictionaries(KEYS, VALUES, max_size=5).map(
        lambda d: json.dumps(marked(d)).encode()
    ),
    st.builds(
        lambda sender, message: json.dumps(
            {"sender": sender, "message": message + MARKER, "text": message + MARKER}
        ).encode(),
        VALUES,
        TEXT,
    ),
    st.integers(1, 40_000).map(deep),
    st.integers(3_990, 70_000).map(
        lambda n: json.dumps(
            {"sender": "fuzz", "message": MARKER * (n // len(MARKER)), "text": MARKER}
        ).encode()
    ),
)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    yield from running_services(tmp_path_factory, "e2e-fuzz")


def send(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    if len(body) > 100_000:
        return send_large(url, body, content_type)
    headers = {"Content-Type": content_type} if content_type else {}
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    if not content_type:
        # urllib adds a form content type to every POST body; send none.
        request.add_unredirected_header("Content-Type", "")
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return reply.status, reply.headers.get("Content-Type", ""), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def send_large(url: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
    """POST a large body as curl does, with `Expect: 100-continue`.

    The server may refuse by Content-Length before the body (413); the body
    is sent only after its `100 Continue`, so the refusal is read, not lost
    in a connection reset.
    """
    parts = urllib.parse.urlsplit(url)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Expect: 100-continue\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(head)
        # Sanic answers "100 Continue" and, right after, its refusal (413):
        # wait a moment for the refusal before sending the body.
        reply = b""
        while select.select([sock], [], [], 2)[0]:
            chunk = sock.recv(65536)
            reply = (reply + chunk).removeprefix(b"HTTP/1.1 100 Continue\r\n\r\n")
            if reply or not chunk:
                break
        if not reply:
            sock.sendall(body)
        while chunk := sock.recv(65536):
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    header_block, _, content = rest.partition(b"\r\n\r\n")
    headers = dict(
        line.decode().split(": ", 1) for line in header_block.split(b"\r\n") if line
    )
    lowered = {name.lower(): value for name, value in headers.items()}
    return int(status_line.split()[1]), lowered.get("content-type", ""), content


def assert_handled(
    reply: tuple[int, str, bytes], echo_allowed: bool = False
) -> Optional[Any]:
    """A 200 JSON reply (returned) or a 4xx JSON error; never the marker."""
    status, content_type, body = reply
    assert status < 500, (status, body[:300])
    assert content_type.startswith("application/json"), (status, content_type)
    data = json.loads(body)
    if status != 200:
        assert 400 <= status < 500, status
        assert set(data) == {"error"} and isinstance(data["error"], str), data
        assert MARKER.encode() not in body, body[:300]
        return None
    if not echo_allowed:
        assert MARKER.encode() not in body, body[:300]
    return data


def still_answers(services: Services) -> None:
    status, _, body = send(
        f"{services.rasa_url}/webhooks/rest/webhook",
        json.dumps({"sender": f"ok-{uuid.uuid4().hex[:8]}", "message": "hi"}).encode(),
        "application/json",
    )
    assert status == 200, body[:300]
    assert any(m.get("text") for m in json.loads(body))


@pytest.mark.parametrize("channel", ["rest", "webchat"])
def test_webhooks_handle_any_body(services: Services, channel: str) -> None:
    url = f"{services.rasa_url}/webhooks/{channel}/webhook"

    @FUZZ
    @given(body=BODIES, content_type=CONTENT_TYPES)
    def check(body: bytes, content_type: str) -> None:
        replies = assert_handled(send(url, body, content_type))
        if replies is not None:
            assert isinstance(replies, list)

    check()
    still_answers(services)


def test_parse_handles_any_body(services: Services) -> None:
    url = f"{services.rasa_url}/model/parse"

    @FUZZ
    @given(body=BODIES, content_type=CONTENT_TYPES)
    def check(body: bytes, content_type: str) -> None:
        parsed = assert_handled(send(url, body, content_type), echo_allowed=True)
        if parsed is not None:
            assert "intent" in parsed
            assert "language" in parsed

    check()
    still_answers(services)


ACTIONS = st.sampled_from(
    [
        "action_show_helplines",
        "action_respond_to_crisis",
        "action_change_language",
        "action_answer_country",
        "action_request_human",
        "action_show_report_routes",
    ]
) | st.text(max_size=20)
SLOTS = st.fixed_dictionaries(
    {},
    optional={
        "language": st.sampled_from(["en", "tl", "ms", "vi", "th", "lo"]) | st.none(),
        "country": st.sampled_from(["PH", "MY", "TH", "VN", "LA", "US"]) | TEXT,
        "crisis": st.sampled_from(["concern", "active", "resolved"]) | st.none(),
        "awaiting_country": st.sampled_from(["helplines", "report", "crisis"]),
        "platform": TEXT | st.none(),
    },
)
LATEST = st.fixed_dictionaries(
    {"text": TEXT},
    optional={
        "intent": st.fixed_dictionaries({"name": TEXT, "confidence": st.floats(0, 1)}),
        "entities": st.lists(st.dictionaries(KEYS, SCALARS, max_size=3), max_size=2),
    },
)
ACTION_CALLS = st.builds(
    lambda action, tracker, domain: json.dumps(
        {"next_action": action, "tracker": tracker, "domain": domain, MARKER: MARKER}
    ).encode(),
    ACTIONS,
    st.fixed_dictionaries(
        {"sender_id": SENDERS},
        optional={
            "slots": SLOTS,
            "latest_message": LATEST,
            "events": st.lists(st.dictionaries(KEYS, VALUES, max_size=3), max_size=3)
            | VALUES,
            "paused": st.booleans() | VALUES,
            "active_loop": st.dictionaries(KEYS, SCALARS, max_size=2) | st.none(),
        },
    ),
    st.dictionaries(KEYS, VALUES, max_size=3),
)


def test_action_server_handles_any_body(services: Services) -> None:
    url = f"{services.actions_url}/webhook"

    @FUZZ
    @given(body=ACTION_CALLS | BODIES, content_type=CONTENT_TYPES)
    def check(body: bytes, content_type: str) -> None:
        result = assert_handled(send(url, body, content_type))
        if result is not None:
            assert set(result) >= {"events", "responses"}

    check()
    still_answers(services)


# The cases of the issue, explicitly.

ISSUE_BODIES = [
    b"{not json",
    b"[1, 2, 3]",
    b"null",
    b"{}",
    b'{"text": 5}',
    b'{"text": null}',
    b'{"text": ["hi"]}',
    b'{"sender": 1, "message": 2}',
    json.dumps(
        {"sender": "fuzz", "message": "a" * 10_000_000, "text": "a" * 10_000_000}
    ).encode(),
    b"[" * 100_000 + b"]" * 100_000,
    b'{"text": "hi", "x": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
]


@pytest.mark.parametrize(
    "path", ["/model/parse", "/webhooks/rest/webhook", "/webhooks/webchat/webhook"]
)
@pytest.mark.parametrize("body", ISSUE_BODIES, ids=lambda b: repr(b[:16]))
def test_issue_bodies_get_a_4xx_json_error(
    services: Services, path: str, body: bytes
) -> None:
    status, content_type, reply = send(
        f"{services.rasa_url}{path}", body, "application/json"
    )
    assert 400 <= status < 500, (status, reply[:300])
    assert content_type.startswith("application/json")
    assert set(json.loads(reply)) == {"error"}
    assert b"Traceback" not in reply and b"Error:" not in reply


@pytest.mark.parametrize("body", ISSUE_BODIES, ids=lambda b: repr(b[:16]))
def test_issue_bodies_get_a_4xx_from_the_action_server(
    services: Services, body: bytes
) -> None:
    status, _, reply = send(f"{services.actions_url}/webhook", body, "application/json")
    assert 400 <= status < 500, (status, reply[:300])
    assert set(json.loads(reply)) == {"error"}


def test_a_huge_text_does_not_block_other_conversations(services: Services) -> None:
    big = json.dumps({"text": "a" * 10_000_000}).encode()
    status, _, _ = send(f"{services.rasa_url}/model/parse", big, "application/json")
    assert status == 413
    still_answers(services)


def test_without_a_token_the_api_is_closed(services: Services) -> None:
    request = urllib.request.Request(f"{services.rasa_url}/conversations/x/tracker")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
    assert json.loads(refused.value.read()) == {
        "error": "the HTTP API is closed; set API_TOKEN"
    }


def test_a_crashing_action_leaks_nothing(services: Services) -> None:
    # Slots of impossible types (Rasa never sends them) make the actions
    # raise: the reply is a plain error, without the request or a traceback.
    call = {
        "next_action": "action_show_helplines",
        "tracker": {
            "sender_id": "fuzz",
            "slots": {"language": 5, "country": [MARKER]},
            "latest_message": {"text": MARKER, "intent": MARKER, "entities": MARKER},
        },
        "domain": {MARKER: MARKER},
    }
    status, content_type, body = send(
        f"{services.actions_url}/webhook", json.dumps(call).encode(), "application/json"
    )
    assert content_type.startswith("application/json")
    assert MARKER.encode() not in body
    assert b"Traceback" not in body
    if status >= 500:
        assert json.loads(body) == {"error": "internal error"}
