"""The base of every channel: one set of input rules, and the apps' output.

`CheckedChannel` (a Rasa `InputChannel`) gives each channel the same rules, so
no channel is a way around another's limits:

- `check`: the length limit, the sender check and the text cleaning of
  `bot.channels.checks`; media becomes the `/send_image` intent (images are
  never stored or forwarded, the person gets the standard answer);
- `signed`: a webhook's HMAC-SHA256 signature, compared in constant time;
- `first_delivery`: a delivery already seen (a webhook retry) is processed
  once;
- `process`: a conversation over its rate limit (RATE_LIMIT_SENDER messages
  per RATE_LIMIT_WINDOW, counted across replicas in Redis: bot.ratelimit)
  gets the kind `utter_rate_limited` answer in its language and the message
  is not processed; otherwise a "1"/"2" reply maps back to the payload of the
  numbered button it answers; the turn runs through
  `bot.channels.turn.handle_turn`, and when the tracker store failed, the
  `utter_store_unavailable` notice follows the replies.

`PlatformOutput` (a Rasa `OutputChannel`) is the base of the messaging apps'
outputs: it posts to the platform's API with aiohttp (10 s timeout; a failure
is logged by its type and never raised to Rasa, so one unreachable platform
cannot break a turn). A subclass implements `post_text` and, when the platform
shows buttons, `post_buttons`; otherwise buttons become numbered text and are
remembered for the reply. Staff messages during a handoff (`{"handoff":
"staff"}`) are sent as plain text like any other.

A channel whose token is not set is "off": `off_response` is the 503 its routes
answer, and nothing is processed.
"""

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Optional

import aiohttp
from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from sanic import response
from sanic.response import HTTPResponse

from bot.channels.checks import (
    SEND_IMAGE,
    Incoming,
    PayloadError,
    check_id,
    check_message,
)
from bot.channels.memory import ChannelMemory
from bot.channels.numbered import numbered_text, text_parts
from bot.channels.signatures import hmac_sha256, signature_matches
from bot.channels.turn import handle_turn, rate_notice, store_notice
from bot.ratelimit.limiter import limiter
from bot.ratelimit.rules import SENDER
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: Seconds a call to a platform's API may take.
PLATFORM_TIMEOUT = 10.0

Handler = Callable[[UserMessage], Awaitable[Any]]

#: What `CheckedChannel.process` reports for a message over the rate limit.
LIMITED = "rate_limited"


def off_response(name: str) -> HTTPResponse:
    """What the routes of a channel without its token answer.

    Args:
        name: The channel's name.

    Returns:
        503 `{"error": "<name> is not configured"}`.
    """
    return response.json({"error": f"{name} is not configured"}, status=503)


