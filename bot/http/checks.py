"""What the HTTP servers accept: pure decisions about one request or reply.

`check_request` decides, from the method, path, headers and body of a request,
whether the Rasa server (or the action server) refuses it and with which 4xx
JSON error. `error_reply` turns any error reply that could carry an exception
text or a piece of the input into a plain `{"error": "..."}`.
`content_security_policy` and `security_headers` give the headers every reply
carries; `reply_headers` adds what the website widget needs on its own routes
(see "Cross-origin widget" below). No Sanic or Rasa here: bot/http/guard.py is
the adapter.

Cross-origin widget: a browser request that carries an `Origin` is accepted
only from the server's own origin, except that the sites listed in
WIDGET_ORIGINS (`Policy.widget_origins`) may call socket.io and the widget's
routes (`WIDGET_PATHS`), and nothing else. Those replies then carry
`Access-Control-Allow-Origin: <that origin>` (never `*`, never credentials).
The widget's script and style sheet are public code: any page may load them
with a plain tag (`Cross-Origin-Resource-Policy: cross-origin`), but only a
listed site's page can then connect.
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from bot.channels.checks import clean_text

# Requests to the Rasa server are small JSON messages: 64 KiB is ~15 times the
# longest message allowed (4,000 characters, 6 bytes each when \u-escaped).
MAX_BODY_BYTES = 64 * 1024
# The action server receives the whole conversation (tracker events) from Rasa.
MAX_ACTION_CALL_BYTES = 8 * 1024 * 1024
# Deeper JSON is refused before any parser sees it (Python's json recurses).
MAX_JSON_DEPTH = 32
MAX_MESSAGE_ID_CHARS = 128
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Engine.io (socket.io) long-polling posts text/plain: only the origin check
# protects it, as for every browser request.
SOCKET_IO = "/socket.io"
# The website widget's routes (bot/channels/widget.py) and socket.io: the only
# paths a site listed in WIDGET_ORIGINS may call from its pages.
WIDGET_PREFIX = "/webhooks/widget"
WIDGET_PATHS = (SOCKET_IO, WIDGET_PREFIX)
# Public code any page may load with a plain <script>/<link> tag (no data in
# it); browsers may keep it for a few minutes (then revalidate by ETag).
WIDGET_ASSETS = frozenset({WIDGET_PREFIX + "/widget.js", WIDGET_PREFIX + "/widget.css"})
# The widget's vendored Thai and Lao fonts (and their licence): cached alike.
WIDGET_FONTS = WIDGET_PREFIX + "/fonts/"
WIDGET_ASSET_CACHE = "public, max-age=300"
# POSTs that change nothing: parsing a text neither stores nor runs anything,
# so any content type is taken there (its body must still be a JSON object);
# scripts and the README's `curl -d` examples keep working. Cross-origin calls
# are refused by the origin check all the same.
READ_ONLY_POSTS = frozenset({"/model/parse"})

# Routes of Rasa's server anyone may call (no token): the health checks, the
# product's parse interface, the channels (webhooks, socket.io, web chat).
RASA_PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/"),
        ("HEAD", "/"),
        ("GET", "/version"),
        ("GET", "/status"),
        ("POST", "/model/parse"),
    }
)
RASA_PUBLIC_PREFIXES = ("/webhooks/", "/socket.io/")
# Replacing, unloading or training a model over HTTP is never allowed (a model
# file is code: Rasa loads it with skops), not even with the token.
RASA_DISABLED_ROUTES = frozenset(
    {("PUT", "/model"), ("DELETE", "/model"), ("POST", "/model/train")}
)
ACTION_PUBLIC_ROUTES = frozenset(
    {("GET", "/health"), ("GET", "/actions"), ("POST", "/webhook")}
)

GENERIC_ERRORS = {
    400: "bad request",
    401: "a valid API token is required (Authorization: Bearer <token>)",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    408: "request timeout",
    409: "conflict",
    413: "request body too large",
    415: "the body must be application/json",
    421: "unknown host",
    429: "too many requests",
    503: "service unavailable",
}
# A JSON string once its escape pairs are gone (see json_depth).
JSON_STRING = re.compile(rb'"[^"]*"')
NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
BRACKET_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
INLINE = re.compile(r"<(script|style)(\s[^>]*)?>(.*?)</\1\s*>", re.DOTALL | re.I)
EXTERNAL = re.compile(r"\ssrc\s*=", re.I)

NONE = "'none'"

BodyCheck = Callable[[Any], Optional[str]]
BodyCleaner = Callable[[Any], Any]


@dataclass(frozen=True)
class Refusal:
    """A request is refused: HTTP status, error text and extra headers.

    The error text is fixed by the rule that refused: it never contains any
    part of the request.
    """

    status: int
    error: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def body(self) -> dict[str, str]:
        """The JSON body of the reply."""
        return {"error": self.error}


@dataclass(frozen=True)
class Incoming:
    """The parts of a request the checks look at.

    Attributes:
        method: HTTP method, upper case.
        path: Raw path (no query string).
        headers: Header values by lower-case name (first value of each).
        body: The body as received (may be empty when not read yet).
        peer: Address of the connecting peer ("" when unknown, e.g. a unix
            socket).
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""
    peer: str = ""


