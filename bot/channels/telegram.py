"""Telegram: Rasa's own connector with the checks every channel has.

Rasa's `TelegramInput`/`TelegramOutput` (aiogram) are kept for the name
(`telegram`, webhook `/webhooks/telegram/webhook`), the credentials and the
sending (texts split at blank lines, buttons as an inline keyboard). What
changes:

- **Configuration from the environment** (`bot.settings.Settings`):
  TELEGRAM_TOKEN (empty: the channel is off and its routes answer 503),
  TELEGRAM_SECRET, TELEGRAM_API_URL (the Bot API's base URL; tests use a local
  stand-in). credentials.yml holds no secret.
- **The webhook secret is checked first**: an update whose
  `X-Telegram-Bot-Api-Secret-Token` header is not TELEGRAM_SECRET (compared in
  constant time) is refused with a 403 and nothing is read or processed.
  Without TELEGRAM_SECRET every update is refused. (Rasa asks the Bot API
  `getMe` on every update instead, which proves nothing about the caller.)
- **A repeated update (same `update_id`) is processed once.**
- **Media is never forwarded or stored**: a photo, file, sticker, voice note,
  location, contact... becomes the `/send_image` intent (the standard answer);
  Rasa would store a location and silently drop the rest.
- **Private chats only**: in a group, a disclosure would be read by others;
  updates from groups and channels are ignored.
- `/start` (what Telegram sends when a person opens the bot) becomes
  `/greet`; a text over the length limit is cut to it (Telegram allows a few
  characters more than the other channels).
- **Output from anywhere**: `get_output_channel` gives the same connection
  for a person's turn and for a staff message sent during a handoff (Rasa's
  HTTP API, `output_channel=latest`); Rasa's would try to re-register the
  webhook with `asyncio.run` inside the server's loop. A send that fails is
  logged by its type and never breaks a turn.
- A button payload Telegram cannot carry (over 64 bytes) degrades the
  message to numbered text; "1"/"2" replies then map back
  (`bot.channels.base`).

The webhook is registered once with Telegram's `setWebhook` (see README:
the URL under PUBLIC_URL and `secret_token` = TELEGRAM_SECRET); Rasa's
unauthenticated `/set_webhook` route is not offered.
"""

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import aiohttp
from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer, check_token
from aiogram.utils.exceptions import ValidationError
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import PLATFORM_TIMEOUT, CheckedChannel, off_response
from bot.channels.checks import MAX_MESSAGE_CHARS, PayloadError
from bot.channels.memory import ChannelMemory
from bot.channels.numbered import numbered_text
from bot.channels.signatures import signature_matches
from bot.channels.turn import store_notice
from bot.settings import Settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: What Telegram sends when a person opens the bot, and what it becomes.
START_COMMAND = "/start"
GREET = "/greet"
#: The most bytes Telegram takes as a button's callback data.
MAX_CALLBACK_BYTES = 64
#: Message fields that carry something other than text (never forwarded).
MEDIA_FIELDS = (
    "photo",
    "document",
    "sticker",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "location",
    "contact",
    "venue",
    "poll",
    "dice",
    "game",
    "story",
    "paid_media",
)


# --- pure: what an update says ------------------------------------------------


@dataclass(frozen=True)
class TelegramMessage:
    """The part of an update the assistant handles.

    Attributes:
        chat_id: The private chat (the conversation id).
        text: The text or button payload (None for media).
        media: Whether the person sent media (never forwarded).
        callback_id: The button press to acknowledge, if it was one.
    """

    chat_id: int
    text: Optional[str]
    media: bool = False
    callback_id: Optional[str] = None


