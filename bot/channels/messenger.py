"""Facebook Messenger: Rasa's own connector with the checks every channel has.

Rasa's `FacebookInput` is kept for the name (`facebook`, webhook
`/webhooks/facebook/webhook`) and its settings (verify token, app secret, page
token). What changes:

- **Configuration from the environment** (`bot.settings.Settings`):
  MESSENGER_PAGE_TOKEN (empty: the channel is off and its routes answer 503),
  MESSENGER_SECRET, MESSENGER_VERIFY, MESSENGER_API_URL (the Graph API's base
  URL with its version; tests use a local stand-in). credentials.yml holds no
  secret.
- **Verification handshake**: `GET /webhook` echoes `hub.challenge` only for
  `hub.mode=subscribe` and the right `hub.verify_token` (constant time; never
  with an empty one); otherwise 403.
- **Signature**: every POST must carry `X-Hub-Signature-256: sha256=<hex>`,
  the HMAC-SHA256 of the body under the app secret (constant time); otherwise
  403 and nothing is processed. (Rasa checks the SHA-1 header with a hash
  named by the caller, and answers 200 "not validated".)
- **Every event of a batch is handled** (Rasa stops at the first), each
  message once: a repeated `mid` is skipped.
- **Media is never forwarded or stored**: an image, audio, video, file,
  sticker or location becomes the `/send_image` intent (Rasa passes the
  attachment's URL on as the message text). Echoes of the page's own
  messages, delivery and read receipts are ignored.
- **Sending does not block the server**: Rasa's `MessengerBot` uses
  `requests` synchronously and without a timeout, so a slow Graph API would
  stall every conversation; `MessengerOutput` posts with aiohttp (10 s), adds
  `appsecret_proof`, and never raises to Rasa. Buttons become quick replies
  (up to 13, titles of 20 characters at most; longer titles are sent as
  numbered text with quick replies "1", "2"...). Texts over 2,000 characters
  are sent in parts.
- **Staff messages during a handoff** reach the person through
  `get_output_channel` (Rasa's HTTP API, `output_channel=latest`), as
  `RESPONSE` messages: Messenger accepts them within 24 hours of the person's
  last message.
"""

import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlencode

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import CheckedChannel, PlatformOutput, off_response
from bot.channels.checks import PayloadError
from bot.channels.memory import ChannelMemory
from bot.channels.numbered import numbered_text
from bot.channels.signatures import hmac_sha256, signature_matches
from bot.channels.turn import store_notice
from bot.settings import Settings

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
#: Messenger's limits (Send API reference).
MAX_TEXT_CHARS = 2000
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_PAYLOAD_CHARS = 1000
MAX_CHALLENGE_CHARS = 256


# --- pure: what a webhook call says -------------------------------------------


@dataclass(frozen=True)
class MessengerEvent:
    """One thing a person did.

    Attributes:
        sender: The person's page-scoped id (the conversation id).
        text: The text, quick-reply or postback payload (None for media).
        media: Whether the person sent media (never forwarded).
        key: The delivery's id for de-duplication (the message's `mid`).
    """

    sender: str
    text: Optional[str]
    media: bool
    key: Optional[str]


def parse_events(payload: Mapping[str, Any]) -> Iterator[MessengerEvent]:
    """The people's messages in a webhook call, in order.

    Args:
        payload: The decoded body (`{"object": "page", "entry": [...]}`).

    Yields:
        One event per message, quick reply or postback; echoes, receipts
        and anything else are skipped.
    """
    if payload.get("object") != "page":
        return
    for entry in _objects(payload.get("entry")):
        for messaging in _objects(entry.get("messaging")):
            event = parse_messaging(messaging)
            if event is not None:
                yield event


