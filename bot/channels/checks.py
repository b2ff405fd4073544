"""Input checks shared by every channel (REST, web chat, socket.io).

One set of rules, so no channel is a way around another's limits:

- the message is a string of at most `MAX_MESSAGE_CHARS` characters (counted
  as sent); control characters other than new line and tab, and lone
  surrogates, are removed (they are never meaningful in a chat message and
  some databases refuse them); Windows line ends become new lines;
- `metadata`, when given, is a JSON object of at most `MAX_METADATA_CHARS`
  characters once serialised;
- a message with an attachment (a `MEDIA_KEYS` key next to the message or in
  its metadata) becomes the `/send_image` intent and its metadata is dropped:
  images are never stored or forwarded;
- the conversation id (`sender` in REST, `session_id` in socket.io) is a
  string of 1 to `MAX_SENDER_CHARS` characters from `SAFE_ID_CHARS`.

Anything else raises `PayloadError` with a reason fit to show the client; the
channel refuses the message and nothing is processed or stored. Pure: no
Sanic, no Rasa.
"""

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

MAX_MESSAGE_CHARS = 4000
MAX_SENDER_CHARS = 128
MAX_METADATA_CHARS = 4000
# Letters, digits and `_ . : + -`: what uuid, hex and "web-1234" ids use.
SAFE_ID_CHARS = "A-Z a-z 0-9 _ . : + -"
_SAFE_ID = re.compile(r"[A-Za-z0-9_.:+\-]+")
# Metadata keys that carry media; such a message becomes the `send_image`
# intent and its metadata is dropped (images are never stored or forwarded).
MEDIA_KEYS = ("attachment", "attachments", "image", "images", "file", "files", "media")
SEND_IMAGE = "/send_image"
_KEPT_CONTROLS = frozenset("\n\t")


class PayloadError(ValueError):
    """The input is not a valid message; the text says why (safe to show)."""


@dataclass(frozen=True)
class Incoming:
    """One checked message.

    Attributes:
        sender: The conversation id.
        text: The message text, cleaned (or `/send_image`).
        metadata: The metadata object, or None.
    """

    sender: str
    text: str
    metadata: Optional[dict[str, Any]]


def clean_text(text: str) -> str:
    """Remove control characters (but new line and tab) and lone surrogates.

    Args:
        text: A message as received.

    Returns:
        The text with Windows line ends as new lines, without other C0/C1 control
        characters and without unpaired UTF-16 surrogates.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char
        for char in text
        if char in _KEPT_CONTROLS or unicodedata.category(char) not in ("Cc", "Cs")
    )


def check_id(value: object, field: str, allow_int: bool = False) -> str:
    """Check a conversation id (`sender` or `session_id`).

    Args:
        value: The id as received.
        field: Its name, for the error message.
        allow_int: Whether a JSON integer is accepted (REST clients send them).

    Returns:
        The id as a string.

    Raises:
        PayloadError: When it is not a safe, non-empty string of at most
            `MAX_SENDER_CHARS` characters.
    """
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"'{field}' must be a non-empty string")
    if len(value) > MAX_SENDER_CHARS:
        raise PayloadError(f"'{field}' must be at most {MAX_SENDER_CHARS} characters")
    if not _SAFE_ID.fullmatch(value):
        raise PayloadError(f"'{field}' may only contain {SAFE_ID_CHARS}")
    return value


def check_message(
    data: Mapping[str, Any], sender: str, metadata_key: str = "metadata"
) -> Incoming:
    """Check the message, metadata and attachments of one payload.

    Args:
        data: The payload object (REST body or socket.io event data).
        sender: The already checked conversation id.
        metadata_key: Where the metadata is (socket.io lets it be configured).

    Returns:
        The checked message.

    Raises:
        PayloadError: With a reason fit to show the client.
    """
    message = data.get("message")
    if not isinstance(message, str):
        raise PayloadError("'message' must be a string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise PayloadError(f"'message' must be at most {MAX_MESSAGE_CHARS} characters")
    metadata = data.get(metadata_key)
    if metadata is not None and not isinstance(metadata, dict):
        raise PayloadError(f"'{metadata_key}' must be an object")
    if any(key in data or key in (metadata or {}) for key in MEDIA_KEYS):
        return Incoming(sender, SEND_IMAGE, None)
    if metadata is not None and _json_size(metadata) > MAX_METADATA_CHARS:
        raise PayloadError(
            f"'{metadata_key}' must be at most {MAX_METADATA_CHARS} characters as JSON"
        )
    return Incoming(sender, clean_text(message), metadata)


def _json_size(value: object) -> int:
    try:
        return len(json.dumps(value))
    except (ValueError, TypeError, RecursionError):
        # Too deep or not serialisable: as good as too big.
        return MAX_METADATA_CHARS + 1


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
    incoming, _ = parse_rest_message(body)
    return incoming.sender, incoming.text, incoming.metadata


def parse_rest_message(body: bytes) -> tuple[Incoming, Optional[str]]:
    """Validate a REST message body, with its optional `message_id`.

    Args:
        body: The raw request body `{"sender", "message", "metadata"?,
            "message_id"?}`.

    Returns:
        The checked message and its `message_id` (None when not given): a
        client that retries a request sends the same id, so the repeat is
        not processed twice.

    Raises:
        PayloadError: With a message fit to show the client.
    """
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise PayloadError("the body must be JSON") from error
    if not isinstance(data, dict):
        raise PayloadError('the body must be a JSON object {"sender", "message"}')
    sender = check_id(data.get("sender"), "sender", allow_int=True)
    incoming = check_message(data, sender)
    message_id = data.get("message_id")
    if message_id is not None:
        message_id = check_id(message_id, "message_id", allow_int=True)
    return incoming, message_id


def parse_session_request(data: object) -> Optional[str]:
    """Validate a socket.io `session_request`.

    Args:
        data: The event data: None, or an object with an optional `session_id`.

    Returns:
        The session id asked for, or None when the client wants a new one.

    Raises:
        PayloadError: With a reason fit to show the client.
    """
    if data is None:
        return None
    if not isinstance(data, dict):
        raise PayloadError("'session_request' data must be an object")
    session_id = data.get("session_id")
    if session_id is None:
        return None
    return check_id(session_id, "session_id")


def parse_socket_message(data: object, metadata_key: str = "metadata") -> Incoming:
    """Validate a socket.io user message `{"message", "session_id", "metadata"}`.

    Args:
        data: The event data as received.
        metadata_key: Where the metadata is (channel setting).

    Returns:
        The checked message; `sender` is the `session_id`, or "" when the
        message has none (the channel then uses the connection's session).

    Raises:
        PayloadError: With a reason fit to show the client.
    """
    if not isinstance(data, dict):
        raise PayloadError('the message must be an object {"message", "session_id"}')
    session_id = data.get("session_id")
    sender = "" if session_id is None else check_id(session_id, "session_id")
    return check_message(data, sender, metadata_key)
