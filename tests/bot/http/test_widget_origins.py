"""The widget's cross-origin rule in the pure HTTP checks.

Sites of WIDGET_ORIGINS may call socket.io and /webhooks/widget/* from their
pages, nothing else; every other origin is refused as before.
"""

from typing import Optional

import pytest

from bot.channels.checks import MAX_MESSAGE_CHARS
from bot.http.checks import (
    Incoming,
    Policy,
    check_request,
    content_security_policy,
    normal_origin,
    normal_origins,
    rasa_policy,
    reply_headers,
    security_headers,
    socket_origins,
)

SITE = "https://helpline.example.org"
CSP = "default-src 'none'"


def rasa(*origins: str) -> Policy:
    return rasa_policy(
        ("127.0.0.1", "localhost"), "token", MAX_MESSAGE_CHARS, widget_origins=origins
    )


def request(
    method: str, path: str, origin: Optional[str] = None, **headers: str
) -> Incoming:
    values = {name.replace("_", "-").lower(): v for name, v in headers.items()}
    values["host"] = "127.0.0.1:5005"
    if origin is not None:
        values["origin"] = origin
    return Incoming(method, path, values)


def status(policy: Policy, incoming: Incoming) -> int:
    refusal = check_request(policy, incoming)
    return 200 if refusal is None else refusal.status


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("https://helpline.example.org", SITE),
        ("HTTPS://Helpline.Example.org.", SITE),
        ("https://helpline.example.org:443", SITE),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://localhost:80", "http://localhost"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://helpline.example.org/", None),
        ("https://helpline.example.org/page", None),
        ("https://user@helpline.example.org", None),
        ("https://helpline.example.org?x=1", None),
        ("ftp://helpline.example.org", None),
        ("null", None),
        ("", None),
        ("https://helpline.example.org:99999", None),
        ("https://help line.org", None),
        ("https://helpline.example.org\r\nX: y", None),
    ],
)
def test_normal_origin(value: str, normal: Optional[str]) -> None:
    assert normal_origin(value) == normal


def test_configured_origins_are_normalized_and_bad_ones_dropped() -> None:
    assert normal_origins([SITE, SITE + ":443", "nonsense", "http://a.test"]) == (
        SITE,
        "http://a.test",
    )
    assert rasa(SITE, "not an origin").widget_origins == (SITE,)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/socket.io/"),
        ("POST", "/socket.io/"),
        ("GET", "/webhooks/widget/widget.js"),
        ("GET", "/webhooks/widget/widget.css"),
        ("GET", "/webhooks/widget/demo"),
    ],
)
def test_a_listed_site_may_call_socket_io_and_the_widget(
    method: str, path: str
) -> None:
    headers = {"sec_fetch_site": "cross-site"}
    assert status(rasa(SITE), request(method, path, SITE, **headers)) == 200
    # The same request from a site not listed, or with no site listed.
    assert status(rasa(SITE), request(method, path, "https://evil.test")) == 403
    assert status(rasa(), request(method, path, SITE)) == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/webhooks/rest/webhook"),
        ("GET", "/webhooks/webchat/"),
        ("POST", "/model/parse"),
        ("GET", "/status"),
        ("GET", "/conversations/x/tracker"),
        ("GET", "/webhooks/widgets/x"),
        ("GET", "/webhooks/widget/../rest/webhook"),
        ("GET", "/socket.io.evil"),
    ],
)
def test_a_listed_site_may_call_nothing_else(method: str, path: str) -> None:
    assert status(rasa(SITE), request(method, path, SITE)) == 403


def test_the_servers_own_pages_still_work_and_others_are_still_refused() -> None:
    policy = rasa(SITE)
    assert status(policy, request("GET", "/socket.io/", "http://127.0.0.1:5005")) == 200
    assert status(policy, request("GET", "/socket.io/", "http://127.0.0.1:5006")) == 403
    assert status(policy, request("GET", "/webhooks/widget/widget.js")) == 200
    # A cross-site POST without Origin is refused as before.
    post = request("POST", "/socket.io/", sec_fetch_site="cross-site")
    assert status(policy, post) == 403


def test_a_listed_origin_gets_cors_headers_for_itself_only() -> None:
    policy = rasa(SITE)
    listed = reply_headers(policy, request("GET", "/socket.io/", SITE), CSP)
    assert listed["Access-Control-Allow-Origin"] == SITE
    assert listed["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in listed
    other = reply_headers(policy, request("GET", "/socket.io/", "https://x.test"), CSP)
    assert "Access-Control-Allow-Origin" not in other
    elsewhere = reply_headers(policy, request("POST", "/model/parse", SITE), CSP)
    assert elsewhere == security_headers(CSP)


def test_the_script_and_style_sheet_load_on_any_page_and_are_cached_briefly() -> None:
    policy = rasa()
    for name in ("widget.js", "widget.css"):
        headers = reply_headers(policy, request("GET", f"/webhooks/widget/{name}"), CSP)
        assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert headers["Cache-Control"] == "public, max-age=300"
        refused = reply_headers(
            policy, request("GET", f"/webhooks/widget/{name}"), CSP, status=403
        )
        assert refused["Cache-Control"] == "no-store"
    demo = reply_headers(policy, request("GET", "/webhooks/widget/demo"), CSP)
    assert demo["Cross-Origin-Resource-Policy"] == "same-origin"
    assert demo["Cache-Control"] == "no-store"


def test_socket_io_accepts_the_same_origins_as_the_guard() -> None:
    allowed = socket_origins([SITE])
    environ = {"HTTP_HOST": "127.0.0.1:5005"}
    assert allowed(SITE, environ)
    assert allowed("http://127.0.0.1:5005", environ)
    assert not allowed("http://127.0.0.1:5006", environ)
    assert not allowed("https://evil.test", environ)
    assert not allowed(None, environ)
    assert not allowed("http://127.0.0.1:5005", {})
    assert not socket_origins([])(SITE, environ)


def test_the_demo_page_csp_allows_the_servers_files_and_nothing_inline() -> None:
    page = '<html><script src="/webhooks/widget/widget.js" defer></script></html>'
    csp = content_security_policy(page, own_files=True)
    assert "script-src 'self';" in csp
    assert "style-src 'self';" in csp
    assert "sha256" not in csp
    assert "connect-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    # Without own_files, an external script is still not counted as inline.
    assert "script-src 'none'" in content_security_policy(page)
