"""`CheckedRestInput`: Rasa's REST channel with input checks.

Same protocol and URL as Rasa's own (`POST /webhooks/rest/webhook` with
`{"sender": ..., "message": ...}`, answered with the list of bot messages), but
bad input gets a clear 400 JSON error instead of a stack trace or a 500:
non-JSON bodies, missing or wrong-typed fields, over-long messages. A message
with an attachment is replaced by the `/send_image` intent before Rasa sees it.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

MAX_MESSAGE_CHARS = 4000
MAX_SENDER_CHARS = 128
# Metadata keys that carry media; such a message becomes the `send_image`
# intent and its metadata is dropped (images are never stored or forwarded).
MEDIA_KEYS = ("attachment", "attachments", "image", "images", "file", "files", "media")
SEND_IMAGE = "/send_image"


class PayloadError(ValueError):
    """The request body is not a valid message; the text says why."""


def parse_payload(body: bytes) -> tuple[str, str, Optional[dict[str, Any]]]:
    """Validate a REST message body.

    Args:
        body: The raw request body.

    Returns:
        (sender, message, metadata); a message with an attachment becomes the
        `/send_image` intent, without its metadata.

    Raises:
        PayloadError: With a message fit to show the client.
    """
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError("the body must be JSON") from error
    if not isinstance(data, dict):
        raise PayloadError('the body must be a JSON object {"sender", "message"}')
    sender, message = data.get("sender"), data.get("message")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise PayloadError("'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS:
        raise PayloadError(f"'sender' must be at most {MAX_SENDER_CHARS} characters")
    if not isinstance(message, str):
        raise PayloadError("'message' must be a string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise PayloadError(f"'message' must be at most {MAX_MESSAGE_CHARS} characters")
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise PayloadError("'metadata' must be an object")
    if any(key in data or key in (metadata or {}) for key in MEDIA_KEYS):
        return sender, SEND_IMAGE, None
    return sender, message, metadata


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
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    sender,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )
            return response.json(collector.messages)

        return blueprint