@dataclass(frozen=True)
class Policy:
    """What one server accepts.

    Attributes:
        allowed_hosts: Host names of the Host header (port ignored).
        api_token: Opens the routes that are neither public nor disabled;
            None keeps them closed.
        public_routes: (method, path) anyone may call.
        public_prefixes: Paths under these are public with every method.
        disabled_routes: (method, path) refused always, token or not.
        allow_same_origin: Whether a browser request from the server's own
            origin is accepted (the web chat); False refuses every `Origin`.
        max_body_bytes: Largest body accepted.
        max_json_depth: Deepest nesting of arrays and objects accepted.
        body_checks: (method, path) -> check of the parsed JSON body, which
            returns an error text or None.
        body_cleaners: (method, path) -> function giving the body the
            handler gets (from the parsed, checked body).
        local_only: Answer only peers on this machine (loopback addresses).
            True while the server is configured for a loopback interface, so
            a server started by hand on 0.0.0.0 (`rasa run` binds it by
            default) still serves nobody else.
        widget_origins: Origins (as `normal_origin` gives them) of the sites
            whose pages may call `WIDGET_PATHS` (the embedded widget).
        jwt_secret: Key of JSON Web Tokens that open the routes like the
            token does (`{"user": {"role": "admin"}}`, as Rasa's); None: none.
        jwt_method: Their signature algorithm.
    """

    allowed_hosts: tuple[str, ...]
    api_token: Optional[str] = None
    public_routes: frozenset[tuple[str, str]] = RASA_PUBLIC_ROUTES
    public_prefixes: tuple[str, ...] = RASA_PUBLIC_PREFIXES
    disabled_routes: frozenset[tuple[str, str]] = RASA_DISABLED_ROUTES
    allow_same_origin: bool = True
    max_body_bytes: int = MAX_BODY_BYTES
    max_json_depth: int = MAX_JSON_DEPTH
    body_checks: Mapping[tuple[str, str], BodyCheck] = field(default_factory=dict)
    body_cleaners: Mapping[tuple[str, str], BodyCleaner] = field(default_factory=dict)
    local_only: bool = False
    widget_origins: tuple[str, ...] = ()
    jwt_secret: Optional[str] = None
    jwt_method: str = "HS256"


#: Public on this machine, but behind the token or a JWT once the server
#: listens beyond it: parsing (the NLU) and the model's status.
LOCAL_PUBLIC_ROUTES = frozenset({("POST", "/model/parse"), ("GET", "/status")})


def exposure_problem(
    host: str, api_token: Optional[str], jwt_secret: Optional[str]
) -> Optional[str]:
    """Why a Rasa server must not start on `host`, or None.

    A server listening beyond this machine needs API_TOKEN or JWT_SECRET: its
    HTTP API (parsing, conversations) must never be open to the network.

    Args:
        host: The interface it binds (RASA_HOST).
        api_token: API_TOKEN.
        jwt_secret: JWT_SECRET.
    """
    if is_loopback_interface(host) or api_token or jwt_secret:
        return None
    return (
        f"RASA_HOST={host} listens beyond this machine: set API_TOKEN or "
        "JWT_SECRET to protect the HTTP API (README, 'Production: many replicas')."
    )