class CheckedChannel(InputChannel):
    """Base of every channel: the shared input rules (see the module docstring).

    Attributes:
        memory: Ids of deliveries already seen and the numbered buttons last
            offered to each person (one per channel instance).
        numbered_buttons: Whether this channel's output may offer buttons as
            numbered text; only then is a reply looked up as a button (with
            Redis, a round trip per message that other channels skip).
    """

    numbered_buttons = False

    @property
    def memory(self) -> ChannelMemory:
        """Deliveries seen and buttons offered (`bot.channels.memory`).

        Made on first use; shared in Redis by the replicas when REDIS_HOST is
        set.
        """
        memory: Optional[ChannelMemory] = getattr(self, "_memory", None)
        if memory is None:
            memory = self._memory = ChannelMemory.from_settings(
                self.name(), Settings.from_env()
            )
        return memory

    def check(
        self,
        sender: object,
        text: object,
        metadata: Optional[dict] = None,
        media: bool = False,
    ) -> Incoming:
        """Check one incoming message.

        Args:
            sender: The conversation id as the platform gives it (a string, or
                an integer such as a Telegram chat id).
            text: The message text.
            metadata: Metadata to keep with the message (checked for size).
            media: Whether the message carries an image, a file, a sticker...

        Returns:
            The checked message; with `media`, the `/send_image` intent without
            metadata (media is never stored or forwarded).

        Raises:
            PayloadError: When the sender or the text breaks a rule (the reason
                is fit to show the client).
        """
        checked = check_id(sender, "sender", allow_int=True)
        if media:
            return Incoming(checked, SEND_IMAGE, None)
        data: dict[str, Any] = {"message": text}
        if metadata is not None:
            data["metadata"] = metadata
        return check_message(data, checked)

    @staticmethod
    def signed(
        secret: str,
        body: bytes,
        given: Optional[str],
        encoding: str = "hex",
        prefix: str = "",
    ) -> bool:
        """Whether a webhook call carries the right signature.

        Args:
            secret: The shared secret; empty means nothing can be signed.
            body: The raw request body.
            given: The signature header as received (None when missing).
            encoding: "hex" or "base64", how the platform writes the digest.
            prefix: What precedes the digest in the header ("sha256=").

        Returns:
            True only when the header is the HMAC-SHA256 of the body under the
            secret (compared in constant time).
        """
        if not secret or not given or not given.startswith(prefix):
            return False
        digest = hmac_sha256(secret, body)
        if encoding == "base64":
            expected = base64.b64encode(digest).decode("ascii")
        elif encoding == "hex":
            expected = digest.hex()
            given = given.lower()
        else:
            raise ValueError(f"unknown signature encoding {encoding!r}")
        return signature_matches(expected, given[len(prefix) :])

    async def first_delivery(self, key: str) -> bool:
        """Whether a delivery is new (see `ChannelMemory.first_delivery`).

        Args:
            key: The delivery's id.

        Returns:
            False for a repeat (do not process it again).
        """
        return await self.memory.first_delivery(key)

    async def process(
        self,
        on_new_message: Handler,
        incoming: Incoming,
        output: OutputChannel,
        metadata: Optional[dict] = None,
    ) -> list[str]:
        """Let Rasa handle one checked message; never raises.

        A reply that is the number (or title) of a button offered as numbered
        text becomes that button's payload. When the tracker store failed, the
        `utter_store_unavailable` notice is sent through `output` after the
        replies, in their language.

        Args:
            on_new_message: Rasa's handler (given to the blueprint).
            incoming: The checked message.
            output: Where the replies go.
            metadata: Metadata added to the message's own (the channel's, not
                the person's).

        Returns:
            The store operations that failed (empty when all went well), or
            [`LIMITED`] when the conversation is over its rate limit (the kind
            answer was sent through `output`, nothing was processed).
        """
        if not await self.within_limit(incoming, output):
            return [LIMITED]
        text = incoming.text
        if self.numbered_buttons:
            text = await self.memory.reply_payload(incoming.sender, incoming.text)
        merged = {**(incoming.metadata or {}), **(metadata or {})} or None
        message = UserMessage(
            text, output, incoming.sender, input_channel=self.name(), metadata=merged
        )
        failures = await handle_turn(on_new_message, message)
        if not failures:
            return failures
        try:
            notice = store_notice().text_for(_texts_sent(output), incoming.text)
            await output.send_text_message(incoming.sender, notice)
        except Exception as error:
            logger.error(
                "Sending the store notice on %s failed: %s",
                self.name(),
                type(error).__name__,
            )
        return failures

    async def within_limit(self, incoming: Incoming, output: OutputChannel) -> bool:
        """Count a message against its conversation's rate limit.

        Over the limit, the `utter_rate_limited` answer goes through `output`
        in the language of the message (the conversation's is not read: the
        message is not processed).

        Args:
            incoming: The checked message.
            output: Where the answer goes.

        Returns:
            Whether the message may be processed.
        """
        verdict = await limiter().check(SENDER, f"{self.name()}:{incoming.sender}")
        if verdict.allowed:
            return True
        try:
            notice = rate_notice().text_for([], incoming.text)
            await output.send_text_message(incoming.sender, notice)
        except Exception as error:
            logger.error(
                "Sending the rate limit notice on %s failed: %s",
                self.name(),
                type(error).__name__,
            )
        return False

    @staticmethod
    def off_response(name: str) -> HTTPResponse:
        """The 503 of a channel that is not configured (see `off_response`)."""
        return off_response(name)


