"""The webhook shell shared by the messaging apps (WhatsApp, LINE, Viber, Zalo).

`AppChannel` is a `CheckedChannel` whose blueprint has the same three routes
for every app, under /webhooks/<name>/:

- `GET /`: health, `{"status": "ok"}`;
- `GET /webhook`: the platform's verification handshake where it has one
  (`verify`), else 405;
- `POST /webhook`: a call without its signature header is refused with 401,
  one with a wrong signature with 403 (`refusal`), a body that is not the
  platform's JSON with 400; nothing of a refused call is processed. The
  platform gets 200 `{"status": "ok"}` as soon as the call is checked and
  read (platforms resend what is not acknowledged within seconds); the
  messages are then handled in order, in the background. A delivery already
  seen (`Received.key`) is not handled again.

Each message passes the shared input rules (`CheckedChannel.check`: media
becomes `/send_image`), runs through `CheckedChannel.process`, and its
replies go out through the app's `AppOutput`; `AppOutput.finish` runs after
the turn (LINE sends its reply there). Messages sent outside a turn (a
helpline worker's during a handoff, Rasa's HTTP API with
`output_channel=latest`) use `get_output_channel`.

A channel whose settings are incomplete is off: each route answers 503
`{"error": "<name> is not configured"}` and nothing is processed.
"""

import asyncio
import logging
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, Optional

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import CheckedChannel, Handler, PlatformOutput
from bot.channels.checks import PayloadError
from bot.channels.memory import ChannelMemory
from bot.channels.received import Received
from bot.http.guard import on_server_start
from bot.settings import Settings

logger = logging.getLogger(__name__)


def numbered_from(text: str, buttons: Sequence[Mapping[str, Any]], start: int) -> str:
    """The text and one line per button, numbered from `start`.

    Args:
        text: The message text (may be empty).
        buttons: Buttons as Rasa gives them.
        start: The first number (numbers stay unique within a turn).

    Returns:
        The text, then "<n>. Title" lines.
    """
    lines = [
        f"{number}. {str(button.get('title') or '').strip()}"
        for number, button in enumerate(buttons, start)
    ]
    return "\n".join([text, *lines] if text else lines)


class AppOutput(PlatformOutput):
    """A messaging app's output: turn-wide button numbers, a step after the turn.

    Buttons a platform cannot show become numbered text; numbers run on
    through the turn (a second set starts after the first), and the
    channel's button memory gets every set offered in the turn, numbered
    ones first, so "2" or a button's exact title maps to its payload.

    Where the platform shows only the last message's buttons (LINE quick
    replies, Viber's keyboard: `last_buttons_only`), a message with buttons
    followed by another message in the same turn has its buttons as numbered
    text; the turn's last set is shown as buttons.

    Args:
        buttons: The channel's button memory.
        in_turn: Whether this output carries one turn's replies (False for
            messages sent outside a turn, such as a helpline worker's).
    """

    last_buttons_only = False

    def __init__(self, buttons: Optional[ChannelMemory], in_turn: bool = False) -> None:
        super().__init__(buttons)
        self.in_turn = in_turn
        self._numbered: list[Mapping[str, Any]] = []
        self._shown: list[Mapping[str, Any]] = []
        self._held: Optional[tuple[str, str, list[dict[str, Any]]]] = None

    async def offer(self, recipient: str, buttons: Sequence[Mapping[str, Any]]) -> None:
        """Remember buttons shown as the platform's buttons (titles map back)."""
        self._shown.extend(buttons)
        await self._remember(recipient)

    async def _remember(self, recipient: str) -> None:
        if self.memory is not None:
            await self.memory.offer_buttons(recipient, [*self._numbered, *self._shown])

    async def post_buttons(
        self, recipient: str, text: str, buttons: Sequence[Mapping[str, Any]]
    ) -> None:
        """Numbered text, numbers running on through the turn."""
        start = len(self._numbered) + 1
        self._numbered.extend(buttons)
        await self._remember(recipient)
        await self._post_parts(recipient, numbered_from(text, buttons, start))

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Send a text (after any buttons held back)."""
        await self._release()
        await super().send_text_message(recipient_id, text, **kwargs)

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        """Send a text with buttons; held until the next message when needed."""
        if not (self.last_buttons_only and self.in_turn):
            await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)
            return
        await self._release()
        self._held = (recipient_id, text, list(buttons))

    async def _release(self, last: bool = False) -> None:
        """Send the held message: as buttons when it is the turn's last."""
        held, self._held = self._held, None
        if held is None:
            return
        recipient, text, buttons = held
        if last:
            await super().send_text_with_buttons(recipient, text, buttons)
            return
        self.texts.append(text)
        await self._guarded(
            AppOutput.post_buttons(self, recipient, text or "", buttons)
        )

    async def finish(self) -> None:
        """After the turn: send what was held, then what is pending (`flush`)."""
        await self._release(last=True)
        await self.flush()

    async def flush(self) -> None:
        """Send what the turn left pending (nothing by default)."""


