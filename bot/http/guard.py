"""Sanic middleware that applies bot/http/checks.py to every request and reply.

`install(app, settings)` protects Rasa's own server (it runs from a
`before_server_start` listener of our REST channel, so every `rasa run` with
our credentials.yml is protected); `protect(app, policy, csp)` is the generic
part, also used by bot/action_server.py. Both are idempotent.
"""

import logging
from collections.abc import Mapping
from typing import Any, Optional

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

from bot.channels.checks import MAX_MESSAGE_CHARS
from bot.http import checks
from bot.settings import Settings

logger = logging.getLogger(__name__)

INSTALLED = "bot_http_guard"


def install(app: Sanic, settings: Settings) -> None:
    """Protect the Rasa server: closed API, same-origin only, checked bodies.

    The sites of WIDGET_ORIGINS may also call socket.io and the widget's
    routes (see bot/http/checks.py); the widget's demo page gets a CSP that
    allows the widget's own files. The per-address rate limit is installed
    too (bot/ratelimit/http.py).

    Args:
        app: Rasa's Sanic app.
        settings: Gives the API token and JWT key, the allowed host names,
            the widget's sites and the rate limits.

    Raises:
        RuntimeError: RASA_HOST is beyond this machine and neither API_TOKEN
            nor JWT_SECRET is set (the server then does not start).
    """
    from bot.ratelimit.http import install_address_limit

    problem = checks.exposure_problem(
        settings.rasa_host, settings.api_token, settings.jwt_secret
    )
    if problem:
        logger.error("Not starting: %s", problem)
        raise RuntimeError(problem)
    # Imported here: the channels import this module.
    from bot.channels.webchat import chat_page
    from bot.channels.widget_files import DEMO_PATH, demo_page

    for origin in settings.widget_origins:
        if checks.normal_origin(origin) is None:
            logger.warning(
                "WIDGET_ORIGINS: %r is no origin (scheme://host[:port]); ignored",
                origin,
            )
    local = checks.is_loopback_interface(settings.rasa_host)
    policy = checks.rasa_policy(
        settings.allowed_hosts,
        settings.api_token,
        MAX_MESSAGE_CHARS,
        local_only=local,
        widget_origins=settings.widget_origins,
        jwt_secret=settings.jwt_secret or None,
        jwt_method=settings.jwt_method,
        exposed=not local,
    )
    pages = {DEMO_PATH: checks.content_security_policy(demo_page(), own_files=True)}
    protect(app, policy, checks.content_security_policy(chat_page()), pages)
    install_address_limit(app, settings)


async def on_server_start(app: Sanic, loop: Any) -> None:
    """`before_server_start` listener that installs the guard from the env."""
    install(app, Settings.from_env())


def protect(
    app: Sanic,
    policy: checks.Policy,
    csp: str,
    pages: Optional[Mapping[str, str]] = None,
) -> None:
    """Register the request check, the reply headers and the error handler.

    The request check runs before any other middleware (also before CORS's
    automatic OPTIONS answer); the reply middleware runs last, after CORS's,
    so it can remove every `Access-Control-*` header: no CORS but the
    widget's (`checks.reply_headers`).

    Args:
        app: The Sanic app to protect (before it serves requests).
        policy: What the server accepts.
        csp: The Content-Security-Policy of every reply.
        pages: Normalized path -> the CSP of that page instead of `csp`.
    """
    if getattr(app.ctx, INSTALLED, False):
        return
    setattr(app.ctx, INSTALLED, True)
    # Larger bodies are refused while their headers arrive (413), unread.
    app.config.REQUEST_MAX_SIZE = policy.max_body_bytes
    headers = checks.security_headers(csp)
    page_csp = dict(pages or {})

    async def check_request(request: Request) -> Optional[HTTPResponse]:
        seen = incoming(request)
        refusal = checks.check_request(policy, seen)
        if refusal is not None:
            return reply(refusal, headers)
        cleaned = checks.cleaned_body(policy, seen.method, seen.path, seen.body)
        if cleaned is not None:
            request.body = cleaned
            request.parsed_json = None
        return None

    async def secure_reply(
        request: Request, sent: BaseHTTPResponse
    ) -> Optional[HTTPResponse]:
        status = int(sent.status or 200)
        replacement = checks.error_reply(
            status, sent.content_type or "", bytes(sent.body or b"")
        )
        if replacement is not None:
            return reply(replacement, headers)
        # A name may be given twice (engine.io does): remove every value once.
        for name in {
            n.lower() for n in sent.headers if n.lower().startswith("access-control-")
        }:
            sent.headers.popall(name, None)
        seen = checks.Incoming(request.method, request.path, lowered(request))
        path = checks.normal_path(request.path)
        page = page_csp.get(path, csp)
        sent.headers.update(checks.reply_headers(policy, seen, page, status))
        return None

    def on_exception(request: Request, error: Exception) -> HTTPResponse:
        status = error.status_code if isinstance(error, SanicException) else 500
        if status >= 500:
            logger.error("unhandled %s on %s", type(error).__name__, request.method)
        return reply(
            checks.error_reply(status, "", b"")
            or checks.Refusal(500, "internal error"),
            headers,
        )

    app.request_middleware.appendleft(check_request)
    app.response_middleware.append(secure_reply)
    app.error_handler.add(Exception, on_exception)


def lowered(request: Request) -> dict[str, str]:
    """Request headers by lower-case name (the first value of each)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    # Headers given twice: the first value counts (as Sanic's own `get`).
    for name in list(headers):
        headers[name] = request.headers.get(name, "")
    return headers


def incoming(request: Request) -> checks.Incoming:
    """The checks' view of a Sanic request."""
    return checks.Incoming(
        method=request.method,
        path=request.path,
        headers=lowered(request),
        body=bytes(request.body or b""),
        peer=str(request.ip or ""),
    )


def reply(refusal: checks.Refusal, headers: dict[str, str]) -> HTTPResponse:
    """The JSON reply of a refusal, with the security headers."""
    return response.json(
        refusal.body,
        status=refusal.status,
        headers={**headers, **dict(refusal.headers)},
    )
