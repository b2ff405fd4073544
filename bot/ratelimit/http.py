"""The per-address rate limit on the Rasa server's public endpoints (Sanic middleware).

Installed by the HTTP guard (bot/http/guard.py) on the Rasa server. Requests
a person's own device makes (`rules.address_limited`: the REST and web chat
webhooks, the widget, socket.io, `/model/parse`) count against
RATE_LIMIT_IP per RATE_LIMIT_WINDOW for their address, across replicas when
Redis is configured. Behind reverse proxies, PROXIES_COUNT of them are
trusted to name the address in X-Forwarded-For (Sanic's `remote_addr`).

Requests from this machine (a loopback address: health checks, local tools,
a proxy on the same host that PROXIES_COUNT does not name) are not counted.

Over the limit the request is not handled: a chat webhook gets 429 with the
kind `utter_rate_limited` answer as its only reply (in the language of the
message), any other request 429 `{"error": <that answer>}`; both with
`Retry-After`.
"""

import json
import time
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.checks import PayloadError, check_id
from bot.http.checks import is_local_peer, normal_path
from bot.ratelimit.limiter import limiter
from bot.ratelimit.rules import (
    ADDRESS,
    CHAT_WEBHOOKS,
    SENDER,
    address_limited,
    seconds_left,
)
from bot.settings import Settings

INSTALLED = "bot_address_limit"


def retry_after() -> int:
    """Seconds until the current rate-limit window ends (Retry-After)."""
    limit = limiter().limits.get(SENDER)
    window = limit.window if limit and limit.window > 0 else 60.0
    return seconds_left(time.time(), window)


def install_address_limit(app: Sanic, settings: Settings) -> None:
    """Add the per-address limit to the Rasa server (idempotent).

    Args:
        app: Rasa's Sanic app (before it serves requests).
        settings: Gives PROXIES_COUNT (the limits themselves come from
            `limiter()`).
    """
    if getattr(app.ctx, INSTALLED, False):
        return
    setattr(app.ctx, INSTALLED, True)
    if settings.proxies_count > 0:
        app.config.PROXIES_COUNT = settings.proxies_count

    async def limit_address(request: Request) -> Any:
        path = normal_path(request.path)
        if not address_limited(path):
            return None
        address = str(request.remote_addr or request.ip or "")
        if is_local_peer(address):  # this machine: tools, probes, the launcher
            return None
        verdict = await limiter().check(ADDRESS, address)
        if verdict.allowed:
            return None
        return refusal(
            request.method, path, bytes(request.body or b""), verdict.retry_after
        )

    app.request_middleware.append(limit_address)


def refusal(method: str, path: str, body: bytes, seconds: int) -> HTTPResponse:
    """The 429 of a request over the address limit.

    Args:
        method: The request's method.
        path: Its normalized path.
        body: Its body (a chat webhook's names the sender and the message).
        seconds: Retry-After.
    """
    from bot.channels.turn import rate_notice

    headers = {"Retry-After": str(seconds)}
    sender, text = sender_and_text(body)
    notice = rate_notice().text_for([], text)
    if method.upper() == "POST" and path in CHAT_WEBHOOKS:
        return response.json(
            [{"recipient_id": sender, "text": notice}], status=429, headers=headers
        )
    return response.json({"error": notice}, status=429, headers=headers)


def sender_and_text(body: bytes) -> tuple[str, str]:
    """The `sender` (when a valid id) and `message` of a chat webhook body, else ""."""
    try:
        data = json.loads(body) if body else {}
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    try:
        sender = check_id(data.get("sender"), "sender", allow_int=True)
    except PayloadError:
        sender = ""  # an id that breaks the rules is never echoed
    text = data.get("message")
    return sender, text if isinstance(text, str) else ""
