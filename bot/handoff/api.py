"""The staff JSON API under /api (session cookie or `Authorization: Bearer`).

The guard has already refused requests without a valid session (401), with
a wrong CSRF token (403), a non-JSON body (415) or a too large one (413).
Handlers parse the body (bot/handoff/bodies.py) and call the service; every
error is `{"error": "..."}` with its status.
"""

import asyncio
import json
import logging
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff import bodies
from bot.handoff.accounts import StaffView
from bot.handoff.auth import (
    authenticate,
    csrf_token,
    login,
    logout,
    service_of,
    set_session_cookie,
)
from bot.handoff.hub import Change
from bot.handoff.queue import can_see
from bot.handoff.service import Authenticated, ServiceError

logger = logging.getLogger(__name__)

#: Seconds between keep-alive comments on a live stream.
KEEPALIVE_SECONDS = 15.0

blueprint = Blueprint("console_api", url_prefix="/api")


def error(status: int, message: str) -> HTTPResponse:
    """A JSON error reply."""
    return response.json({"error": message}, status=status)


def body_of(request: Request) -> Any:
    """The decoded JSON body.

    Raises:
        ServiceError: 400 when the body is not JSON.
    """
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ServiceError(400, "the body must be JSON") from None


def parsed(parse: Any, request: Request) -> Any:
    """Apply a `bodies.parse_*` to the body (BodyError -> 400)."""
    try:
        return parse(body_of(request))
    except bodies.BodyError as problem:
        raise ServiceError(400, str(problem)) from None


async def signed_in(request: Request) -> Authenticated:
    """The request's session (the guard guarantees one under /api)."""
    auth = await authenticate(request)
    if auth is None:  # pragma: no cover - the guard answered 401 already
        raise ServiceError(401, "sign in first")
    return auth


@blueprint.post("/login")
async def api_login(request: Request) -> HTTPResponse:
    """`{"username", "password"}` -> cookie + `{"token", "csrf_token", ...}`."""
    username, password = parsed(bodies.parse_login, request)
    result = await login(request, username, password, bearer=True)
    if result.staff is None or result.token is None:
        return error(result.status, result.error or "log-in refused")
    reply = response.json(
        {
            "token": result.bearer,
            "csrf_token": result.csrf,
            **result.staff.as_json(),
        }
    )
    set_session_cookie(reply, result.token)
    return reply


@blueprint.post("/logout")
async def api_logout(request: Request) -> HTTPResponse:
    """End this log-in (cookie and Bearer token)."""
    reply = response.json({"ok": True})
    await logout(request, reply)
    return reply


@blueprint.get("/me")
async def me(request: Request) -> HTTPResponse:
    """Who is signed in, and the CSRF token of a cookie session."""
    auth = await signed_in(request)
    return response.json({**auth.staff.as_json(), "csrf_token": csrf_token(request)})


@blueprint.get("/handoffs")
async def list_handoffs(request: Request) -> HTTPResponse:
    """Waiting and active hand-offs you may see, or `?status=`."""
    auth = await signed_in(request)
    status = request.args.get("status") or None
    return response.json(await service_of(request).queue(auth.staff, status))


@blueprint.get("/handoffs/<handoff_id:int>")
async def handoff_detail(request: Request, handoff_id: int) -> HTTPResponse:
    """One hand-off with its transcript."""
    auth = await signed_in(request)
    return response.json(await service_of(request).detail(auth.staff, handoff_id))


@blueprint.post("/handoffs/<handoff_id:int>/claim")
async def claim(request: Request, handoff_id: int) -> HTTPResponse:
    """Take a waiting hand-off."""
    auth = await signed_in(request)
    return response.json(await service_of(request).claim(auth.staff, handoff_id))


@blueprint.post("/handoffs/<handoff_id:int>/messages")
async def send_message(request: Request, handoff_id: int) -> HTTPResponse:
    """`{"text"}`: write to the person."""
    auth = await signed_in(request)
    text = parsed(bodies.parse_message, request)
    return response.json(await service_of(request).send(auth.staff, handoff_id, text))


