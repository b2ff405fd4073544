"""LINE Messaging API: the webhook's wire format and the messages sent.

- Webhook: `{"destination": ..., "events": [...]}` signed with `X-Line-Signature:
  <base64 HMAC-SHA256 of the body under the channel secret>`. The console's
  "Verify" button sends `{"events": []}`. `parse_webhook` reads one-to-one
  chats (`source.type == "user"`) in active mode: text messages, postbacks
  (their `data` is a button's payload), and images, videos, audio, files,
  locations and stickers as media. Each event has a `webhookEventId`, the
  same when LINE delivers it again (`deliveryContext.isRedelivery`): it is
  the de-duplication key. A redelivered event's reply token is not used
  (it has likely expired): the answer is pushed.
- Sending: `POST {api}/v2/bot/message/reply` `{"replyToken", "messages"}` (one
  use, soon expired) or `POST {api}/v2/bot/message/push` `{"to", "messages"}`,
  at most 5 messages per call, Bearer token. Buttons become quick replies (at
  most 13; a label longer than 20 characters is cut, the whole title is what
  the chat shows as the person's answer); a postback carries the payload
  (`data`, at most 300 characters), else the title is sent as a message and
  mapped back to the payload by the channel's button memory.
Pure: no Sanic, no Rasa.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from bot.channels.received import Received, clip, objects, text_of, truncated

#: The longest text message.
MAX_TEXT_CHARS = 5000
#: Messages per reply or push call.
MAX_MESSAGES_PER_CALL = 5
MAX_QUICK_REPLIES = 13
MAX_LABEL_CHARS = 20
MAX_POSTBACK_DATA_CHARS = 300
MAX_DISPLAY_TEXT_CHARS = 300
MEDIA_TYPES = frozenset({"image", "video", "audio", "file", "location", "sticker"})


def parse_webhook(data: Mapping[str, Any]) -> list[Received]:
    """The people's messages in one webhook call.

    Args:
        data: The decoded body.

    Returns:
        The messages in order (sender: the LINE user id); follows, unfollows,
        group and room events, standby-mode events and the like are left out.
    """
    found: list[Received] = []
    for event in objects(data.get("events")):
        item = read_event(event)
        if item is not None:
            found.append(item)
    return found


def read_event(event: Mapping[str, Any]) -> Optional[Received]:
    """One event, or None when it is not a person writing to the bot."""
    source = event.get("source")
    if not isinstance(source, dict) or source.get("type") != "user":
        return None
    if event.get("mode", "active") != "active":
        return None
    sender = text_of(source.get("userId"))
    key = text_of(event.get("webhookEventId"))
    context = event.get("deliveryContext")
    redelivered = isinstance(context, dict) and context.get("isRedelivery") is True
    token = "" if redelivered else text_of(event.get("replyToken"))
    if not sender:
        return None
    kind = event.get("type")
    if kind == "postback":
        postback = event.get("postback")
        data = postback.get("data") if isinstance(postback, dict) else None
        return Received(key, sender, clip(text_of(data)), reply_token=token)
    if kind != "message":
        return None
    message = event.get("message")
    if not isinstance(message, dict):
        return None
    key = key or text_of(message.get("id"))
    if message.get("type") == "text":
        return Received(
            key, sender, clip(text_of(message.get("text"))), reply_token=token
        )
    if message.get("type") in MEDIA_TYPES:
        return Received(key, sender, media=True, reply_token=token)
    return None


def text_message(
    text: str, buttons: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """A text message, with quick replies for the buttons.

    Args:
        text: The text (at most `MAX_TEXT_CHARS`).
        buttons: Buttons as Rasa gives them; at most `MAX_QUICK_REPLIES`.

    Returns:
        The message object.
    """
    message: dict[str, Any] = {"type": "text", "text": text}
    if buttons:
        message["quickReply"] = {"items": [_quick_reply(b) for b in buttons]}
    return message


def quick_replies_fit(text: str, buttons: Sequence[Mapping[str, Any]]) -> bool:
    """Whether LINE can show these buttons as quick replies under the text."""
    titles = [str(b.get("title") or "").strip() for b in buttons]
    return (
        bool(text.strip())
        and 0 < len(buttons) <= MAX_QUICK_REPLIES
        and all(titles)
        and all(len(t) <= MAX_DISPLAY_TEXT_CHARS for t in titles)
    )


def _quick_reply(button: Mapping[str, Any]) -> dict[str, Any]:
    title = str(button.get("title") or "").strip()
    payload = str(button.get("payload") or title)
    label = truncated(title, MAX_LABEL_CHARS)
    if len(payload) <= MAX_POSTBACK_DATA_CHARS:
        action = {
            "type": "postback",
            "label": label,
            "data": payload,
            "displayText": title,
        }
    else:
        action = {"type": "message", "label": label, "text": title}
    return {"type": "action", "action": action}


def reply_body(
    reply_token: str, messages: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The body of a reply call (at most `MAX_MESSAGES_PER_CALL` messages)."""
    return {"replyToken": reply_token, "messages": list(messages)}


def push_body(to: str, messages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The body of a push call (at most `MAX_MESSAGES_PER_CALL` messages)."""
    return {"to": to, "messages": list(messages)}


def batches(
    messages: Sequence[Mapping[str, Any]], size: int = MAX_MESSAGES_PER_CALL
) -> list[list[Mapping[str, Any]]]:
    """The messages in calls of at most `size`, in order."""
    return [
        list(messages[start : start + size]) for start in range(0, len(messages), size)
    ]
