"""`ViberInput`: the Viber REST bot API channel (/webhooks/viber/webhook).

The wire format is in `bot.channels.viber_wire`, the shared webhook shell in
`bot.channels.apps`. On when VIBER_TOKEN is set (it also signs the
callbacks); VIBER_NAME is the sender name shown; VIBER_API_URL is the API base
(a local stub in tests).
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.apps import AppChannel, AppOutput, signature_refusal
from bot.channels.memory import ChannelMemory
from bot.channels.received import Received, read_json_object
from bot.channels.viber_wire import (
    MAX_TEXT_CHARS,
    keyboard_fits,
    parse_callback,
    send_failure,
    text_message,
    viber_id,
)
from bot.settings import Settings

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Viber-Content-Signature"


class ViberOutput(AppOutput):
    """Sends through `POST {api}/send_message`.

    Args:
        settings: Token, sender name and API base URL.
        buttons: The channel's button memory.
        in_turn: Whether it carries one turn's replies.
    """

    max_text_chars = MAX_TEXT_CHARS
    last_buttons_only = True  # Viber shows the last keyboard sent

    def __init__(
        self,
        settings: Settings,
        buttons: Optional[ChannelMemory],
        in_turn: bool = False,
    ) -> None:
        super().__init__(buttons, in_turn)
        self.url = f"{settings.viber_api_url.rstrip('/')}/send_message"
        self.headers = {"X-Viber-Auth-Token": settings.viber_token}
        self.sender_name = settings.viber_name

    @classmethod
    def name(cls) -> str:
        """The channel's name."""
        return "viber"

    async def post_text(self, recipient: str, text: str) -> None:
        """Send one text message."""
        await self._send(text_message(viber_id(recipient), self.sender_name, text))

    async def post_buttons(
        self, recipient: str, text: str, buttons: Sequence[Mapping[str, Any]]
    ) -> None:
        """A keyboard when the buttons fit one, else numbered text."""
        if not text.strip() or not keyboard_fits(buttons):
            await super().post_buttons(recipient, text, buttons)
            return
        await self.offer(recipient, buttons)
        body = text_message(viber_id(recipient), self.sender_name, text, buttons)
        await self._send(body)

    async def _send(self, body: dict[str, Any]) -> None:
        answer = await self.post_json(self.url, body, self.headers)
        failure = send_failure(answer)
        if answer is not None and failure:
            logger.error("viber: send_message failed (%s)", failure)


class ViberInput(AppChannel):
    """Viber REST bot API webhook (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel: the webhook is /webhooks/viber/webhook."""
        return "viber"

    def missing(self) -> list[str]:
        """Environment variables this channel needs that are not set."""
        return [] if self.settings.viber_token else ["VIBER_TOKEN"]

    def output(self, received: Optional[Received] = None) -> AppOutput:
        """The same output in and outside a turn."""
        return ViberOutput(self.settings, self.memory, in_turn=received is not None)

    def refusal(self, request: Request) -> Optional[HTTPResponse]:
        """`X-Viber-Content-Signature`: hex HMAC-SHA256 under the bot's token."""
        given = request.headers.get(SIGNATURE_HEADER)
        valid = self.signed(self.settings.viber_token, request.body, given, "hex")
        return signature_refusal(given, valid)

    def read(self, body: bytes) -> list[Received]:
        """The person's message (every other event is acknowledged only)."""
        return parse_callback(read_json_object(body))
