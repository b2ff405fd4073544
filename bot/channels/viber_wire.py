"""Viber REST bot API: the callbacks' wire format and the messages sent.

- Callbacks: `{"event": ..., "timestamp", "message_token", "sender": {"id"},
  "message": {"type", "text"}}` signed with `X-Viber-Content-Signature: <hex
  HMAC-SHA256 of the body under the bot's token>`. Events: `webhook` (sent
  when the webhook is set), `subscribed`, `unsubscribed`,
  `conversation_started`, `message`, `delivered`, `seen`, `failed`,
  `client_status`; only `message` is a person writing. `message_token` is the
  de-duplication key. Text messages are read; pictures, videos, files,
  stickers, contacts, locations and shared links are media.
- A Viber user id is base64 (`+`, `/`, `=`): the conversation id replaces `+`
  by `-`, `/` by `_` and `=` by `.` (`conversation_id` / `viber_id`): it is
  reversible, stays within the characters a conversation id may have, and
  needs no %-escape in a URL path (Rasa's HTTP API does not decode them, so a
  helpline worker's message would otherwise go to another conversation).
- Sending: `POST {api}/send_message` with `X-Viber-Auth-Token`: `text_message`,
  with a keyboard for buttons (at most 24, one per row). A keyboard button
  replies with its title, which the chat shows as the person's message; the
  channel's button memory maps it back to the payload. An answer other than
  `{"status": 0}` is a failure (`status_message` says why).
Pure: no Sanic, no Rasa.
"""

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Optional

from bot.channels.received import Received, clip, text_of

#: The longest text message.
MAX_TEXT_CHARS = 7000
MAX_KEYBOARD_BUTTONS = 24
MAX_SENDER_NAME_CHARS = 28
MAX_ACTION_BODY_CHARS = 250
MEDIA_TYPES = frozenset(
    {"picture", "video", "file", "sticker", "contact", "location", "url", "rich_media"}
)


_TO_CONVERSATION = str.maketrans("+/=", "-_.")
_TO_VIBER = str.maketrans("-_.", "+/=")


def conversation_id(viber_id: str) -> str:
    """The conversation id for a Viber user id (base64 made URL- and id-safe)."""
    return viber_id.translate(_TO_CONVERSATION)


def viber_id(conversation: str) -> str:
    """The Viber user id of a conversation (inverse of `conversation_id`)."""
    return conversation.translate(_TO_VIBER)


def parse_callback(data: Mapping[str, Any]) -> list[Received]:
    """The person's message in one callback (empty for every other event).

    Args:
        data: The decoded body.

    Returns:
        At most one message (sender: the conversation id of the Viber user).
    """
    if data.get("event") != "message":
        return []
    sender = data.get("sender")
    message = data.get("message")
    if not isinstance(sender, dict) or not isinstance(message, dict):
        return []
    user = text_of(sender.get("id"))
    if not user:
        return []
    key = text_of(data.get("message_token"))
    kind = message.get("type")
    if kind == "text":
        return [
            Received(key, conversation_id(user), clip(text_of(message.get("text"))))
        ]
    if kind in MEDIA_TYPES:
        return [Received(key, conversation_id(user), media=True)]
    return []


def text_message(
    receiver: str,
    sender_name: str,
    text: str,
    buttons: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The body of `send_message` for a text, with a keyboard for buttons.

    Args:
        receiver: The Viber user id.
        sender_name: The bot's name as shown (cut to 28 characters).
        text: The text (at most `MAX_TEXT_CHARS`).
        buttons: Buttons as Rasa gives them; at most `MAX_KEYBOARD_BUTTONS`.

    Returns:
        The request body.
    """
    body: dict[str, Any] = {
        "receiver": receiver,
        "min_api_version": 1,
        "sender": {"name": sender_name[:MAX_SENDER_NAME_CHARS]},
        "type": "text",
        "text": text,
    }
    if buttons:
        body["keyboard"] = {
            "Type": "keyboard",
            "DefaultHeight": False,
            "Buttons": [_key(button) for button in buttons],
        }
    return body


def keyboard_fits(buttons: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the buttons fit one keyboard."""
    titles = [str(b.get("title") or "").strip() for b in buttons]
    return (
        0 < len(titles) <= MAX_KEYBOARD_BUTTONS
        and all(titles)
        and all(len(t) <= MAX_ACTION_BODY_CHARS for t in titles)
    )


def _key(button: Mapping[str, Any]) -> dict[str, Any]:
    title = str(button.get("title") or "").strip()
    return {
        "Columns": 6,
        "Rows": 1,
        "ActionType": "reply",
        "ActionBody": title,
        # The key's text is Viber markup (<b>, <font>...): shown as typed.
        "Text": escape(title, quote=False),
        "TextSize": "regular",
    }


def send_failure(answer: object) -> Optional[str]:
    """Why `send_message` failed, from its answer; None when it worked."""
    if not isinstance(answer, dict):
        return "no answer"
    status = answer.get("status")
    if status == 0:
        return None
    return f"status {status}: {text_of(answer.get('status_message')) or 'unknown'}"