def _texts_sent(output: OutputChannel) -> list[str]:
    """Texts an output sent this turn (for the notice's language)."""
    if isinstance(output, CollectingOutputChannel):
        return [str(m.get("text") or "") for m in output.messages]
    texts = getattr(output, "texts", None)
    return [str(text) for text in texts] if isinstance(texts, list) else []


class PlatformOutput(OutputChannel):
    """Base of the messaging apps' outputs (see the module docstring).

    Args:
        buttons: The channel's `ChannelMemory` (numbered buttons are kept
            there for the person's reply); None keeps none.
        timeout: Seconds a call to the platform may take.

    Attributes:
        texts: Texts sent so far (for the store notice's language).
        max_text_chars: The longest text the platform takes in one message;
            longer texts are sent in parts.
    """

    max_text_chars = 4096

    def __init__(
        self, buttons: Optional[ChannelMemory] = None, timeout: float = PLATFORM_TIMEOUT
    ) -> None:
        self.memory = buttons
        self.timeout = timeout
        self.texts: list[str] = []

    async def post_text(self, recipient: str, text: str) -> None:
        """Send one text (at most `max_text_chars`) through the platform.

        Args:
            recipient: The conversation id.
            text: The text.
        """
        raise NotImplementedError

    async def post_buttons(
        self, recipient: str, text: str, buttons: Sequence[Mapping[str, Any]]
    ) -> None:
        """Send a text with buttons; by default as numbered text.

        Args:
            recipient: The conversation id.
            text: The text.
            buttons: Buttons as Rasa gives them (`title`, `payload`).
        """
        if self.memory is not None:
            await self.memory.offer_buttons(recipient, buttons)
        await self._post_parts(recipient, numbered_text(text, buttons))

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Send a text (a staff message too: plain text like any other)."""
        self.texts.append(text)
        await self._post_parts(recipient_id, text)

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send a text with buttons (`post_buttons`)."""
        self.texts.append(text)
        await self._guarded(self.post_buttons(recipient_id, text or "", buttons))

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Send a custom payload's `text` (raw JSON is never shown to a person)."""
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str) and text:
            await self.send_text_message(recipient_id, text)
        else:
            logger.warning("%s: a custom payload without text not sent", self.name())

    async def send_elements(
        self, recipient_id: str, elements: Iterable[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send each element as text with its buttons."""
        for element in elements:
            title = " : ".join(
                str(element.get(key))
                for key in ("title", "subtitle")
                if element.get(key)
            )
            await self.send_text_with_buttons(
                recipient_id, title, element.get("buttons") or []
            )

    async def _post_parts(self, recipient: str, text: str) -> None:
        for part in text_parts(text, self.max_text_chars):
            await self._guarded(self.post_text(recipient, part))

    async def _guarded(self, call: Awaitable[Any]) -> None:
        """Await a platform call; a failure is logged, never raised to Rasa."""
        try:
            await call
        except Exception as error:
            logger.error("Sending on %s failed: %s", self.name(), type(error).__name__)

    async def post_json(
        self,
        url: str,
        body: Any,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Optional[Any]:
        """POST a JSON body to the platform.

        Args:
            url: The API endpoint.
            body: The JSON body.
            headers: Extra headers (authorisation...).

        Returns:
            The decoded JSON answer (None when it is not JSON), or None when the
            call failed: refused, timed out or answered 4xx/5xx (logged with the
            status or the error type, never the message or the token).
        """
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url, json=body, headers=dict(headers or {})) as reply,
            ):
                raw = await reply.read()
                if reply.status >= 300:
                    logger.error(
                        "%s: the platform answered HTTP %s", self.name(), reply.status
                    )
                    return None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error(
                "%s: the platform is unreachable (%s)",
                self.name(),
                type(error).__name__,
            )
            return None
        try:
            return json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            return None


__all__ = [
    "LIMITED",
    "PLATFORM_TIMEOUT",
    "CheckedChannel",
    "Handler",
    "Incoming",
    "PayloadError",
    "PlatformOutput",
    "off_response",
]