def parse_messaging(messaging: Mapping[str, Any]) -> Optional[MessengerEvent]:
    """One `messaging` item as an event, or None when it is not a person's."""
    sender = messaging.get("sender")
    sender_id = sender.get("id") if isinstance(sender, Mapping) else None
    if not isinstance(sender_id, (str, int)) or isinstance(sender_id, bool):
        return None
    sender_id = str(sender_id)
    message = messaging.get("message")
    if isinstance(message, Mapping):
        if message.get("is_echo"):
            return None
        key = _key(message.get("mid"))
        quick = message.get("quick_reply")
        payload = quick.get("payload") if isinstance(quick, Mapping) else None
        if isinstance(payload, str) and payload:
            return MessengerEvent(sender_id, payload, False, key)
        text = message.get("text")
        if _has_media(message.get("attachments")) or not isinstance(text, str):
            return MessengerEvent(sender_id, None, True, key)
        return MessengerEvent(sender_id, text, False, key)
    postback = messaging.get("postback")
    if isinstance(postback, Mapping):
        payload = postback.get("payload")
        if not isinstance(payload, str) or not payload:
            return None
        stamp = messaging.get("timestamp")
        key = _key(postback.get("mid")) or (
            _key(f"postback:{sender_id}:{stamp}") if isinstance(stamp, int) else None
        )
        return MessengerEvent(sender_id, payload, False, key)
    return None


def verification_answer(verify_token: str, args: Mapping[str, str]) -> Optional[str]:
    """The challenge to echo for a verification request, or None to refuse.

    Args:
        verify_token: MESSENGER_VERIFY (empty: nothing is verified).
        args: The query parameters (`hub.mode`, `hub.verify_token`,
            `hub.challenge`).

    Returns:
        `hub.challenge` for mode "subscribe" and the right token; else None.
    """
    challenge = args.get("hub.challenge") or ""
    if (
        args.get("hub.mode") != "subscribe"
        or not challenge
        or len(challenge) > MAX_CHALLENGE_CHARS
        or not verify_token
    ):
        return None
    return (
        challenge
        if signature_matches(verify_token, args.get("hub.verify_token"))
        else None
    )


def quick_replies(
    text: str, buttons: Sequence[Mapping[str, Any]]
) -> Optional[dict[str, Any]]:
    """A Send API `message` with quick replies, or None when they cannot carry it.

    Args:
        text: The message text.
        buttons: Buttons as Rasa gives them.

    Returns:
        `{"text", "quick_replies"}`: titled like the buttons when every title
        fits 20 characters; otherwise the text numbered with quick replies
        "1", "2"... None when there are no buttons, more than 13, a payload
        too long, or the text too long for one message.
    """
    payloads = [
        str(button.get("payload") or button.get("title") or "") for button in buttons
    ]
    if (
        not buttons
        or len(buttons) > MAX_QUICK_REPLIES
        or any(not payload or len(payload) > MAX_PAYLOAD_CHARS for payload in payloads)
    ):
        return None
    titles = [str(button.get("title") or "").strip() for button in buttons]
    if all(0 < len(title) <= MAX_QUICK_REPLY_TITLE for title in titles) and text:
        body = text
    else:
        body = numbered_text(text, buttons)
        titles = [str(number) for number in range(1, len(buttons) + 1)]
    if len(body) > MAX_TEXT_CHARS:
        return None
    return {
        "text": body,
        "quick_replies": [
            {"content_type": "text", "title": title, "payload": payload}
            for title, payload in zip(titles, payloads, strict=True)
        ],
    }


