"""`WhatsAppInput`: the WhatsApp Cloud API channel (/webhooks/whatsapp/webhook).

The wire format is in `bot.channels.whatsapp_wire`, the shared webhook shell
in `bot.channels.apps`. On when WHATSAPP_TOKEN, WHATSAPP_PHONE_ID and
WHATSAPP_SECRET are set; WHATSAPP_VERIFY answers Meta's verification
handshake; WHATSAPP_API_URL is the Graph API base (a local stub in tests).
"""

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.apps import AppChannel, AppOutput, signature_refusal
from bot.channels.memory import ChannelMemory
from bot.channels.received import Received, read_json_object
from bot.channels.whatsapp_wire import (
    MAX_TEXT_CHARS,
    buttons_message,
    challenge_answer,
    parse_webhook,
    text_message,
)
from bot.settings import Settings

SIGNATURE_HEADER = "X-Hub-Signature-256"


class WhatsAppOutput(AppOutput):
    """Sends through `POST {api}/{phone number id}/messages`.

    Args:
        settings: Token, phone number id and API base URL.
        buttons: The channel's button memory.
        in_turn: Whether it carries one turn's replies.
    """

    max_text_chars = MAX_TEXT_CHARS

    def __init__(
        self,
        settings: Settings,
        buttons: Optional[ChannelMemory],
        in_turn: bool = False,
    ) -> None:
        super().__init__(buttons, in_turn)
        base = settings.whatsapp_api_url.rstrip("/")
        self.url = f"{base}/{settings.whatsapp_phone_id}/messages"
        self.headers = {"Authorization": f"Bearer {settings.whatsapp_token}"}

    @classmethod
    def name(cls) -> str:
        """The channel's name."""
        return "whatsapp"

    async def post_text(self, recipient: str, text: str) -> None:
        """Send one text message."""
        await self.post_json(self.url, text_message(recipient, text), self.headers)

    async def post_buttons(
        self, recipient: str, text: str, buttons: Sequence[Mapping[str, Any]]
    ) -> None:
        """Reply buttons or a list when they fit, else numbered text."""
        body = buttons_message(recipient, text, buttons)
        if body is None:
            await super().post_buttons(recipient, text, buttons)
            return
        await self.offer(recipient, buttons)
        await self.post_json(self.url, body, self.headers)


class WhatsAppInput(AppChannel):
    """WhatsApp Cloud API webhook (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel: the webhook is /webhooks/whatsapp/webhook."""
        return "whatsapp"

    def missing(self) -> list[str]:
        """Environment variables this channel needs that are not set."""
        needed = {
            "WHATSAPP_TOKEN": self.settings.whatsapp_token,
            "WHATSAPP_PHONE_ID": self.settings.whatsapp_phone_id,
            "WHATSAPP_SECRET": self.settings.whatsapp_secret,
        }
        return [name for name, value in needed.items() if not value]

    def output(self, received: Optional[Received] = None) -> AppOutput:
        """The same output in and outside a turn."""
        return WhatsAppOutput(self.settings, self.memory, in_turn=received is not None)

    def refusal(self, request: Request) -> Optional[HTTPResponse]:
        """`X-Hub-Signature-256: sha256=<hex>` under the app secret."""
        given = request.headers.get(SIGNATURE_HEADER)
        valid = self.signed(
            self.settings.whatsapp_secret, request.body, given, "hex", "sha256="
        )
        return signature_refusal(given, valid)

    def read(self, body: bytes) -> list[Received]:
        """The messages for this channel's number (statuses are ignored)."""
        return parse_webhook(read_json_object(body), self.settings.whatsapp_phone_id)

    async def verify(self, request: Request) -> HTTPResponse:
        """Meta's handshake: the challenge, only for the right verify token."""
        answer = challenge_answer(
            self.settings.whatsapp_verify,
            request.args.get("hub.mode"),
            request.args.get("hub.verify_token"),
            request.args.get("hub.challenge"),
        )
        if answer is None:
            return response.json({"error": "verification failed"}, status=403)
        return response.text(answer)
