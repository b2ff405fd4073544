"""What a messaging app delivered, read from its webhook body, before any check.

Each app's wire module (`whatsapp_wire`, `line_wire`, `viber_wire`,
`zalo_wire`) turns one webhook body into a list of `Received`; the channel
then drops repeats (`key`), applies the shared input rules and runs the turn.
Pure: no Sanic, no Rasa.
"""

import json
from dataclasses import dataclass
from typing import Any

from bot.channels.checks import MAX_MESSAGE_CHARS, PayloadError


@dataclass(frozen=True)
class Received:
    """One message from a person, as the platform delivered it.

    Attributes:
        key: The delivery's id (message id, webhook event id...), used to
            process a redelivery once; "" when the platform gives none.
        sender: The person's id on the platform, as the channel uses it for
            the conversation (see each wire module).
        text: The text, or a button's payload; "" for media.
        media: Whether the person sent an image, a file, a sticker, a
            location... (never stored or forwarded: the standard answer).
        reply_token: LINE's reply token ("" elsewhere or when unusable).
    """

    key: str
    sender: str
    text: str = ""
    media: bool = False
    reply_token: str = ""


def read_json_object(body: bytes) -> dict[str, Any]:
    """The JSON object of a webhook body.

    Args:
        body: The raw request body.

    Returns:
        The decoded object.

    Raises:
        PayloadError: When the body is not a JSON object.
    """
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise PayloadError("the body must be JSON") from error
    if not isinstance(data, dict):
        raise PayloadError("the body must be a JSON object")
    return data


def clip(text: str) -> str:
    """A message cut to the longest text the assistant reads.

    A platform delivers what the person typed; refusing an over-long message
    would leave them without an answer, so the start of it is kept instead
    (a crisis is still recognised in it).
    """
    return text[:MAX_MESSAGE_CHARS]


def objects(value: object) -> list[dict[str, Any]]:
    """The JSON objects of a list (anything else gives an empty list)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def text_of(value: object) -> str:
    """A JSON value as text ("" unless it is a string or a number)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, (str, int)):
        return str(value)
    return ""


def truncated(text: str, limit: int) -> str:
    """A label cut to `limit` characters, with "…" when it was longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