def signature_refusal(given: Optional[str], valid: bool) -> Optional[HTTPResponse]:
    """The answer to a call whose signature is missing or wrong.

    Args:
        given: The signature header (None or empty when missing).
        valid: Whether it is the right signature.

    Returns:
        401 when missing, 403 when wrong, None when right.
    """
    if not given:
        return response.json({"error": "the signature is missing"}, status=401)
    if not valid:
        return response.json({"error": "the signature is not valid"}, status=403)
    return None


class AppChannel(CheckedChannel):
    """Base of the messaging apps' channels (see the module docstring).

    Args:
        settings: The settings (tokens, secrets and API base URLs).
    """

    numbered_buttons = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        """The channel with settings from the environment (credentials.yml has none)."""
        return cls(Settings.from_env())

    def missing(self) -> list[str]:
        """Environment variables this channel needs that are not set."""
        raise NotImplementedError

    @property
    def configured(self) -> bool:
        """Whether the channel is on (every setting it needs is set)."""
        return not self.missing()

    def output(self, received: Optional[Received] = None) -> AppOutput:
        """Where replies go: for a message's turn, or outside a turn (None)."""
        raise NotImplementedError

    def refusal(self, request: Request) -> Optional[HTTPResponse]:
        """401/403 when the call's signature is missing or wrong, else None."""
        raise NotImplementedError

    def read(self, body: bytes) -> list[Received]:
        """The people's messages in a checked call.

        Raises:
            PayloadError: When the body is not the platform's JSON.
        """
        raise NotImplementedError

    async def verify(self, request: Request) -> HTTPResponse:
        """The answer to `GET /webhook` (no handshake by default: 405)."""
        return response.json({"error": "method not allowed"}, status=405)

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Output for messages sent outside a turn (None when off)."""
        return self.output() if self.configured else None

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        """The health, verification and webhook routes (see the module docstring)."""
        blueprint = Blueprint(f"{self.name()}_webhook", __name__)
        blueprint.listener("before_server_start")(on_server_start)
        if not self.configured:
            logger.info(
                "The %s channel is off (%s not set)",
                self.name(),
                ", ".join(self.missing()),
            )

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return await self.on_health(request)

        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return await self.on_verify(request)

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.on_post(on_new_message, request)

        return blueprint

    async def on_health(self, request: Request) -> HTTPResponse:
        """`GET /`: 200 when on, 503 when off."""
        if not self.configured:
            return self.off_response(self.name())
        return response.json({"status": "ok"})

    async def on_verify(self, request: Request) -> HTTPResponse:
        """`GET /webhook`: the handshake (503 when off)."""
        if not self.configured:
            return self.off_response(self.name())
        return await self.verify(request)

    async def on_post(self, on_new_message: Handler, request: Request) -> HTTPResponse:
        """`POST /webhook`: check, read, acknowledge, then handle in the background.

        Args:
            on_new_message: Rasa's handler.
            request: The platform's call (`body`, `headers` and `args` are used).

        Returns:
            200 once read (the messages are handled after), 400/401/403 when
            refused, 503 when off.
        """
        if not self.configured:
            return self.off_response(self.name())
        refused = self.refusal(request)
        if refused is not None:
            logger.warning("%s: refused a call (signature)", self.name())
            return refused
        try:
            received = self.read(request.body)
        except PayloadError as error:
            return response.json({"error": str(error)}, status=400)
        fresh = [r for r in received if not r.key or await self.first_delivery(r.key)]
        if len(fresh) < len(received):
            logger.info(
                "%s: %d repeated deliveries ignored",
                self.name(),
                len(received) - len(fresh),
            )
        if fresh:
            self._start(self.handle(on_new_message, fresh))
        return response.json({"status": "ok"})

    async def idle(self) -> None:
        """Wait until the messages being handled in the background are done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def handle(
        self, on_new_message: Handler, received: Sequence[Received]
    ) -> None:
        """Handle checked messages in order; never raises.

        Args:
            on_new_message: Rasa's handler.
            received: The messages of one call, repeats already left out.
        """
        for item in received:
            try:
                incoming = self.check(item.sender, item.text, media=item.media)
            except PayloadError as error:
                logger.warning("%s: a message was refused: %s", self.name(), error)
                continue
            if not incoming.text.strip():
                logger.info("%s: an empty message was left out", self.name())
                continue
            try:
                output = self.output(item)
                await self.process(on_new_message, incoming, output)
                await output.finish()
            except Exception as error:
                logger.error(
                    "%s: handling a message failed: %s",
                    self.name(),
                    type(error).__name__,
                )

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background (kept referenced until it ends)."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
