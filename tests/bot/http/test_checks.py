"""The pure HTTP checks: what the Rasa server and the action server refuse."""

import json
from typing import Optional

import pytest

from bot.channels.checks import MAX_MESSAGE_CHARS
from bot.http.checks import (
    Incoming,
    Policy,
    Refusal,
    action_server_policy,
    check_request,
    cleaned_body,
    content_security_policy,
    error_reply,
    is_json_type,
    is_loopback_interface,
    json_depth,
    normal_path,
    rasa_policy,
    security_headers,
    source_hash,
    split_host,
)

TOKEN = "s3cret-token"
JSON = "application/json"


def rasa(token: Optional[str] = TOKEN) -> Policy:
    return rasa_policy(("127.0.0.1", "localhost"), token, MAX_MESSAGE_CHARS)


def request(
    method: str = "GET",
    path: str = "/status",
    body: bytes = b"",
    host: Optional[str] = "127.0.0.1:5005",
    **headers: str,
) -> Incoming:
    values = {name.replace("_", "-").lower(): v for name, v in headers.items()}
    if host is not None:
        values["host"] = host
    return Incoming(method, path, values, body)


def status(policy: Policy, incoming: Incoming) -> int:
    refusal = check_request(policy, incoming)
    return 200 if refusal is None else refusal.status


def parse(body: object, **headers: str) -> Incoming:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return request("POST", "/model/parse", data, content_type=JSON, **headers)


# --- public routes and the token ------------------------------------------


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/"),
        ("GET", "/version"),
        ("GET", "/status"),
        ("GET", "/webhooks/webchat/"),
        ("GET", "/socket.io/"),
    ],
)
def test_public_routes_need_no_token(method: str, path: str) -> None:
    assert check_request(rasa(None), request(method, path)) is None


def test_parse_is_public() -> None:
    assert check_request(rasa(None), parse({"text": "hi"})) is None


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/conversations/abc/tracker"),
        ("POST", "/conversations/abc/tracker/events"),
        ("GET", "/domain"),
        ("POST", "/model/predict"),
        ("GET", "/nothing-here"),
        # Routes dressed up as public ones.
        ("GET", "/webhooks/../conversations/abc/tracker"),
        ("GET", "/webhooks/%2e%2e/conversations/abc/tracker"),
        ("GET", "/statusx"),
        ("POST", "/status"),
    ],
)
def test_other_routes_need_the_token(method: str, path: str) -> None:
    incoming = request(method, path, content_type=JSON)
    closed = check_request(rasa(None), incoming)
    assert closed == Refusal(403, "the HTTP API is closed; set API_TOKEN")
    refused = check_request(rasa(), incoming)
    assert refused is not None
    assert refused.status == 401
    assert ("WWW-Authenticate", 'Bearer realm="api"') in refused.headers
    opened = request(method, path, content_type=JSON, authorization=f"Bearer {TOKEN}")
    assert check_request(rasa(), opened) is None


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        TOKEN,
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        "Bearer ",
        f"Bearer {TOKEN[:-1]}",
    ],
)
def test_a_wrong_token_is_refused(authorization: str) -> None:
    incoming = request("GET", "/domain", authorization=authorization)
    assert status(rasa(), incoming) == 401


def test_the_bearer_scheme_is_case_insensitive() -> None:
    incoming = request("GET", "/domain", authorization=f"bearer {TOKEN}")
    assert status(rasa(), incoming) == 200


@pytest.mark.parametrize(
    "method, path",
    [
        ("PUT", "/model"),
        ("DELETE", "/model"),
        ("POST", "/model/train"),
        ("PUT", "/model/"),
        ("DELETE", "//model"),
        ("POST", "/model%2Ftrain"),
        ("POST", "/webhooks/../model/train"),
    ],
)
def test_model_replacement_is_refused_even_with_the_token(
    method: str, path: str
) -> None:
    incoming = request(
        method, path, b"{}", content_type=JSON, authorization=f"Bearer {TOKEN}"
    )
    assert check_request(rasa(), incoming) == Refusal(403, "this route is disabled")


# --- Host and origin ------------------------------------------------------


@pytest.mark.parametrize(
    "host, expected",
    [
        ("127.0.0.1:5005", 200),
        ("localhost", 200),
        ("LOCALHOST.:80", 200),
        ("evil.example:5005", 421),
        ("127.0.0.1.evil.example", 421),
        ("[::1]:5005", 421),
        (None, 400),
        ("", 400),
        ("localhost:99999", 400),
        ("localhost:abc", 400),
        ("user@localhost", 400),
        ("a:b:c", 400),
    ],
)
def test_the_host_header_must_be_allowed(host: Optional[str], expected: int) -> None:
    assert status(rasa(), request(host=host)) == expected