def update_id(update: Mapping[str, Any]) -> Optional[int]:
    """The update's id (for de-duplication), or None when it has none."""
    value = update.get("update_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_update(update: Mapping[str, Any]) -> Optional[TelegramMessage]:
    """What a person said in an update, if anything.

    Args:
        update: The decoded webhook body (a Telegram `Update`).

    Returns:
        The message for a private chat's text, edited text, media or button
        press; None for anything else (groups, channels, member changes...).
    """
    query = update.get("callback_query")
    if isinstance(query, Mapping):
        chat = _private_chat(query.get("message"))
        data = query.get("data")
        if chat is None or not isinstance(data, str):
            return None
        query_id = query.get("id")
        return TelegramMessage(
            chat, data, callback_id=query_id if isinstance(query_id, str) else None
        )
    message = update.get("message") or update.get("edited_message")
    chat = _private_chat(message)
    if chat is None or not isinstance(message, Mapping):
        return None
    if any(message.get(field) is not None for field in MEDIA_FIELDS):
        return TelegramMessage(chat, None, media=True)
    text = message.get("text")
    if not isinstance(text, str):
        return None
    return TelegramMessage(chat, incoming_text(text))


def incoming_text(text: str) -> str:
    """The text as the assistant takes it.

    Args:
        text: The text the person sent.

    Returns:
        `/greet` for Telegram's `/start` (with or without a start parameter);
        otherwise the text, cut to the channels' length limit.
    """
    command = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    if command == START_COMMAND or command.startswith(START_COMMAND + "@"):
        return GREET
    return text[:MAX_MESSAGE_CHARS]


def fits_callback_data(buttons: Sequence[Mapping[str, Any]]) -> bool:
    """Whether every payload fits Telegram's callback data (1-64 bytes)."""
    return all(
        0 < len(str(button.get("payload") or "").encode("utf-8")) <= MAX_CALLBACK_BYTES
        for button in buttons
    )


def _private_chat(message: object) -> Optional[int]:
    if not isinstance(message, Mapping):
        return None
    chat = message.get("chat")
    if not isinstance(chat, Mapping) or chat.get("type") != "private":
        return None
    chat_id = chat.get("id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return None
    return chat_id


# --- Rasa shells --------------------------------------------------------------


class SharedSession:
    """One aiohttp session for every output of a channel (made on first use)."""

    def __init__(self) -> None:
        self._session: Optional[aiohttp.ClientSession] = None

    def get(self, make: Callable[[], aiohttp.ClientSession]) -> aiohttp.ClientSession:
        """The open session, made with `make` when there is none."""
        if self._session is None or self._session.closed:
            self._session = make()
        return self._session

    async def close(self) -> None:
        """Close the session (when the server stops)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class TelegramOutput(RasaTelegramOutput):
    """Rasa's Telegram output on a configurable API, never raising to Rasa.

    Args:
        token: The bot token.
        api_url: The Bot API's base URL.
        session: The channel's shared HTTP session.
        buttons: The channel's numbered-button memory.

    Attributes:
        texts: Texts sent (for the store notice's language).
    """

    def __init__(
        self,
        token: str,
        api_url: str,
        session: SharedSession,
        buttons: ChannelMemory,
    ) -> None:
        Bot.__init__(
            self,
            token,
            server=TelegramAPIServer.from_base(api_url),
            timeout=PLATFORM_TIMEOUT,
        )
        self._shared = session
        self.memory = buttons
        self.texts: list[str] = []

    def get_new_session(self) -> aiohttp.ClientSession:
        """The channel's shared session (aiogram would make one per output)."""
        return self._shared.get(lambda: Bot.get_new_session(self))

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send one bot message (see Rasa); a failure is logged, not raised."""
        if message.get("text"):
            self.texts.append(str(message["text"]))
        try:
            await super().send_response(recipient_id, message)
        except Exception as error:
            logger.error("Sending on telegram failed: %s", type(error).__name__)

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        """Buttons one per row (an inline keyboard).

        Numbered text instead when a payload does not fit Telegram's callback
        data.
        """
        if not fits_callback_data(buttons):
            await self.memory.offer_buttons(recipient_id, buttons)
            await self.send_text_message(recipient_id, numbered_text(text, buttons))
            return
        await super().send_text_with_buttons(
            recipient_id, text, buttons, button_type or "vertical", **kwargs
        )

    async def acknowledge(self, callback_id: str) -> None:
        """Stop the spinner on a pressed button; a failure is only logged."""
        try:
            await self.answer_callback_query(callback_id)
        except Exception as error:
            logger.warning(
                "Acknowledging a telegram button failed: %s", type(error).__name__
            )


class TelegramChannel(CheckedChannel, TelegramInput):
    """Rasa's Telegram input with the channel rules (see the module docstring).

    Args:
        access_token: The bot token (empty: off).
        secret: The webhook secret token.
        api_url: The Bot API's base URL.
        webhook_url: Where Telegram should post (for the README's setWebhook).
    """

    numbered_buttons = True

    def __init__(
        self,
        access_token: Optional[str],
        secret: str = "",
        api_url: str = "https://api.telegram.org",
        webhook_url: Optional[str] = None,
    ) -> None:
        super().__init__(access_token, None, webhook_url, debug_mode=False)
        self.secret = secret
        self.api_url = api_url
        self.session = SharedSession()

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        """Read TELEGRAM_* from the environment (credentials.yml has no secret)."""
        settings = Settings.from_env()
        token = settings.telegram_token
        if token:
            try:
                check_token(token)
            except ValidationError:
                logger.error("TELEGRAM_TOKEN is not a bot token: telegram is off")
                token = ""
        if token and not settings.telegram_secret:
            logger.warning("TELEGRAM_SECRET is not set: every update is refused")
        webhook = (
            f"{settings.public_url.rstrip('/')}/webhooks/telegram/webhook"
            if settings.public_url
            else None
        )
        return cls(token, settings.telegram_secret, settings.telegram_api_url, webhook)

    @property
    def configured(self) -> bool:
        """Whether the channel has a token (else it is off)."""
        return bool(self.access_token)

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Output for a turn or a staff message (None when off)."""
        if not self.access_token:
            return None
        return TelegramOutput(
            self.access_token, self.api_url, self.session, self.memory
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Health route and the checked webhook."""
        blueprint = Blueprint(f"checked_{type(self).__name__}", __name__)
        if self.configured:
            store_notice()  # read at start-up: a missing text fails early

        @blueprint.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            await self.session.close()

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if not self.configured:
                return off_response(self.name())
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.configured:
                return off_response(self.name())
            if not signature_matches(self.secret, request.headers.get(SECRET_HEADER)):
                logger.warning("Refused a telegram update: wrong or missing secret")
                return response.json({"error": "wrong secret token"}, status=403)
            return await self._receive(request.body, on_new_message)

        return blueprint

    async def _receive(
        self, body: bytes, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        """Handle one authenticated update."""
        try:
            update = json.loads(body or b"")
        except (ValueError, UnicodeDecodeError, RecursionError):
            return response.json({"error": "the body must be JSON"}, status=400)
        if not isinstance(update, dict):
            return response.json({"error": "the body must be an update"}, status=400)
        number = update_id(update)
        if number is not None and not await self.first_delivery(f"update:{number}"):
            return response.json({"status": "duplicate"})
        message = parse_update(update)
        if message is None:
            logger.debug("Ignored a telegram update without a private message")
            return response.json({"status": "ignored"})
        output = self.get_output_channel()
        assert isinstance(output, TelegramOutput)
        if message.callback_id:
            await output.acknowledge(message.callback_id)
        try:
            incoming = self.check(message.chat_id, message.text, media=message.media)
        except PayloadError as error:
            logger.warning("Refused a telegram message: %s", error)
            return response.json({"status": "refused", "error": str(error)})
        await self.process(on_new_message, incoming, output)
        return response.json({"status": "ok"})
