"""What the console accepts: pure decisions about one request or reply.

Reuses the Rasa side's checks (bot/http/checks.py: Host header, same-origin,
JSON content type and nesting, generic errors) with the console's own areas:
`/api` (staff: session cookie or Bearer token), `/internal` (the Rasa side:
SERVICE_TOKEN), `/static` (public files) and the pages. Sessions and CSRF
need the database: bot/handoff/guard.py does those, with these rules.
"""

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

from bot.http import checks
from bot.http.checks import Incoming, Refusal

API = "/api"
INTERNAL = "/internal"
STATIC = "/static"
#: Staff requests are small JSON bodies (a message is at most 4,000 chars).
MAX_API_BODY = checks.MAX_BODY_BYTES
#: The Rasa side sends up to 20 transcript turns or a batch of events.
MAX_INTERNAL_BODY = 1024 * 1024
#: Log-in forms need no CSRF token (there is no session yet); the same-origin
#: check still applies.
LOGIN_PATHS = frozenset({"/api/login", "/login"})
#: /api routes that need no session.
PUBLIC_API = frozenset({("POST", "/api/login")})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
UNAUTHORIZED = Refusal(
    401,
    "sign in first: a session cookie or Authorization: Bearer <token> is required",
    (("WWW-Authenticate", 'Bearer realm="console"'),),
)
INTERNAL_UNAUTHORIZED = Refusal(
    401,
    "the service token is required (Authorization: Bearer <SERVICE_TOKEN>)",
    (("WWW-Authenticate", 'Bearer realm="internal"'),),
)
BAD_CSRF = Refusal(403, "missing or wrong CSRF token (X-CSRF-Token or csrf_token)")


@dataclass(frozen=True)
class ConsolePolicy:
    """What the console accepts.

    Attributes:
        allowed_hosts: Host names of the Host header (settings.allowed_hosts).
        service_token: Opens /internal; None keeps it closed.
        local_only: Answer only peers on this machine (console bound to loopback).
    """

    allowed_hosts: tuple[str, ...]
    service_token: Optional[str]
    local_only: bool = False


def area(path: str) -> str:
    """The area of a request path: "internal", "api", "static" or "page".

    Decided on the raw and the normalized path alike (the stricter wins), so
    `/static/../internal/x` is internal.
    """
    paths = (path.split("?", 1)[0], checks.normal_path(path))
    for name, prefix in (("internal", INTERNAL), ("api", API)):
        if any(p == prefix or p.startswith(prefix + "/") for p in paths):
            return name
    if all(p.startswith(STATIC + "/") for p in paths):
        return "static"
    return "page"


def max_body(path: str) -> int:
    """The largest body accepted on a path."""
    return MAX_INTERNAL_BODY if area(path) == "internal" else MAX_API_BODY


def check_request(policy: ConsolePolicy, request: Incoming) -> Optional[Refusal]:
    """Whether to refuse a request before sessions are looked at.

    In order: peer, Host header, origin, body size, encoding, then for
    /internal the service token and the JSON content type and nesting of
    state-changing requests (/api: `check_json_body` after the session).

    Returns:
        None to go on, else the refusal to send.
    """
    if policy.local_only and not checks.is_local_peer(request.peer):
        return Refusal(403, "this server answers only on this machine")
    headers = request.headers
    host = checks.split_host(headers.get("host", ""))
    if host is None:
        return Refusal(400, "missing or malformed Host header")
    if host[0] not in checks.host_names(policy.allowed_hosts):
        return Refusal(421, checks.GENERIC_ERRORS[421])
    method = request.method.upper()
    origin_policy = checks.Policy(allowed_hosts=policy.allowed_hosts)
    if is_null_same_origin(headers):
        # Under `Referrer-Policy: no-referrer` browsers send `Origin: null` on
        # their own form posts; Sec-Fetch-Site (which pages cannot set) says
        # it is the console's own page.
        headers = {k: v for k, v in headers.items() if k != "origin"}
    if not checks.origin_allowed(origin_policy, method, headers, host):
        return Refusal(403, "cross-origin requests are not accepted")
    limit = max_body(request.path)
    length = headers.get("content-length", "").strip()
    if (length and (not length.isdigit() or int(length) > limit)) or len(
        request.body
    ) > limit:
        return Refusal(413, checks.GENERIC_ERRORS[413])
    if headers.get("content-encoding", "identity").strip().lower() != "identity":
        return Refusal(415, "compressed bodies are not accepted")
    where = area(request.path)
    if where == "internal":
        refusal = check_service_token(
            policy.service_token, headers.get("authorization", "")
        )
        if refusal is not None:
            return refusal
    if where == "internal" and method in checks.STATE_CHANGING:
        # /api bodies are checked once the session is known (401 comes first).
        return check_json_body(headers, request.body)
    return None


def is_null_same_origin(headers: Mapping[str, str]) -> bool:
    """`Origin: null` together with `Sec-Fetch-Site: same-origin`."""
    return (
        headers.get("origin", "").strip() == "null"
        and headers.get("sec-fetch-site", "").strip().lower() == "same-origin"
    )


def check_json_body(headers: Mapping[str, str], body: bytes) -> Optional[Refusal]:
    """JSON content type and nesting of an /api or /internal body."""
    if not checks.is_json_type(headers.get("content-type", "")):
        return Refusal(415, checks.GENERIC_ERRORS[415])
    if body and checks.json_depth(body) > checks.MAX_JSON_DEPTH:
        return Refusal(400, f"JSON nested deeper than {checks.MAX_JSON_DEPTH}")
    return None


def check_service_token(
    expected: Optional[str], authorization: str
) -> Optional[Refusal]:
    """Refusal unless `Authorization: Bearer <SERVICE_TOKEN>` (constant time).

    Without a configured token every request is refused (401).
    """
    scheme, _, given = authorization.strip().partition(" ")
    if (
        expected
        and scheme.lower() == "bearer"
        and hmac.compare_digest(
            given.strip().encode("utf-8", "surrogateescape"),
            expected.encode("utf-8", "surrogateescape"),
        )
    ):
        return None
    return INTERNAL_UNAUTHORIZED


def needs_session(method: str, path: str) -> bool:
    """Whether the request must come with a valid staff session (/api)."""
    return (
        area(path) == "api"
        and (
            method.upper(),
            checks.normal_path(path),
        )
        not in PUBLIC_API
    )


def needs_csrf(method: str, path: str) -> bool:
    """Whether a cookie-authenticated request must carry the CSRF token."""
    return (
        method.upper() in checks.STATE_CHANGING
        and checks.normal_path(path) not in LOGIN_PATHS
        and area(path) != "internal"
    )


def is_form(content_type: str) -> bool:
    """Whether a body is an HTML form post."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media in FORM_TYPES


def reply_headers(path: str) -> dict[str, str]:
    """Headers of every reply; static files may be cached briefly."""
    headers = checks.security_headers(CONTENT_SECURITY_POLICY)
    if area(path) == "static":
        headers["Cache-Control"] = "private, max-age=300"
    return headers


def error_reply(
    path: str, status: int, content_type: str, body: bytes
) -> Optional[Refusal]:
    """The reply that replaces an error reply, or None to keep it.

    /api, /internal and static files: only `{"error": "<text>"}` JSON errors are
    kept (bot/http/checks.py's rule). Pages may show their own HTML errors.
    """
    if area(path) == "page" and content_type.lower().startswith("text/html"):
        return None
    return checks.error_reply(status, content_type, body)
