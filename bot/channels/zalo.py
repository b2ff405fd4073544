"""`ZaloInput`: the Zalo Official Account channel (/webhooks/zalo/webhook).

The wire format is in `bot.channels.zalo_wire`, the shared webhook shell in
`bot.channels.apps`. On when ZALO_TOKEN (the OA access token), ZALO_APP_ID and
ZALO_SECRET (the OA secret key) are set; ZALO_API_URL is the API base (a local
stub in tests). The access token expires (about a day): this channel does not
renew it (see the README).
"""

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.apps import AppChannel, AppOutput, signature_refusal
from bot.channels.checks import PayloadError
from bot.channels.memory import ChannelMemory
from bot.channels.received import Received, read_json_object
from bot.channels.zalo_wire import (
    MAX_TEXT_CHARS,
    buttons_fit,
    parse_webhook,
    send_failure,
    signature_valid,
    text_message,
    timestamp_of,
)
from bot.settings import Settings

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"


class ZaloOutput(AppOutput):
    """Sends consultation messages through `POST {api}/v3.0/oa/message/cs`.

    Args:
        settings: Access token and API base URL.
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
        self.url = f"{settings.zalo_api_url.rstrip('/')}/v3.0/oa/message/cs"
        self.headers = {"access_token": settings.zalo_token}

    @classmethod
    def name(cls) -> str:
        """The channel's name."""
        return "zalo"

    async def post_text(self, recipient: str, text: str) -> None:
        """Send one text message."""
        await self._send(text_message(recipient, text))

    async def post_buttons(
        self, recipient: str, text: str, buttons: Sequence[Mapping[str, Any]]
    ) -> None:
        """Buttons when they fit, else numbered text."""
        if not buttons_fit(text, buttons):
            await super().post_buttons(recipient, text, buttons)
            return
        await self.offer(recipient, buttons)
        await self._send(text_message(recipient, text, buttons))

    async def _send(self, body: dict[str, Any]) -> None:
        answer = await self.post_json(self.url, body, self.headers)
        failure = send_failure(answer)
        if answer is not None and failure:
            logger.error("zalo: sending failed (%s)", failure)


class ZaloInput(AppChannel):
    """Zalo Official Account webhook (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel: the webhook is /webhooks/zalo/webhook."""
        return "zalo"

    def missing(self) -> list[str]:
        """Environment variables this channel needs that are not set."""
        needed = {
            "ZALO_TOKEN": self.settings.zalo_token,
            "ZALO_APP_ID": self.settings.zalo_app_id,
            "ZALO_SECRET": self.settings.zalo_secret,
        }
        return [name for name, value in needed.items() if not value]

    def output(self, received: Optional[Received] = None) -> AppOutput:
        """The same output in and outside a turn."""
        return ZaloOutput(self.settings, self.memory, in_turn=received is not None)

    def refusal(self, request: Request) -> Optional[HTTPResponse]:
        """`X-ZEvent-Signature: mac=<sha256(app id + body + timestamp + secret)>`."""
        given = request.headers.get(SIGNATURE_HEADER)
        try:
            timestamp = timestamp_of(read_json_object(request.body))
        except PayloadError:
            timestamp = ""
        valid = signature_valid(
            self.settings.zalo_app_id,
            self.settings.zalo_secret,
            request.body,
            timestamp,
            given,
        )
        return signature_refusal(given, valid)

    def read(self, body: bytes) -> list[Received]:
        """The person's message (every other event is acknowledged only)."""
        return parse_webhook(read_json_object(body))