def rasa_policy(
    allowed_hosts: tuple[str, ...],
    api_token: Optional[str],
    max_text_chars: int,
    local_only: bool = False,
    widget_origins: tuple[str, ...] = (),
    jwt_secret: Optional[str] = None,
    jwt_method: str = "HS256",
    exposed: bool = False,
) -> Policy:
    """The policy of the Rasa server (channels, web chat, HTTP API).

    Args:
        allowed_hosts: Host names the server answers to.
        api_token: Opens the HTTP API (None keeps it closed).
        max_text_chars: Longest `/model/parse` text.
        local_only: Answer only this machine.
        widget_origins: Sites that may embed the widget (WIDGET_ORIGINS);
            entries that are no http(s) origin are left out.
        jwt_secret: Opens the HTTP API with a JWT too (None: no JWT).
        jwt_method: The JWT signature algorithm.
        exposed: The server listens beyond this machine: `/model/parse` and
            `/status` need the token or a JWT as well (`LOCAL_PUBLIC_ROUTES`).
    """

    def parse_body(data: Any) -> Optional[str]:
        return check_parse_body(data, max_text_chars)

    return Policy(
        allowed_hosts=host_names(allowed_hosts),
        api_token=api_token,
        public_routes=(
            RASA_PUBLIC_ROUTES - LOCAL_PUBLIC_ROUTES if exposed else RASA_PUBLIC_ROUTES
        ),
        body_checks={("POST", "/model/parse"): parse_body},
        body_cleaners={("POST", "/model/parse"): clean_parse_body},
        local_only=local_only,
        widget_origins=normal_origins(widget_origins),
        jwt_secret=jwt_secret or None,
        jwt_method=jwt_method,
    )


def action_server_policy(
    allowed_hosts: tuple[str, ...], local_only: bool = False
) -> Policy:
    """The policy of the action server: only the Rasa server calls it."""
    return Policy(
        allowed_hosts=host_names(allowed_hosts),
        public_routes=ACTION_PUBLIC_ROUTES,
        public_prefixes=(),
        disabled_routes=frozenset(),
        allow_same_origin=False,
        max_body_bytes=MAX_ACTION_CALL_BYTES,
        body_checks={("POST", "/webhook"): check_action_call},
        local_only=local_only,
    )


def check_request(policy: Policy, request: Incoming) -> Optional[Refusal]:
    """Whether to refuse a request, and how.

    In order: Host header, origin, disabled route, token, body size, content
    type and encoding, JSON nesting, then the body of routes with a body check.

    Args:
        policy: What the server accepts.
        request: The request.

    Returns:
        None to let the request through, else the refusal to send.
    """
    if policy.local_only and not is_local_peer(request.peer):
        return Refusal(403, "this server answers only on this machine")
    headers = request.headers
    host = split_host(headers.get("host", ""))
    if host is None:
        return Refusal(400, "missing or malformed Host header")
    if host[0] not in policy.allowed_hosts:
        return Refusal(421, GENERIC_ERRORS[421])
    method = request.method.upper()
    path = normal_path(request.path)
    if not origin_allowed(policy, method, headers, host, path):
        return Refusal(403, "cross-origin requests are not accepted")
    if (method, path) in policy.disabled_routes:
        return Refusal(403, "this route is disabled")
    if not is_public(policy, method, path):
        authorization = headers.get("authorization", "")
        refusal = check_token(policy.api_token, authorization)
        if refusal and policy.jwt_secret:
            if jwt_admin(authorization, policy.jwt_secret, policy.jwt_method):
                refusal = None
            elif refusal.status == 403:  # no API_TOKEN, but JWTs are accepted
                refusal = Refusal(401, GENERIC_ERRORS[401], BEARER_CHALLENGE)
        if refusal:
            return refusal
    return check_body(policy, method, path, headers, request.body)