def test_split_host() -> None:
    assert split_host("[::1]:5005") == ("::1", 5005)
    assert split_host("Example.ORG") == ("example.org", None)
    assert split_host("[::1") is None


@pytest.mark.parametrize(
    "origin, expected",
    [
        ("http://127.0.0.1:5005", 200),
        ("http://evil.example", 403),
        ("http://127.0.0.1:5006", 403),
        ("http://localhost:5005", 403),  # another origin than the Host's
        ("null", 403),
        ("file://", 403),
        ("http://127.0.0.1:5005/path", 403),
        ("http://127.0.0.1:notaport", 403),
    ],
)
def test_only_the_servers_own_origin_is_accepted(origin: str, expected: int) -> None:
    incoming = parse({"text": "hi"}, origin=origin)
    assert status(rasa(), incoming) == expected


def test_the_origin_check_covers_socket_io_and_websockets() -> None:
    evil = request(
        "GET", "/socket.io/", origin="http://evil.example", upgrade="websocket"
    )
    assert status(rasa(), evil) == 403
    own = request("GET", "/socket.io/", origin="http://127.0.0.1:5005")
    assert status(rasa(), own) == 200


def test_https_origin_behind_a_proxy_matches_the_host() -> None:
    policy = rasa_policy(("chat.example.org",), None, MAX_MESSAGE_CHARS)
    incoming = parse(
        {"text": "hi"}, origin="https://chat.example.org", host="chat.example.org"
    )
    assert check_request(policy, incoming) is None


def test_cross_site_fetch_metadata_is_refused_for_posts_only() -> None:
    post = parse({"text": "hi"}, sec_fetch_site="cross-site")
    assert status(rasa(), post) == 403
    link = request("GET", "/webhooks/webchat/", sec_fetch_site="cross-site")
    assert status(rasa(), link) == 200


def test_the_action_server_accepts_no_origin_at_all() -> None:
    policy = action_server_policy(("127.0.0.1", "localhost"))
    own = request("GET", "/health", origin="http://127.0.0.1:5005")
    assert status(policy, own) == 403
    assert status(policy, request("GET", "/health")) == 200


# --- content type, size, nesting ------------------------------------------


@pytest.mark.parametrize(
    "content_type, expected",
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON;charset=UTF-8", True),
        ("text/plain", False),
        ("text/plain;charset=UTF-8", False),
        ("application/x-www-form-urlencoded", False),
        ("multipart/form-data; boundary=x", False),
        ("application/json; charset=latin-1", False),
        ("application/json; boundary=x", False),
        ("", False),
    ],
)
def test_json_content_type(content_type: str, expected: bool) -> None:
    assert is_json_type(content_type) is expected


def test_a_simple_cross_site_post_is_refused_by_its_content_type() -> None:
    form = request(
        "POST",
        "/webhooks/rest/webhook",
        b'{"sender":"a","message":"hi"}',
        content_type="text/plain",
    )
    assert status(rasa(), form) == 415


def test_parse_changes_nothing_so_any_content_type_is_taken() -> None:
    # `curl -d` sends application/x-www-form-urlencoded.
    form = request(
        "POST",
        "/model/parse",
        b'{"text":"hi"}',
        content_type="application/x-www-form-urlencoded",
    )
    assert status(rasa(), form) == 200
    not_an_object = request(
        "POST", "/model/parse", b'["hi"]', content_type="text/plain"
    )
    assert status(rasa(), not_an_object) == 400


def test_socket_io_polling_may_post_text_plain() -> None:
    polling = request(
        "POST", "/socket.io/", b"40", content_type="text/plain;charset=UTF-8"
    )
    assert status(rasa(), polling) == 200


def test_compressed_bodies_are_refused() -> None:
    incoming = parse({"text": "hi"}, content_encoding="deflate")
    assert status(rasa(), incoming) == 415


@pytest.mark.parametrize("length", ["70000", "-1", "1e9", "x"])
def test_a_too_large_content_length_is_refused_unread(length: str) -> None:
    incoming = request(
        "POST", "/model/parse", b"", content_type=JSON, content_length=length
    )
    assert status(rasa(), incoming) == 413


