"""`LineInput`: the LINE Messaging API channel (/webhooks/line/webhook).

The wire format is in `bot.channels.line_wire`, the shared webhook shell in
`bot.channels.apps`. On when LINE_TOKEN and LINE_SECRET are set; LINE_API_URL
is the API base (a local stub in tests).

The replies of a turn are collected and sent with the event's reply token
(one call, at most 5 messages; the rest are pushed). When there is no usable
token (a redelivered event) or the reply call fails (the token expired), the
messages are pushed instead. Messages outside a turn (a helpline worker's
during a handoff) are always pushed.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.apps import AppChannel, AppOutput, signature_refusal
from bot.channels.line_wire import (
    MAX_TEXT_CHARS,
    batches,
    parse_webhook,
    push_body,
    quick_replies_fit,
    reply_body,
    text_message,
)
from bot.channels.memory import ChannelMemory
from bot.channels.received import Received, read_json_object
from bot.settings import Settings

SIGNATURE_HEADER = "X-Line-Signature"


class LineOutput(AppOutput):
    """Replies with the reply token, or pushes.

    Args:
        settings: Token and API base URL.
        buttons: The channel's button memory.
        reply_token: The event's reply token ("" when there is none: the
            turn's messages are pushed).
        in_turn: Whether it carries one turn's replies (collected and sent
            by `flush`); outside a turn each message is pushed at once.
    """

    max_text_chars = MAX_TEXT_CHARS
    last_buttons_only = True  # quick replies show under the last message only

    def __init__(
        self,
        settings: Settings,
        buttons: Optional[ChannelMemory],
        reply_token: str = "",
        in_turn: bool = False,
    ) -> None:
        super().__init__(buttons, in_turn)
        base = settings.line_api_url.rstrip("/")
        self.reply_url = f"{base}/v2/bot/message/reply"
        self.push_url = f"{base}/v2/bot/message/push"
        self.headers = {"Authorization": f"Bearer {settings.line_token}"}
        self.reply_token = reply_token
        self.pending: list[dict[str, Any]] = []
        self.recipient = ""

    @classmethod
    def name(cls) -> str:
        """The channel's name."""
        return "line"

    async def post_text(self, recipient: str, text: str) -> None:
        """Queue the text for the reply, or push it."""
        await self._send(recipient, text_message(text))

    async def post_buttons(
        self, recipient: str, text: str, buttons: Sequence[Mapping[str, Any]]
    ) -> None:
        """Quick replies when they fit, else numbered text."""
        if not quick_replies_fit(text, buttons):
            await super().post_buttons(recipient, text, buttons)
            return
        await self.offer(recipient, buttons)
        await self._send(recipient, text_message(text, buttons))

    async def _send(self, recipient: str, message: dict[str, Any]) -> None:
        if self.in_turn:
            self.recipient = recipient
            self.pending.append(message)
            return
        await self.post_json(
            self.push_url, push_body(recipient, [message]), self.headers
        )

    async def flush(self) -> None:
        """Send the turn's messages: the reply, then pushes for the rest."""
        calls = batches(self.pending)
        self.pending = []
        if not calls:
            return
        rest = calls
        if self.reply_token:
            replied = await self.post_json(
                self.reply_url, reply_body(self.reply_token, calls[0]), self.headers
            )
            if replied is not None:  # else refused (an expired token): push
                rest = calls[1:]
        for batch in rest:
            await self.post_json(
                self.push_url, push_body(self.recipient, batch), self.headers
            )


class LineInput(AppChannel):
    """LINE Messaging API webhook (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel: the webhook is /webhooks/line/webhook."""
        return "line"

    def missing(self) -> list[str]:
        """Environment variables this channel needs that are not set."""
        needed = {
            "LINE_TOKEN": self.settings.line_token,
            "LINE_SECRET": self.settings.line_secret,
        }
        return [name for name, value in needed.items() if not value]

    def output(self, received: Optional[Received] = None) -> AppOutput:
        """A turn replies with its event's token; outside a turn, pushes."""
        if received is None:
            return LineOutput(self.settings, self.memory)
        return LineOutput(self.settings, self.memory, received.reply_token, True)

    def refusal(self, request: Request) -> Optional[HTTPResponse]:
        """`X-Line-Signature`: base64 HMAC-SHA256 under the channel secret."""
        given = request.headers.get(SIGNATURE_HEADER)
        valid = self.signed(self.settings.line_secret, request.body, given, "base64")
        return signature_refusal(given, valid)

    def read(self, body: bytes) -> list[Received]:
        """The messages of one-to-one chats."""
        return parse_webhook(read_json_object(body))