def is_local_peer(peer: str) -> bool:
    """Whether a peer address is this machine (loopback), or unknown."""
    if not peer:
        return True
    try:
        return ipaddress.ip_address(peer.split("%")[0]).is_loopback
    except ValueError:
        return False


def is_loopback_interface(host: str) -> bool:
    """Whether a server configured for `host` serves this machine only."""
    return host.strip().lower() == "localhost" or (
        is_local_peer(host) and bool(host.strip())
    )


def check_body(
    policy: Policy,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
) -> Optional[Refusal]:
    """Size, content type, encoding, nesting and shape of the body."""
    length = headers.get("content-length", "").strip()
    if length and (not length.isdigit() or int(length) > policy.max_body_bytes):
        return Refusal(413, GENERIC_ERRORS[413])
    if len(body) > policy.max_body_bytes:
        return Refusal(413, GENERIC_ERRORS[413])
    if headers.get("content-encoding", "identity").strip().lower() != "identity":
        return Refusal(415, "compressed bodies are not accepted")
    socket_io = path == SOCKET_IO or path.startswith(SOCKET_IO + "/")
    if (
        method in STATE_CHANGING
        and not socket_io
        and path not in READ_ONLY_POSTS
        and not is_json_type(headers.get("content-type", ""))
    ):
        return Refusal(415, GENERIC_ERRORS[415])
    if body and json_depth(body) > policy.max_json_depth:
        return Refusal(400, f"JSON nested deeper than {policy.max_json_depth}")
    check = policy.body_checks.get((method, path))
    if check is None:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Refusal(400, "the body must be JSON")
    error = check(data)
    return Refusal(400, error) if error else None


BEARER_CHALLENGE = (("WWW-Authenticate", 'Bearer realm="api"'),)


def jwt_admin(authorization: str, secret: str, method: str) -> bool:
    """Whether `Authorization: Bearer <jwt>` carries a valid admin token.

    As Rasa's `--jwt-secret`: signed with `secret` by `method` (only that
    algorithm), not expired, and `{"user": {"role": "admin"}}` in its payload.
    """
    import jwt

    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        payload = jwt.decode(token.strip(), secret, algorithms=[method])
    except (jwt.PyJWTError, ValueError, TypeError):
        return False
    user = payload.get("user") if isinstance(payload, dict) else None
    return isinstance(user, dict) and user.get("role") == "admin"


def check_token(expected: Optional[str], authorization: str) -> Optional[Refusal]:
    """Refusal unless `Authorization: Bearer <expected>` (constant-time)."""
    if not expected:
        return Refusal(403, "the HTTP API is closed; set API_TOKEN")
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"),
        expected.encode("utf-8", "surrogateescape"),
    ):
        return None
    return Refusal(
        401, GENERIC_ERRORS[401], (("WWW-Authenticate", 'Bearer realm="api"'),)
    )


def is_public(policy: Policy, method: str, path: str) -> bool:
    """Whether a (normalized) route needs no token."""
    if (method, path) in policy.public_routes:
        return True
    return any(
        path.startswith(prefix) or path == prefix.rstrip("/")
        for prefix in policy.public_prefixes
    )


def normal_path(path: str) -> str:
    """The path as routes are compared: decoded, dot segments resolved.

    No %-escapes, no double or trailing slash: `/model/`, `/model%2F` and
    `/webhooks/../model` all give `/model`.
    """
    decoded = unquote(path.split("?", 1)[0]) or "/"
    normal = posixpath.normpath("/" + decoded.lstrip("/"))
    # normpath keeps a leading "//"; nothing else does.
    return "/" + normal.lstrip("/")


def split_host(value: str) -> Optional[tuple[str, Optional[int]]]:
    """(host name, port) of a Host header or None when malformed.

    The name is lower-case, without IPv6 brackets or a trailing dot.
    """
    value = value.strip().lower()
    if not value or any(c in value for c in " /\\@?#,"):
        return None
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else ""
    else:
        name, _, port_text = value.partition(":")
        if ":" in port_text:
            return None
    name = name.rstrip(".")
    if not name:
        return None
    if not port_text:
        return name, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return None
    return name, int(port_text)


