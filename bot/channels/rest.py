"""`CheckedRestInput`: Rasa's REST channel with input checks.

Same protocol and URL as Rasa's own (`POST /webhooks/rest/webhook` with
`{"sender": ..., "message": ...}`, answered with the list of bot messages), but
bad input gets a clear 400 JSON error instead of a stack trace or a 500:
non-JSON bodies, missing or wrong-typed fields, over-long messages, unsafe
sender ids (the checks of `bot.channels.checks`, shared with socket.io). A
message with an attachment is replaced by the `/send_image` intent before Rasa
sees it. When the tracker store failed during the turn, the answer is a 503
with `Retry-After`: the replies produced plus `utter_store_unavailable`. A
conversation over its rate limit gets a 429 with `Retry-After` and the kind
`utter_rate_limited` answer as its only reply (bot.ratelimit).

Messages sent to the person between their requests (a helpline worker's, via
Rasa's HTTP API with `output_channel=latest`) wait in the channel's mailbox
(`bot.channels.mailbox`): `GET /updates?sender=<id>[&wait=<s>]` returns them
(waiting up to 25 s for one: long polling, what the web chat page does), and
the next webhook answer starts with any still unread.

A client that may send a request twice (a retry after a timeout) adds a
`message_id` to the body (1 to 128 characters of `SAFE_ID_CHARS`, or an
integer): a repeat of a `sender` + `message_id` already handled is answered
200 `[]` and not processed again. After a 503 the id is forgotten, so the
retry the 503 asks for is processed. The rules are those of every channel
(`bot.channels.base.CheckedChannel`).
"""

from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    OutputChannel,
    UserMessage,
)
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import LIMITED, CheckedChannel
from bot.channels.checks import (
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    MEDIA_KEYS,
    SEND_IMAGE,
    PayloadError,
    check_id,
    parse_payload,
    parse_rest_message,
)
from bot.channels.mailbox import Mailbox, MailboxOutput, poll_seconds
from bot.channels.notice import RETRY_AFTER_SECONDS
from bot.channels.shared_mailbox import mailbox_for
from bot.channels.turn import store_notice
from bot.http.guard import on_server_start
from bot.ratelimit.http import retry_after
from bot.settings import Settings

# The checks live in bot.channels.checks (shared with socket.io); these names
# stay importable from here.
__all__ = [
    "MAX_MESSAGE_CHARS",
    "MAX_SENDER_CHARS",
    "MEDIA_KEYS",
    "SEND_IMAGE",
    "CheckedRestInput",
    "PayloadError",
    "parse_payload",
]


class CheckedRestInput(CheckedChannel, RestInput):
    """REST channel that rejects malformed requests with a 400."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel: the webhook is /webhooks/rest/webhook."""
        return "rest"

    async def root(self, request: Request) -> HTTPResponse:
        """What GET / answers: a health check."""
        return response.json({"status": "ok"})

    @property
    def mailbox(self) -> Mailbox:
        """Messages waiting for this channel's users (made on first use)."""
        mailbox: Optional[Mailbox] = getattr(self, "_mailbox", None)
        if mailbox is None:
            mailbox = self._mailbox = mailbox_for(Settings.from_env())
        return mailbox

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Where messages sent outside a request go: the person's mailbox."""
        return MailboxOutput(self.mailbox, self.name())

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Health route and checked webhook (see parent class for full docstring)."""
        blueprint = Blueprint(f"checked_webhook_{type(self).__name__}", __name__)
        # The whole server (HTTP API included) passes bot/http/guard.py.
        blueprint.listener("before_server_start")(on_server_start)
        store_notice()  # read at start-up: a missing text fails early

        @blueprint.route("/", methods=["GET"])
        async def root(request: Request) -> HTTPResponse:
            return await self.root(request)

        @blueprint.route("/updates", methods=["GET"])
        async def updates(request: Request) -> HTTPResponse:
            try:
                sender = check_id(request.args.get("sender"), "sender")
            except PayloadError as error:
                return response.json({"error": str(error)}, status=400)
            wait = poll_seconds(request.args.get("wait"))
            return response.json(await self.mailbox.wait(sender, wait))

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                incoming, message_id = parse_rest_message(request.body)
            except PayloadError as error:
                return response.json({"error": str(error)}, status=400)
            delivery = f"{incoming.sender}:{message_id}"
            if message_id is not None and not await self.first_delivery(delivery):
                return response.json([])
            collector = CollectingOutputChannel()
            unread = await self.mailbox.collect(incoming.sender)
            failures = await self.process(on_new_message, incoming, collector)
            if not failures:
                return response.json([*unread, *collector.messages])
            if failures == [LIMITED]:
                # Over the conversation's rate limit: the kind answer only.
                if message_id is not None:
                    await self.memory.forget_delivery(delivery)
                return response.json(
                    [*unread, *collector.messages],
                    status=429,
                    headers={"Retry-After": str(retry_after())},
                )
            # The store failed: what was produced (a crisis answer included),
            # then the notice asking the person to send the message again.
            if message_id is not None:
                await self.memory.forget_delivery(delivery)
            return response.json(
                [*unread, *collector.messages],
                status=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )

        return blueprint