@blueprint.post("/handoffs/<handoff_id:int>/close")
async def close(request: Request, handoff_id: int) -> HTTPResponse:
    """`{"outcome"}`: close it; the bot resumes."""
    auth = await signed_in(request)
    outcome = parsed(bodies.parse_close, request)
    return response.json(
        await service_of(request).close(auth.staff, handoff_id, outcome)
    )


@blueprint.post("/handoffs/<handoff_id:int>/transfer")
async def transfer(request: Request, handoff_id: int) -> HTTPResponse:
    """`{"to": username|null, "language"?}`: back to the queue for someone."""
    auth = await signed_in(request)
    to, language = parsed(bodies.parse_transfer, request)
    return response.json(
        await service_of(request).transfer(auth.staff, handoff_id, to, language)
    )


@blueprint.get("/audit")
async def audit(request: Request) -> HTTPResponse:
    """The newest audit entries (supervisors; `?limit=` up to 1000)."""
    auth = await signed_in(request)
    limit_text = request.args.get("limit", "200")
    if not limit_text.isdigit():
        return error(400, "'limit' must be a whole number")
    return response.json(await service_of(request).audit(auth.staff, int(limit_text)))


@blueprint.get("/outcomes")
async def outcomes(request: Request) -> HTTPResponse:
    """The outcome codes for closing (data/handoff.yml)."""
    await signed_in(request)
    return response.json(service_of(request).outcomes)


@blueprint.get("/staff")
async def staff(request: Request) -> HTTPResponse:
    """Enabled colleagues and whether they are online (for transfers)."""
    auth = await signed_in(request)
    return response.json(await service_of(request).staff_list(auth.staff))


def sse(event: str, data: Any) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@blueprint.get("/stream")
async def stream(request: Request) -> None:
    """Server-sent events: `queue`, `handoff` and `message` (see the README)."""
    auth = await signed_in(request)
    service = service_of(request)
    keepalive = float(getattr(request.app.ctx, "keepalive", KEEPALIVE_SECONDS))
    subscription = service.hub.subscribe()
    service.presence.stream_opened(auth.staff.id, service.clock())
    try:
        reply = await request.respond(
            content_type="text/event-stream; charset=utf-8",
            headers={"X-Accel-Buffering": "no"},
        )
        await reply.send(": connected\n\n")
        await reply.send(sse("queue", await service.queue(auth.staff)))
        while True:
            change = await subscription.get(keepalive)
            if change is None:
                if await service.authenticate(auth.token) is None:
                    break  # logged out, disabled or expired: stop streaming
                service.presence.seen(auth.staff.id, service.clock())
                await reply.send(": keep-alive\n\n")
                continue
            changes = [change]
            while not subscription.queue.empty():
                changes.append(subscription.queue.get_nowait())
            lost, subscription.overflowed = subscription.overflowed, False
            for text in await stream_events(service, auth.staff, changes, lost):
                await reply.send(text)
        await reply.eof()
    except asyncio.CancelledError:
        raise
    finally:
        service.hub.unsubscribe(subscription)
        service.presence.stream_closed(auth.staff.id, service.clock())


async def stream_events(
    service: Any, staff: StaffView, changes: list[Change], lost: bool = False
) -> list[str]:
    """The events one staff member gets for a burst of changes.

    Each change they may see becomes a `handoff` or `message` event; one
    `queue` event with their whole visible list follows when anything in the
    queue changed, or when changes were `lost` (a stream that fell behind).
    """
    events: list[str] = []
    queue_changed = lost
    for change in changes:
        record = change.data.get("record")
        if change.kind == "handoff":
            queue_changed = True
        if record is None or not can_see(staff.viewer, record):
            continue
        if change.kind == "handoff":
            events.append(sse("handoff", await service.item(record)))
        elif change.kind == "message":
            events.append(sse("message", change.data["message"]))
    if queue_changed:
        events.append(sse("queue", await service.queue(staff)))
    return events