def origin_allowed(
    policy: Policy,
    method: str,
    headers: Mapping[str, str],
    host: tuple[str, Optional[int]],
    path: str = "",
) -> bool:
    """Whether the browser context of a request may call this server.

    Without an `Origin` header (curl, the launcher, a link followed to the
    chat page) the request is allowed. With one, it must be the server's own
    origin: scheme http(s), the same host and port as the Host header; or,
    on the widget's paths only, a site of `policy.widget_origins`. A
    state-changing request that a browser marks `Sec-Fetch-Site: cross-site`
    or `same-site` is refused even without `Origin` (unless it comes from a
    listed site to a widget path).

    Args:
        policy: What the server accepts.
        method: HTTP method, upper case.
        headers: Request headers by lower-case name.
        host: The Host header as `split_host` gives it.
        path: The normalized path (`normal_path`); "" for none.
    """
    if listed_origin(policy, path, headers) is not None:
        return True
    fetch_site = headers.get("sec-fetch-site", "").strip().lower()
    if method in STATE_CHANGING and fetch_site in ("cross-site", "same-site"):
        return False
    origin = headers.get("origin")
    if origin is None:
        return True
    if not policy.allow_same_origin:
        return False
    return same_origin(origin, host)


def same_origin(origin: str, host: tuple[str, Optional[int]]) -> bool:
    """Whether an `Origin` value names the server of this Host header.

    Args:
        origin: The Origin header's value.
        host: The Host header as `split_host` gives it.
    """
    try:
        parts = urlsplit(origin.strip())
        origin_port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.path or parts.query or parts.fragment or parts.username:
        return False
    default = 80 if parts.scheme == "http" else 443
    name = parts.hostname.rstrip(".")
    return (name, origin_port or default) == (host[0], host[1] or default)


def normal_origin(value: str) -> Optional[str]:
    """An origin written as browsers send it, or None when it is not one.

    `scheme://host[:port]`: http or https, lower case, no trailing dot, the
    default port left out, no path, query, fragment or user. "null" (a
    sandboxed page or a file) is no origin.

    Args:
        value: An `Origin` header or a configured origin.
    """
    value = value.strip()
    if any(c in value for c in "\r\n\t "):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or parts.username:
        return None
    name = parts.hostname.rstrip(".")
    if ":" in name:
        name = f"[{name}]"
    default = 80 if parts.scheme == "http" else 443
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{name}{suffix}"


def normal_origins(values: Iterable[str]) -> tuple[str, ...]:
    """The configured origins as `normal_origin` gives them (others dropped)."""
    origins = (normal_origin(value) for value in values)
    return tuple(dict.fromkeys(o for o in origins if o is not None))


def is_widget_path(path: str) -> bool:
    """Whether a normalized path is socket.io's or the widget's."""
    return any(path == p or path.startswith(p + "/") for p in WIDGET_PATHS)


def listed_origin(
    policy: Policy, path: str, headers: Mapping[str, str]
) -> Optional[str]:
    """The request's origin when it is a listed widget site on a widget path.

    Args:
        policy: Gives the listed sites (`widget_origins`).
        path: The normalized path.
        headers: Request headers by lower-case name.

    Returns:
        The origin (normal form), or None for any other request.
    """
    origin = headers.get("origin")
    if origin is None or not policy.widget_origins or not is_widget_path(path):
        return None
    normal = normal_origin(origin)
    return normal if normal in policy.widget_origins else None


def socket_origins(widget_origins: Iterable[str]) -> Callable[..., bool]:
    """engine.io's `cors_allowed_origins` rule: the same origins as the guard.

    The server's own origin (as the Host header names it) and the listed
    widget sites; engine.io refuses any other `Origin` (and the guard has
    refused it before).

    Args:
        widget_origins: The sites that may embed the widget (WIDGET_ORIGINS).

    Returns:
        A function of (origin, WSGI environ) -> whether to accept it.
    """
    listed = normal_origins(widget_origins)

    def allowed(
        origin: Optional[str], environ: Optional[Mapping[str, Any]] = None
    ) -> bool:
        if not origin:
            return False
        if normal_origin(origin) in listed:
            return True
        host = split_host(str((environ or {}).get("HTTP_HOST", "")))
        return host is not None and same_origin(origin, host)

    return allowed