def test_a_ten_megabyte_text_is_refused() -> None:
    assert status(rasa(), parse({"text": "a" * 10_000_000})) == 413


def test_a_message_over_the_channel_limit_is_refused() -> None:
    assert status(rasa(), parse({"text": "a" * MAX_MESSAGE_CHARS})) == 200
    refusal = check_request(rasa(), parse({"text": "a" * (MAX_MESSAGE_CHARS + 1)}))
    assert refusal == Refusal(
        400, f"'text' must be at most {MAX_MESSAGE_CHARS} characters"
    )


@pytest.mark.parametrize(
    "body, depth",
    [
        (b"", 0),
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": [2]}]}', 4),
        (b'["[[[[", "{{{"]', 1),
        (b'["\\"[[[", 1]', 1),  # an escaped quote does not end the string
        (b'["\\\\", [[1]]]', 3),  # an escaped backslash does not escape the quote
        (b"[" * 100_000, 100_000),
        (b"]]]][[", 4),  # invalid: an upper bound of the 2 opened
    ],
)
def test_json_depth(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


def test_deep_nesting_is_refused_before_parsing() -> None:
    deep = b"[" * 30_000 + b"]" * 30_000
    incoming = request("POST", "/webhooks/rest/webhook", deep, content_type=JSON)
    assert check_request(rasa(), incoming) == Refusal(400, "JSON nested deeper than 32")
    assert (
        status(rasa(), parse(b'{"text": "hi", "x": ' + b"[" * 32 + b"]" * 32 + b"}"))
        == 400
    )
    assert (
        status(rasa(), parse(b'{"text": "hi", "x": ' + b"[" * 31 + b"]" * 31 + b"}"))
        == 200
    )


# --- /model/parse and action-server bodies ---------------------------------


@pytest.mark.parametrize(
    "body, error",
    [
        (b"{bad", "the body must be JSON"),
        (b"\xff\xfe", "the body must be JSON"),
        (b"[1, 2]", 'the body must be a JSON object {"text": "..."}'),
        (b"null", 'the body must be a JSON object {"text": "..."}'),
        (b"{}", "'text' must be a string"),
        (b'{"text": 5}', "'text' must be a string"),
        (b'{"text": null}', "'text' must be a string"),
        (
            b'{"text": "hi", "message_id": 5}',
            "'message_id' must be a string of at most 128 chars",
        ),
    ],
)
def test_bad_parse_bodies_get_a_400_without_echo(body: bytes, error: str) -> None:
    assert check_request(rasa(None), parse(body)) == Refusal(400, error)


def test_control_characters_in_the_parse_text_are_removed() -> None:
    body = json.dumps(
        {"text": "hi\x00 the\x1bre\r\n\ud800", "message_id": "m1"}
    ).encode()
    assert check_request(rasa(), parse(body)) is None
    cleaned = cleaned_body(rasa(), "POST", "/model/parse", body)
    assert cleaned is not None
    assert json.loads(cleaned) == {"text": "hi there\n", "message_id": "m1"}
    assert cleaned_body(rasa(), "POST", "/model/parse", b'{"text": "hi"}') is None


def action(body: object) -> Incoming:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return request("POST", "/webhook", data, content_type=JSON)


GOOD_CALL = {
    "next_action": "action_show_helplines",
    "sender_id": "abc",
    "tracker": {"sender_id": "abc", "slots": {}, "events": [], "latest_message": {}},
    "domain": {},
    "version": "3.6.21",
}


@pytest.mark.parametrize(
    "body, error",
    [
        ([], "the body must be a JSON object"),
        (None, "the body must be a JSON object"),
        ({}, "'next_action' must be a non-empty string"),
        ({**GOOD_CALL, "next_action": 5}, "'next_action' must be a non-empty string"),
        ({**GOOD_CALL, "tracker": []}, "'tracker' must be an object"),
        ({**GOOD_CALL, "domain": "x"}, "'domain' must be an object"),
        ({**GOOD_CALL, "version": 3}, "'version' must be a string"),
        ({**GOOD_CALL, "tracker": {}}, "'tracker.sender_id' has the wrong type"),
        (
            {**GOOD_CALL, "tracker": {"sender_id": "a", "slots": []}},
            "'tracker.slots' has the wrong type",
        ),
        (
            {**GOOD_CALL, "tracker": {"sender_id": "a", "paused": 1}},
            "'tracker.paused' has the wrong type",
        ),
        (
            {**GOOD_CALL, "tracker": {"sender_id": "a", "events": [1]}},
            "'tracker.events' must be a list of objects",
        ),
    ],
)
def test_bad_action_calls_get_a_400(body: object, error: str) -> None:
    policy = action_server_policy(("127.0.0.1",))
    assert check_request(policy, action(body)) == Refusal(400, error)


def test_a_good_action_call_passes() -> None:
    policy = action_server_policy(("127.0.0.1",))
    assert check_request(policy, action(GOOD_CALL)) is None


def test_the_action_server_takes_larger_bodies_than_the_rasa_server() -> None:
    policy = action_server_policy(("127.0.0.1",))
    events = [{"event": "user", "text": "x" * 1000}] * 200
    big = {**GOOD_CALL, "tracker": {**GOOD_CALL["tracker"], "events": events}}
    assert check_request(policy, action(big)) is None
    assert (
        status(
            rasa(),
            request(
                "POST",
                "/webhooks/rest/webhook",
                json.dumps(big).encode(),
                content_type=JSON,
            ),
        )
        == 413
    )


# --- replies ----------------------------------------------------------------


def test_error_replies_of_our_own_are_kept() -> None:
    assert error_reply(400, JSON, b'{"error": "\'message\' must be a string"}') is None
    assert error_reply(200, "text/html", b"<html>") is None
    # A channel's 503 carries the replies produced before the store failed.
    assert error_reply(503, JSON, b'[{"recipient_id": "a", "text": "x"}]') is None


@pytest.mark.parametrize(
    "status_code, content_type, body, expected",
    [
        (
            500,
            JSON,
            b'{"error": "KeyError: secret", "request_body": {"x": 1}}',
            Refusal(500, "internal error"),
        ),
        (
            500,
            "text/plain",
            b"Traceback (most recent call last)",
            Refusal(500, "internal error"),
        ),
        (
            400,
            JSON,
            b'{"version": "3.6.21", "status": "failure", "message": "An unexpected error occurred. Error: my text"}',
            Refusal(400, "bad request"),
        ),
        (404, "text/html", b"Requested URL /x not found", Refusal(404, "not found")),
        (418, JSON, b'{"error": 5}', Refusal(418, "bad request")),
    ],
)
def test_other_error_replies_become_generic(
    status_code: int, content_type: str, body: bytes, expected: Refusal
) -> None:
    assert error_reply(status_code, content_type, body) == expected


CHAT_PAGE = """<!doctype html><html><head><style>
body { color: red; }
</style></head><body><script>
console.log("hi");
</script></body></html>"""


def test_the_csp_allows_exactly_the_inline_script_and_style_of_the_page() -> None:
    csp = content_security_policy(CHAT_PAGE)
    script = '\nconsole.log("hi");\n'
    style = "\nbody { color: red; }\n"
    assert f"script-src {source_hash(script)};" in csp
    assert f"style-src {source_hash(style)};" in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp


def test_source_hash_is_the_csp_sha256() -> None:
    # Known value: echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
    assert (
        source_hash("alert(1)")
        == "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    )


def test_every_reply_gets_the_security_headers() -> None:
    headers = security_headers("default-src 'none'")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Security-Policy"] == "default-src 'none'"


@pytest.mark.parametrize(
    "path, normal",
    [
        ("/model/", "/model"),
        ("//model", "/model"),
        ("/model%2Ftrain", "/model/train"),
        ("/webhooks/./../model", "/model"),
        ("", "/"),
        ("/webhooks/rest/webhook", "/webhooks/rest/webhook"),
    ],
)
def test_normal_path(path: str, normal: str) -> None:
    assert normal_path(path) == normal


@pytest.mark.parametrize(
    ("peer", "expected"),
    [("127.0.0.1", 200), ("::1", 200), ("", 200), ("192.0.2.7", 403), ("x", 403)],
)
def test_a_server_configured_for_loopback_answers_only_this_machine(
    peer: str, expected: int
) -> None:
    local = rasa_policy(("127.0.0.1",), None, MAX_MESSAGE_CHARS, local_only=True)
    incoming = Incoming("GET", "/status", {"host": "127.0.0.1:5005"}, b"", peer)
    assert status(local, incoming) == expected
    # Told otherwise (RASA_HOST=0.0.0.0): any peer, the other checks still apply.
    assert status(rasa(), incoming) == 200


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("", False),
    ],
)
def test_loopback_interfaces(host: str, expected: bool) -> None:
    assert is_loopback_interface(host) is expected
