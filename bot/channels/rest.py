"""`CheckedRestInput`: Rasa's REST channel with input checks.

Same protocol and URL as Rasa's own (`POST /webhooks/rest/webhook` with
`{"sender": ..., "message": ...}`, answered with the list of bot messages), but
bad input gets a clear 400 JSON error instead of a stack trace or a 500:
non-JSON bodies, missing or wrong-typed fields, over-long messages, unsafe
sender ids (the checks of `bot.channels.checks`, shared with socket.io). A
message with an attachment is replaced by the `/send_image` intent before Rasa
sees it. When the tracker store failed during the turn, the answer is a 503
with `Retry-After`: the replies produced plus `utter_store_unavailable`.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.checks import (
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    MEDIA_KEYS,
    SEND_IMAGE,
    PayloadError,
    parse_payload,
)
from bot.channels.notice import RETRY_AFTER_SECONDS
from bot.channels.turn import handle_turn, store_notice
from bot.http.guard import on_server_start

# The checks live in bot.channels.checks (shared with socket.io); these names
# stay importable from here.
__all__ = [
    "MAX_MESSAGE_CHARS",
    "MAX_SENDER_CHARS",
    "MEDIA_KEYS",
    "SEND_IMAGE",
    "CheckedRestInput",
    "PayloadError",
    "parse_payload",
]


class CheckedRestInput(RestInput):
    """REST channel that rejects malformed requests with a 400."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel: the webhook is /webhooks/rest/webhook."""
        return "rest"

    async def root(self, request: Request) -> HTTPResponse:
        """What GET / answers: a health check."""
        return response.json({"status": "ok"})

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Health route and checked webhook (see parent class for full docstring)."""
        blueprint = Blueprint(f"checked_webhook_{type(self).__name__}", __name__)
        # The whole server (HTTP API included) passes bot/http/guard.py.
        blueprint.listener("before_server_start")(on_server_start)
        notice = store_notice()  # read at start-up: a missing text fails early

        @blueprint.route("/", methods=["GET"])
        async def root(request: Request) -> HTTPResponse:
            return await self.root(request)

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = parse_payload(request.body)
            except PayloadError as error:
                return response.json({"error": str(error)}, status=400)
            collector = CollectingOutputChannel()
            message = UserMessage(
                text, collector, sender, input_channel=self.name(), metadata=metadata
            )
            if not await handle_turn(on_new_message, message):
                return response.json(collector.messages)
            # The store failed: deliver what was produced (a crisis answer
            # included) and ask the person to send the message again.
            replies = [str(m.get("text") or "") for m in collector.messages]
            resend = {
                "recipient_id": sender,
                "text": notice.text_for(replies, text),
            }
            return response.json(
                [*collector.messages, resend],
                status=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )

        return blueprint