def _objects(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _has_media(attachments: object) -> bool:
    return isinstance(attachments, list) and bool(attachments)


def _key(mid: object) -> Optional[str]:
    return f"mid:{mid}" if isinstance(mid, str) and mid else None


# --- Rasa shells --------------------------------------------------------------


class MessengerOutput(PlatformOutput):
    """Sends through the Send API (see the module docstring).

    Args:
        page_token: The page access token.
        app_secret: The app secret (for `appsecret_proof`; may be empty).
        api_url: The Graph API's base URL, with its version.
        buttons: The channel's numbered-button memory.
    """

    max_text_chars = MAX_TEXT_CHARS

    @classmethod
    def name(cls) -> str:
        """The channel's name (Rasa's)."""
        return "facebook"

    def __init__(
        self,
        page_token: str,
        app_secret: str,
        api_url: str,
        buttons: Optional[ChannelMemory] = None,
    ) -> None:
        super().__init__(buttons)
        self.url = f"{api_url.rstrip('/')}/me/messages"
        self.params = {"access_token": page_token}
        if app_secret:
            proof = hmac_sha256(app_secret, page_token.encode("utf-8")).hex()
            self.params["appsecret_proof"] = proof

    async def send(self, recipient: str, message: Mapping[str, Any]) -> None:
        """POST one Send API message (`RESPONSE` type)."""
        body = {
            "recipient": {"id": recipient},
            "messaging_type": "RESPONSE",
            "message": dict(message),
        }
        await self.post_json(self._endpoint(), body)

    async def post_text(self, recipient: str, text: str) -> None:
        """Send a text (at most 2,000 characters)."""
        await self.send(recipient, {"text": text})

    async def post_buttons(
        self, recipient: str, text: str, buttons: Sequence[Mapping[str, Any]]
    ) -> None:
        """Send quick replies (numbered text when they cannot carry the buttons)."""
        message = quick_replies(text, buttons)
        if message is None:
            await super().post_buttons(recipient, text, buttons)
            return
        if self.memory is not None:
            await self.memory.offer_buttons(recipient, buttons)
        await self.send(recipient, message)

    def _endpoint(self) -> str:
        return f"{self.url}?{urlencode(self.params)}"


class MessengerChannel(CheckedChannel, FacebookInput):
    """Rasa's Facebook input with the channel rules (see the module docstring).

    Args:
        fb_verify: The webhook verify token.
        fb_secret: The app secret.
        fb_access_token: The page access token (empty: off).
        api_url: The Graph API's base URL.
    """

    numbered_buttons = True

    def __init__(
        self,
        fb_verify: str,
        fb_secret: str,
        fb_access_token: str,
        api_url: str = "https://graph.facebook.com/v19.0",
    ) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.api_url = api_url

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        """Read MESSENGER_* from the environment (credentials.yml has no secret)."""
        settings = Settings.from_env()
        if settings.messenger_page_token and not settings.messenger_secret:
            logger.warning("MESSENGER_SECRET is not set: every call is refused")
        return cls(
            settings.messenger_verify,
            settings.messenger_secret,
            settings.messenger_page_token,
            settings.messenger_api_url,
        )

    @property
    def configured(self) -> bool:
        """Whether the channel has a page token (else it is off)."""
        return bool(self.fb_access_token)

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Output for a turn or a staff message (None when off)."""
        if not self.configured:
            return None
        return MessengerOutput(
            self.fb_access_token, self.fb_secret, self.api_url, self.memory
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Health route, verification handshake and the checked webhook."""
        blueprint = Blueprint(f"checked_{type(self).__name__}", __name__)
        if self.configured:
            store_notice()  # read at start-up: a missing text fails early

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if not self.configured:
                return off_response(self.name())
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.configured:
                return off_response(self.name())
            args = {key: request.args.get(key) or "" for key in request.args}
            challenge = verification_answer(self.fb_verify or "", args)
            if challenge is None:
                logger.warning("Refused a messenger verification: wrong token")
                return response.json({"error": "wrong verify token"}, status=403)
            return response.text(challenge)

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.configured:
                return off_response(self.name())
            given = request.headers.get(SIGNATURE_HEADER)
            if not self.signed(
                self.fb_secret or "", request.body, given, prefix=SIGNATURE_PREFIX
            ):
                logger.warning("Refused a messenger call: wrong or missing signature")
                return response.json({"error": "wrong signature"}, status=403)
            return await self._receive(request.body, on_new_message)

        return blueprint

    async def _receive(
        self, body: bytes, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """Handle the events of one authenticated call."""
        try:
            payload = json.loads(body or b"")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return response.json({"error": "the body must be JSON"}, status=400)
        if not isinstance(payload, dict):
            return response.json({"error": "the body must be an object"}, status=400)
        handled = 0
        for event in parse_events(payload):
            if event.key is not None and not await self.first_delivery(event.key):
                continue
            try:
                incoming = self.check(event.sender, event.text, media=event.media)
            except PayloadError as error:
                logger.warning("Refused a messenger message: %s", error)
                continue
            output = self.get_output_channel()
            assert output is not None
            await self.process(on_new_message, incoming, output)
            handled += 1
        return response.json({"status": "ok", "handled": handled})
