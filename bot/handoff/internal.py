"""The internal API under /internal: the Rasa side (actions, event broker) only.

The guard lets only `Authorization: Bearer <SERVICE_TOKEN>` through (401
otherwise, and always when no service token is configured); staff sessions
never open these routes. Bodies are checked by bot/handoff/bodies.py.
"""

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff import bodies
from bot.handoff.api import parsed
from bot.handoff.auth import service_of
from bot.handoff.service import ServiceError

blueprint = Blueprint("console_internal", url_prefix="/internal")


@blueprint.post("/handoffs")
async def create(request: Request) -> HTTPResponse:
    """Open (or find) the hand-off of a conversation; availability and wait."""
    wanted = parsed(bodies.parse_create, request)
    return response.json(await service_of(request).create(wanted))


@blueprint.post("/handoffs/cancel")
async def cancel(request: Request) -> HTTPResponse:
    """`{"conversation_id"}`: the person stopped waiting."""
    conversation_id = parsed(bodies.parse_cancel, request)
    return response.json(
        {"cancelled": await service_of(request).cancel(conversation_id)}
    )


@blueprint.get("/handoffs/status")
async def status(request: Request) -> HTTPResponse:
    """`?conversation_id=`: the open hand-off's state, or status "none"."""
    try:
        conversation_id = bodies.conversation_id(request.args.get("conversation_id"))
    except bodies.BodyError as problem:
        raise ServiceError(400, str(problem)) from None
    return response.json(await service_of(request).status(conversation_id))


@blueprint.post("/events")
async def events(request: Request) -> HTTPResponse:
    """`{"events": [...]}`: user and bot lines of conversations handed off."""
    batch = parsed(bodies.parse_events, request)
    return response.json({"accepted": await service_of(request).events(batch)})
