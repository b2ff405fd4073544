"""The console's pure request checks: areas, Host, origin, sizes, tokens."""

from typing import Optional

import pytest

from bot.handoff import checks
from bot.handoff.checks import ConsolePolicy
from bot.http.checks import Incoming

POLICY = ConsolePolicy(allowed_hosts=("127.0.0.1", "localhost"), service_token="s3cret")


def seen(
    method: str = "GET",
    path: str = "/api/handoffs",
    headers: Optional[dict[str, str]] = None,
    body: bytes = b"",
    peer: str = "127.0.0.1",
) -> Incoming:
    return Incoming(
        method, path, {"host": "127.0.0.1:5006", **(headers or {})}, body, peer
    )


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/api/handoffs", "api"),
        ("/api", "api"),
        ("/apix", "page"),
        ("/internal/events", "internal"),
        ("/static/../internal/events", "internal"),
        ("/static/%2e%2e/api/me", "api"),
        ("/static/console.css", "static"),
        ("/", "page"),
        ("/handoffs/3", "page"),
    ],
)
def test_areas(path: str, area: str) -> None:
    assert checks.area(path) == area


def test_host_origin_and_peer() -> None:
    assert checks.check_request(POLICY, seen()) is None
    refusal = checks.check_request(POLICY, seen(headers={"host": "evil.example"}))
    assert refusal is not None and refusal.status == 421
    cross = seen(
        "POST",
        headers={"origin": "http://evil.example", "content-type": "application/json"},
    )
    refusal = checks.check_request(POLICY, cross)
    assert refusal is not None and refusal.status == 403
    same = seen(
        "POST",
        headers={"origin": "http://127.0.0.1:5006", "content-type": "application/json"},
    )
    assert checks.check_request(POLICY, same) is None
    null = {"origin": "null", "content-type": "application/json"}
    refusal = checks.check_request(POLICY, seen("POST", headers=null))
    assert refusal is not None and refusal.status == 403
    own_form = {**null, "sec-fetch-site": "same-origin"}
    assert checks.check_request(POLICY, seen("POST", headers=own_form)) is None
    for site in ("cross-site", "same-site", "none"):
        other = {**null, "sec-fetch-site": site}
        refusal = checks.check_request(POLICY, seen("POST", headers=other))
        assert refusal is not None and refusal.status == 403
    local = ConsolePolicy(POLICY.allowed_hosts, "s3cret", local_only=True)
    refusal = checks.check_request(local, seen(peer="10.0.0.5"))
    assert refusal is not None and refusal.status == 403


def test_body_size_and_type() -> None:
    json_type = {"content-type": "application/json"}
    big = b"{" + b" " * checks.MAX_API_BODY + b"}"
    refusal = checks.check_request(POLICY, seen("POST", headers=json_type, body=big))
    assert refusal is not None and refusal.status == 413
    internal = seen(
        "POST",
        "/internal/events",
        headers={**json_type, "authorization": "Bearer s3cret"},
        body=big,
    )
    assert checks.check_request(POLICY, internal) is None  # up to 1 MiB there
    form = {"content-type": "application/x-www-form-urlencoded"}
    internal_form = seen(
        "POST", "/internal/events", {**form, "authorization": "Bearer s3cret"}
    )
    refusal = checks.check_request(POLICY, internal_form)
    assert refusal is not None and refusal.status == 415
    assert checks.check_request(POLICY, seen("POST", "/login", headers=form)) is None
    refusal = checks.check_json_body(form, b"a=1")
    assert refusal is not None and refusal.status == 415
    deep = b"[" * 40 + b"]" * 40
    refusal = checks.check_json_body(json_type, deep)
    assert refusal is not None and refusal.status == 400
    assert (
        checks.check_json_body(
            {"content-type": "application/json; charset=utf-8"}, b"{}"
        )
        is None
    )
    gzip = {**json_type, "content-encoding": "gzip"}
    refusal = checks.check_request(POLICY, seen("POST", headers=gzip))
    assert refusal is not None and refusal.status == 415


def test_service_token() -> None:
    assert checks.check_service_token("s3cret", "Bearer s3cret") is None
    for header in ("", "Bearer wrong", "Basic s3cret", "s3cret"):
        refusal = checks.check_service_token("s3cret", header)
        assert refusal is not None and refusal.status == 401
    refusal = checks.check_service_token(None, "Bearer ")
    assert refusal is not None and refusal.status == 401
    closed = ConsolePolicy(POLICY.allowed_hosts, None)
    refusal = checks.check_request(
        closed,
        seen(path="/internal/handoffs/status", headers={"authorization": "Bearer "}),
    )
    assert refusal is not None and refusal.status == 401


def test_session_and_csrf_rules() -> None:
    assert checks.needs_session("GET", "/api/handoffs")
    assert checks.needs_session("GET", "/api/unknown")
    assert not checks.needs_session("POST", "/api/login")
    assert checks.needs_session("GET", "/api/login")
    assert not checks.needs_session("GET", "/")
    assert checks.needs_csrf("POST", "/api/handoffs/1/claim")
    assert checks.needs_csrf("POST", "/handoffs/1/claim")
    assert not checks.needs_csrf("POST", "/login")
    assert not checks.needs_csrf("GET", "/api/handoffs")


def test_reply_headers_and_errors() -> None:
    headers = checks.reply_headers("/api/me")
    assert headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert checks.reply_headers("/static/a.css")["Cache-Control"] != "no-store"
    page = checks.error_reply(
        "/handoffs/3", 403, "text/html; charset=utf-8", b"<p>no</p>"
    )
    assert page is None
    api = checks.error_reply("/api/me", 404, "text/html", b"<p>Traceback</p>")
    assert api is not None and api.body == {"error": "not found"}