def host_names(hosts: tuple[str, ...]) -> tuple[str, ...]:
    """Configured host names as `split_host` gives them (any port dropped)."""
    names = (split_host(host) for host in hosts)
    return tuple(name[0] for name in names if name is not None)


def is_json_type(content_type: str) -> bool:
    """`application/json`, optionally with `charset=utf-8`."""
    media, *params = (part.strip().lower() for part in content_type.split(";"))
    if media != "application/json":
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() != "charset" or value.strip().strip('"') not in (
            "utf-8",
            "utf8",
        ):
            return False
    return True


def json_depth(body: bytes) -> int:
    """Deepest nesting of arrays and objects in a JSON text, without parsing.

    Linear and at C speed: escape pairs are removed (left to right, as a JSON
    lexer pairs them), then the strings, then the brackets left are summed.
    Brackets inside strings do not count. The body need not be valid JSON:
    for invalid text the figure is an upper bound (a closing bracket too many
    never lowers it).
    """
    text = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = JSON_STRING.sub(b"", text)
    brackets = outside.translate(None, NOT_BRACKETS)
    if not brackets:
        return 0
    sums = list(accumulate(map(BRACKET_STEP.__getitem__, brackets)))
    return max(0, max(sums)) - min(0, min(sums))


def check_parse_body(data: Any, max_chars: int) -> Optional[str]:
    """Error text for a `/model/parse` body, None when it is fine.

    Args:
        data: The parsed JSON body.
        max_chars: Longest `text` accepted (the channels' message limit,
            counted as sent).
    """
    if not isinstance(data, dict):
        return 'the body must be a JSON object {"text": "..."}'
    if not isinstance(data.get("text"), str):
        return "'text' must be a string"
    if len(data["text"]) > max_chars:
        return f"'text' must be at most {max_chars} characters"
    message_id = data.get("message_id")
    if message_id is not None and (
        not isinstance(message_id, str) or len(message_id) > MAX_MESSAGE_ID_CHARS
    ):
        return f"'message_id' must be a string of at most {MAX_MESSAGE_ID_CHARS} chars"
    return None


def clean_parse_body(data: dict[str, Any]) -> dict[str, Any]:
    """The checked `/model/parse` body with its text cleaned.

    Cleaned as the channels clean a message: no control characters (but new
    line and tab), no lone surrogates.
    """
    return {**data, "text": clean_text(data["text"])}


def cleaned_body(
    policy: Policy, method: str, path: str, body: bytes
) -> Optional[bytes]:
    """The body the handler should get instead of `body`, or None to keep it.

    Only for a request `check_request` accepted (the body is valid JSON).
    """
    cleaner = policy.body_cleaners.get((method.upper(), normal_path(path)))
    if cleaner is None:
        return None
    data = json.loads(body)
    cleaned = cleaner(data)
    if cleaned == data:
        return None
    return json.dumps(cleaned, ensure_ascii=False).encode("utf-8")


# Top-level fields of the tracker rasa-sdk builds (Tracker.from_dict): name ->
# accepted JSON types (None: may be null or absent).
TRACKER_FIELDS: dict[str, tuple[Optional[type], ...]] = {
    "sender_id": (str,),
    "slots": (dict, None),
    "latest_message": (dict, None),
    "events": (list, None),
    "paused": (bool, None),
    "followup_action": (str, None),
    "active_loop": (dict, None),
    "latest_action_name": (str, None),
}


