"""Sanic middleware of the console: checks every request, secures every reply.

Before any handler (also before Sanic answers 404 or 405): the pure checks of
bot/handoff/checks.py, then the staff session (cookie or Bearer), 401 for
/api without one, and the CSRF token of cookie requests that change state.
Every reply gets the security headers; error replies of /api and /internal
become `{"error": "..."}` JSON; no exception ever shows a stack trace.
"""

import logging
from typing import Optional

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

from bot.handoff import checks
from bot.handoff.auth import authenticate, service_of
from bot.handoff.service import ServiceError
from bot.http import checks as http_checks
from bot.http.checks import STATE_CHANGING
from bot.http.guard import incoming

logger = logging.getLogger(__name__)


def install(app: Sanic, policy: checks.ConsolePolicy) -> None:
    """Register the request gate, the reply headers and the error handler."""
    app.config.REQUEST_MAX_SIZE = checks.MAX_INTERNAL_BODY

    async def gate(request: Request) -> Optional[HTTPResponse]:
        # Also run again by Sanic before an error reply: decide only once.
        if getattr(request.ctx, "gated", False):
            return None
        refusal = await check(request, policy)
        request.ctx.gated = refusal is None
        if refusal is not None:
            return reply(request.path, refusal)
        return None

    async def secure_reply(
        request: Request, sent: BaseHTTPResponse
    ) -> Optional[HTTPResponse]:
        status = int(sent.status or 200)
        if status >= 400 and sent.body is not None:
            replacement = checks.error_reply(
                request.path, status, sent.content_type or "", bytes(sent.body)
            )
            if replacement is not None:
                return reply(request.path, replacement)
        sent.headers.update(checks.reply_headers(request.path))
        return None

    def on_exception(request: Request, error: Exception) -> HTTPResponse:
        if isinstance(error, ServiceError):
            return reply(request.path, http_checks.Refusal(error.status, error.message))
        status = error.status_code if isinstance(error, SanicException) else 500
        if status >= 500:
            logger.error(
                "Unhandled %s on %s %s",
                type(error).__name__,
                request.method,
                checks.area(request.path),
            )
        refusal = http_checks.error_reply(status, "", b"") or http_checks.Refusal(
            500, "internal error"
        )
        return reply(request.path, refusal)

    app.request_middleware.appendleft(gate)
    app.response_middleware.append(secure_reply)
    app.error_handler.add(Exception, on_exception)


async def check(
    request: Request, policy: checks.ConsolePolicy
) -> Optional[http_checks.Refusal]:
    """The refusal of a request, or None to let it through."""
    seen = incoming(request)
    refusal = checks.check_request(policy, seen)
    if refusal is not None:
        return refusal
    if checks.area(request.path) in ("internal", "static"):
        return None
    auth = await authenticate(request)
    if auth is None:
        if checks.needs_session(request.method, request.path):
            return checks.UNAUTHORIZED
        if checks.area(request.path) == "api" and request.method in STATE_CHANGING:
            return checks.check_json_body(seen.headers, seen.body)  # /api/login
        return None
    if checks.area(request.path) == "api" and request.method in STATE_CHANGING:
        refusal = checks.check_json_body(seen.headers, seen.body)
        if refusal is not None:
            return refusal
    if auth.kind == "cookie" and checks.needs_csrf(request.method, request.path):
        given = request.headers.get(checks.CSRF_HEADER)
        if given is None and checks.is_form(request.content_type or ""):
            given = (request.form or {}).get(checks.CSRF_FIELD)
        if not service_of(request).csrf_matches(auth.token, given):
            return checks.BAD_CSRF
    return None


def reply(path: str, refusal: http_checks.Refusal) -> HTTPResponse:
    """The JSON reply of a refusal, with the security headers."""
    return response.json(
        refusal.body,
        status=refusal.status,
        headers={**checks.reply_headers(path), **dict(refusal.headers)},
    )
