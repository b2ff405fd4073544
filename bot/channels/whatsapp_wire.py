"""WhatsApp Cloud API: the webhook's wire format and the messages sent.

- Verification: Meta calls `GET ...?hub.mode=subscribe&hub.verify_token=T&
  hub.challenge=C`; the challenge is echoed only when T is the verify token
  (`challenge_answer`).
- Webhook: `{"object": "whatsapp_business_account", "entry": [{"changes":
  [{"field": "messages", "value": {"metadata": {"phone_number_id"},
  "messages": [...], "statuses": [...]}}]}]}`, signed with
  `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body under the app
  secret>`. `parse_webhook` reads the messages (statuses are ignored): text,
  interactive replies (`button_reply` / `list_reply`: their id is the payload),
  template quick-reply buttons; images, audio, video, documents, stickers,
  locations, contacts and unsupported messages are media.
- Sending: `POST {api}/{phone_number_id}/messages` with a Bearer token:
  `text_message`, and for buttons `buttons_message`: reply buttons (at most 3,
  titles of at most 20 characters), else a list (at most 10 rows; a title
  longer than a row's 24 characters is cut and given whole as the row's
  description), else None (the channel sends numbered text).
Pure: no Sanic, no Rasa.
"""

import hmac
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from bot.channels.received import Received, clip, objects, text_of, truncated

#: The longest text message.
MAX_TEXT_CHARS = 4096
#: Interactive messages: body lengths, reply buttons and list rows.
MAX_BUTTON_BODY_CHARS = 1024
MAX_LIST_BODY_CHARS = 4096
MAX_BUTTONS = 3
MAX_BUTTON_TITLE_CHARS = 20
MAX_BUTTON_ID_CHARS = 256
MAX_ROWS = 10
MAX_ROW_TITLE_CHARS = 24
MAX_ROW_DESCRIPTION_CHARS = 72
MAX_ROW_ID_CHARS = 200
#: The label of the button that opens a list (at most 20 characters): a
#: symbol, so no language is assumed.
LIST_LABEL = "☰"
#: The longest challenge echoed (Meta's are short numbers).
MAX_CHALLENGE_CHARS = 256
#: Message types that are not a person's words.
IGNORED_TYPES = frozenset({"reaction", "system", "request_welcome", "ephemeral"})


def challenge_answer(
    verify_token: str,
    mode: Optional[str],
    token: Optional[str],
    challenge: Optional[str],
) -> Optional[str]:
    """What the verification request is answered with.

    Args:
        verify_token: The configured verify token (empty: never verified).
        mode: `hub.mode` as received.
        token: `hub.verify_token` as received.
        challenge: `hub.challenge` as received.

    Returns:
        The challenge to echo, or None when the request must be refused.
    """
    if not verify_token or mode != "subscribe" or not token or not challenge:
        return None
    if len(challenge) > MAX_CHALLENGE_CHARS:
        return None
    if not hmac.compare_digest(
        token.encode("utf-8", "surrogateescape"), verify_token.encode("utf-8")
    ):
        return None
    return challenge


def parse_webhook(data: Mapping[str, Any], phone_number_id: str) -> list[Received]:
    """The people's messages in one webhook call.

    Args:
        data: The decoded body.
        phone_number_id: This channel's number; messages sent to another
            number of the same app are not for it and are left out.

    Returns:
        The messages in order (sender: the person's WhatsApp id, `wa_id`).
    """
    found: list[Received] = []
    for entry in objects(data.get("entry")):
        for change in objects(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            metadata = value.get("metadata")
            number = (
                metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            )
            if phone_number_id and text_of(number) != phone_number_id:
                continue
            for message in objects(value.get("messages")):
                item = read_message(message)
                if item is not None:
                    found.append(item)
    return found


def read_message(message: Mapping[str, Any]) -> Optional[Received]:
    """One message object, or None when it is not something a person said."""
    sender = text_of(message.get("from"))
    kind = text_of(message.get("type"))
    key = text_of(message.get("id"))
    if not sender or kind in IGNORED_TYPES:
        return None
    if kind == "text":
        text = message.get("text")
        body = text.get("body") if isinstance(text, dict) else None
        return Received(key, sender, clip(text_of(body)))
    if kind == "interactive":
        return _interactive(key, sender, message.get("interactive"))
    if kind == "button":  # a template's quick-reply button
        button = message.get("button")
        if isinstance(button, dict):
            payload = text_of(button.get("payload")) or text_of(button.get("text"))
            return Received(key, sender, clip(payload))
        return None
    return Received(key, sender, media=True)


def _interactive(key: str, sender: str, interactive: object) -> Optional[Received]:
    if not isinstance(interactive, dict):
        return None
    kind = text_of(interactive.get("type"))
    reply = interactive.get(kind)
    if kind in ("button_reply", "list_reply") and isinstance(reply, dict):
        payload = text_of(reply.get("id")) or text_of(reply.get("title"))
        return Received(key, sender, clip(payload))
    return None


def text_message(to: str, text: str) -> dict[str, Any]:
    """The body that sends a text (at most `MAX_TEXT_CHARS`)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": False, "body": text},
    }


def buttons_message(
    to: str, text: str, buttons: Sequence[Mapping[str, Any]]
) -> Optional[dict[str, Any]]:
    """The interactive body that shows the buttons, when WhatsApp can show them.

    Args:
        to: The person's WhatsApp id.
        text: The message text (the interactive body; it cannot be empty).
        buttons: Buttons as Rasa gives them (`title`, `payload`).

    Returns:
        Reply buttons, or a list, or None when neither fits (too many buttons,
        a title too long, a text too long, an empty text or title).
    """
    pairs = [_pair(button) for button in buttons]
    titles = [title for title, _ in pairs]
    ids = [payload for _, payload in pairs]
    if not text.strip() or not pairs or not all(titles) or len(set(ids)) < len(ids):
        return None
    if (
        len(pairs) <= MAX_BUTTONS
        and len(text) <= MAX_BUTTON_BODY_CHARS
        and len(set(titles)) == len(titles)
        and all(len(title) <= MAX_BUTTON_TITLE_CHARS for title in titles)
        and all(len(payload) <= MAX_BUTTON_ID_CHARS for payload in ids)
    ):
        action: dict[str, Any] = {
            "buttons": [
                {"type": "reply", "reply": {"id": payload, "title": title}}
                for title, payload in pairs
            ]
        }
        return _interactive_body(to, "button", text, action)
    if (
        len(pairs) <= MAX_ROWS
        and len(text) <= MAX_LIST_BODY_CHARS
        and all(len(title) <= MAX_ROW_DESCRIPTION_CHARS for title in titles)
        and all(len(payload) <= MAX_ROW_ID_CHARS for payload in ids)
    ):
        action = {
            "button": LIST_LABEL,
            "sections": [{"rows": [_row(title, payload) for title, payload in pairs]}],
        }
        return _interactive_body(to, "list", text, action)
    return None


def _pair(button: Mapping[str, Any]) -> tuple[str, str]:
    title = str(button.get("title") or "").strip()
    return title, str(button.get("payload") or title)


def _row(title: str, payload: str) -> dict[str, str]:
    row = {"id": payload, "title": truncated(title, MAX_ROW_TITLE_CHARS)}
    if row["title"] != title:
        row["description"] = title
    return row


def _interactive_body(
    to: str, kind: str, text: str, action: dict[str, Any]
) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "interactive",
        "interactive": {"type": kind, "body": {"text": text}, "action": action},
    }