def check_action_call(data: Any) -> Optional[str]:
    """Error text for an action-server `/webhook` body, None when it is fine.

    The shape rasa-sdk relies on: `next_action` a non-empty string, `tracker`
    an object whose fields have the types of `TRACKER_FIELDS` (events being
    objects), `domain` an object.
    """
    if not isinstance(data, dict):
        return "the body must be a JSON object"
    if not isinstance(data.get("next_action"), str) or not data["next_action"]:
        return "'next_action' must be a non-empty string"
    for name in ("tracker", "domain"):
        if not isinstance(data.get(name), dict):
            return f"'{name}' must be an object"
    for name in ("sender_id", "version"):
        if data.get(name) is not None and not isinstance(data[name], str):
            return f"'{name}' must be a string"
    tracker = data["tracker"]
    for name, types in TRACKER_FIELDS.items():
        value = tracker.get(name)
        if value is None and None in types:
            continue
        if not any(t is not None and type(value) is t for t in types):
            return f"'tracker.{name}' has the wrong type"
    if not all(isinstance(event, dict) for event in tracker.get("events") or []):
        return "'tracker.events' must be a list of objects"
    return None


def error_reply(status: int, content_type: str, body: bytes) -> Optional[Refusal]:
    """The reply that replaces an error reply, or None to keep it.

    A 4xx/5xx reply is kept only when it is JSON of our own making: an
    object `{"error": "<text>"}` (the checks' and the channels' errors) or a
    list of bot messages (a channel's 503 when the tracker store failed
    carries the replies produced). Anything else (Sanic's text pages, Rasa's
    error objects with exception texts, the action server's echo of the
    request) becomes a generic error of the same status.
    """
    if status < 400:
        return None
    if is_json_type(content_type or ""):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            data = None
        if isinstance(data, dict) and set(data) == {"error"}:
            if isinstance(data["error"], str):
                return None
        elif isinstance(data, list) and all(isinstance(m, dict) for m in data):
            return None
    if status >= 500:
        return Refusal(status, "internal error")
    return Refusal(status, GENERIC_ERRORS.get(status, GENERIC_ERRORS[400]))


def source_hash(source: str) -> str:
    """CSP hash source ('sha256-...') of an inline script or style."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(*pages: str, own_files: bool = False) -> str:
    """A Content-Security-Policy fit for the given HTML pages.

    It allows exactly their inline scripts and styles (by hash), fetches to
    the same origin, and no framing.

    Args:
        *pages: The HTML of the pages.
        own_files: Also allow scripts, style sheets and fonts served by
            this server ('self'), e.g. the widget's demo page.
    """
    scripts: list[str] = []
    styles: list[str] = []
    for page in pages:
        for match in INLINE.finditer(page):
            kind, source = match.group(1).lower(), match.group(3)
            if kind == "script" and EXTERNAL.search(match.group(2) or ""):
                continue  # <script src=...>: a file, nothing inline
            target = scripts if kind == "script" else styles
            hashed = source_hash(source)
            if hashed not in target:
                target.append(hashed)
    if own_files:
        scripts.insert(0, "'self'")
        styles.insert(0, "'self'")
    directives = [
        "default-src 'none'",
        "script-src " + (" ".join(scripts) or NONE),
        "style-src " + (" ".join(styles) or NONE),
        "connect-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    if own_files:
        directives.insert(4, "font-src 'self'")
    return "; ".join(directives)


def security_headers(csp: str) -> dict[str, str]:
    """Headers every reply carries."""
    return {
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def reply_headers(
    policy: Policy, request: Incoming, csp: str, status: int = 200
) -> dict[str, str]:
    """The headers a reply to `request` gets: `security_headers` plus the widget's.

    On the widget's paths: `Vary: Origin`; for its script, style sheet and
    fonts (not an error) a short public cache and `Cross-Origin-Resource-Policy:
    cross-origin` (so a plain tag on any page loads them); for a listed site
    (`listed_origin`) `Access-Control-Allow-Origin` with that origin.

    Args:
        policy: What the server accepts.
        request: The request answered (its body is not used).
        csp: The Content-Security-Policy of this reply.
        status: The reply's HTTP status.
    """
    headers = security_headers(csp)
    path = normal_path(request.path)
    if not is_widget_path(path):
        return headers
    headers["Vary"] = "Origin"
    asset = path in WIDGET_ASSETS or path.startswith(WIDGET_FONTS)
    if asset and status < 400:
        headers["Cache-Control"] = WIDGET_ASSET_CACHE
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    origin = listed_origin(policy, path, request.headers)
    if origin is not None:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return headers
