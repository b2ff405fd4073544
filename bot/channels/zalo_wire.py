"""Zalo Official Account API: the webhook's wire format and the messages sent.

- Webhook: `{"app_id", "event_name", "sender": {"id"}, "recipient": {"id"},
  "message": {"msg_id", "text" | "attachments"}, "timestamp"}` with
  `X-ZEvent-Signature: mac=<hex SHA-256 of app_id + body + timestamp + OA
  secret key>` (a plain SHA-256 of the concatenation, not an HMAC; the app id
  is the configured one, the timestamp the body's top-level `timestamp`,
  the body the raw bytes; Zalo's webhook documentation, "Xác thực
  Webhook"). `parse_webhook` reads `user_send_text`; `user_send_image`,
  `_gif`, `_sticker`, `_file`, `_audio`, `_video`, `_link`, `_location` and
  `_business_card` are media. Every other event (follows, the OA's own
  messages, reactions...) is left out. `msg_id` is the de-duplication key.
- Sending: `POST {api}/v3.0/oa/message/cs` with the header `access_token`:
  `{"recipient": {"user_id"}, "message": {"text"}}` (a "consultation"
  message: Zalo delivers it only within its window after the person's last
  message). Buttons: `attachment.payload.buttons` of type `oa.query.show`
  (at most 5): the title is sent back as the person's message and mapped to
  the payload by the channel's button memory. An answer other than
  `{"error": 0}` is a failure.
Pure: no Sanic, no Rasa.
"""

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from bot.channels.received import Received, clip, text_of

#: The longest text message.
MAX_TEXT_CHARS = 2000
MAX_BUTTONS = 5
MAX_BUTTON_TITLE_CHARS = 100
MAX_BUTTON_PAYLOAD_CHARS = 1000
MEDIA_EVENTS = frozenset(
    {
        "user_send_image",
        "user_send_gif",
        "user_send_sticker",
        "user_send_file",
        "user_send_audio",
        "user_send_video",
        "user_send_link",
        "user_send_location",
        "user_send_business_card",
    }
)
SIGNATURE_PREFIX = "mac="


def timestamp_of(data: Mapping[str, Any]) -> str:
    """The body's top-level `timestamp` as Zalo signs it ("" when missing)."""
    return text_of(data.get("timestamp"))


def expected_signature(app_id: str, secret: str, body: bytes, timestamp: str) -> str:
    """The hex signature Zalo sends for a body.

    Args:
        app_id: The configured Zalo app id.
        secret: The Official Account's secret key.
        body: The raw request body.
        timestamp: The body's `timestamp` (`timestamp_of`).

    Returns:
        SHA-256 (hex) of app_id + body + timestamp + secret.
    """
    signed = app_id.encode() + body + timestamp.encode() + secret.encode()
    return hashlib.sha256(signed).hexdigest()


def signature_valid(
    app_id: str, secret: str, body: bytes, timestamp: str, given: Optional[str]
) -> bool:
    """Whether `X-ZEvent-Signature` is right (with or without "mac=").

    Args:
        app_id: The configured Zalo app id (empty: never valid).
        secret: The Official Account's secret key (empty: never valid).
        body: The raw request body.
        timestamp: The body's `timestamp` (empty: never valid).
        given: The header as received (None when missing).

    Returns:
        True only for the right signature, compared in constant time.
    """
    if not app_id or not secret or not timestamp or not given:
        return False
    value = given.strip()
    if value.lower().startswith(SIGNATURE_PREFIX):
        value = value[len(SIGNATURE_PREFIX) :].strip()
    expected = expected_signature(app_id, secret, body, timestamp)
    try:
        return hmac.compare_digest(expected.encode(), value.lower().encode("ascii"))
    except UnicodeEncodeError:
        return False


def parse_webhook(data: Mapping[str, Any]) -> list[Received]:
    """The person's message in one webhook call (empty for other events).

    Args:
        data: The decoded body.

    Returns:
        At most one message (sender: the person's id for this OA).
    """
    event = data.get("event_name")
    if event != "user_send_text" and event not in MEDIA_EVENTS:
        return []
    sender = data.get("sender")
    message = data.get("message")
    user = text_of(sender.get("id")) if isinstance(sender, dict) else ""
    if not user or not isinstance(message, dict):
        return []
    key = text_of(message.get("msg_id")) or text_of(message.get("mid"))
    if event == "user_send_text":
        return [Received(key, user, clip(text_of(message.get("text"))))]
    return [Received(key, user, media=True)]


def text_message(
    user_id: str, text: str, buttons: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """The body of a consultation message, with buttons when given.

    Args:
        user_id: The person's id.
        text: The text (at most `MAX_TEXT_CHARS`).
        buttons: Buttons as Rasa gives them (at most `MAX_BUTTONS`).

    Returns:
        The request body.
    """
    message: dict[str, Any] = {"text": text}
    if buttons:
        message["attachment"] = {
            "type": "template",
            "payload": {
                "buttons": [
                    {
                        "title": str(b.get("title") or "").strip(),
                        "type": "oa.query.show",
                        "payload": str(b.get("title") or "").strip(),
                    }
                    for b in buttons
                ]
            },
        }
    return {"recipient": {"user_id": user_id}, "message": message}


def buttons_fit(text: str, buttons: Sequence[Mapping[str, Any]]) -> bool:
    """Whether Zalo can show these buttons under the text."""
    titles = [str(b.get("title") or "").strip() for b in buttons]
    return (
        bool(text.strip())
        and 0 < len(titles) <= MAX_BUTTONS
        and all(titles)
        and all(len(t) <= MAX_BUTTON_TITLE_CHARS for t in titles)
    )


def send_failure(answer: object) -> Optional[str]:
    """Why a send failed, from Zalo's answer; None when it worked."""
    if not isinstance(answer, dict):
        return "no answer"
    error = answer.get("error")
    if error == 0:
        return None
    return f"error {error}: {text_of(answer.get('message')) or 'unknown'}"
