"""`CheckedSocketIOInput`: Rasa's socket.io channel that delivers, with input checks.

Same events as Rasa's own channel (`session_request` → `session_confirm`,
`user_uttered` → `bot_uttered`, session persistence), with three changes:

- **Replies arrive.** Rasa 3.6 calls `AsyncServer.enter_room` without awaiting
  it; since python-socketio 5.10 that is a coroutine, so the connection never
  joined its session's room and every `bot_uttered` went to an empty room.
  Here the call is awaited when it returns an awaitable (and also works with
  older python-socketio, where it is a plain function). A message whose
  session the connection has not joined yet joins it first, so a reply is
  never sent to an empty room.
- **The same checks as REST** (`bot.channels.checks`): a refused message gets
  the `input_error` event `{"error": "<reason>"}` back (and the same object as
  acknowledgement when the client asked for one) and is neither processed nor
  stored. A connection keeps one conversation: a message naming another
  `session_id` than the one confirmed is refused.
- **A store failure is never hidden**: the replies produced are followed by
  `utter_store_unavailable` (see `bot.channels.turn`).

The rules are those of every channel (`bot.channels.base.CheckedChannel`).

Every handler takes any number of arguments, so a client sending none or
several cannot make it fail. An event larger than an HTTP body may be
(`bot.http.checks.MAX_BODY_BYTES`, 64 KB) never reaches the handlers: the
long-polling POST gets a 413 and a websocket is closed, so the client is
disconnected (nothing is processed or stored). Connections are accepted from
the same origin, and from the sites of WIDGET_ORIGINS (the website widget,
bot/channels/widget.py), like the server's HTTP guard (bot/http/checks.py).
"""

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Optional, cast
from urllib.parse import quote

from rasa.core.channels.channel import (
    InputChannel,
    OutputChannel,
    UserMessage,
    decode_bearer_token,
)
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.base import LIMITED, CheckedChannel
from bot.channels.checks import (
    Incoming,
    PayloadError,
    parse_session_request,
    parse_socket_message,
)
from bot.channels.turn import store_notice
from bot.http.checks import MAX_BODY_BYTES, socket_origins
from bot.settings import Settings

logger = logging.getLogger(__name__)


def shared_rooms(settings: Settings) -> dict[str, Any]:
    """The socket.io server's client manager: in Redis with REDIS_HOST.

    With several replicas, a message for a person (a reply, or a staff
    message that reached another replica through Rasa's HTTP API) is emitted
    to their session's room through Redis, so the replica holding their
    connection delivers it. Without Redis: one process, python-socketio's
    default.
    """
    if not settings.redis_host:
        return {}
    from socketio import AsyncRedisManager

    password = quote(settings.redis_password, safe="")
    auth = f":{password}@" if password else ""
    url = (
        f"redis://{auth}{settings.redis_host}:{settings.redis_port}/{settings.redis_db}"
    )
    return {
        "client_manager": AsyncRedisManager(
            url, channel=f"{settings.redis_prefix or 'safety'}:socketio"
        )
    }


ERROR_EVENT = "input_error"


class RecordingOutput(SocketIOOutput):
    """Rasa's socket.io output that also keeps the texts it sent."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.texts: list[str] = []

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if isinstance(response, dict) and response.get("text"):
            self.texts.append(str(response["text"]))
        await super()._send_message(socket_id, response)


class MarkedOutput(SocketIOOutput):
    """Rasa's socket.io output that marks a helpline worker's messages.

    Used for messages sent outside the person's own turn (Rasa's HTTP API with
    `output_channel=latest`): a staff message's `bot_uttered` carries
    `"handoff": "staff"` so a widget can show who wrote it.
    """

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        """Sends the text (see parent class), marked when a person wrote it."""
        if kwargs.get("handoff") != "staff":
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, "handoff": "staff"})


class CheckedSocketIOInput(CheckedChannel, SocketIOInput):
    """socket.io channel whose replies arrive, with the REST channel's checks."""

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Output for messages sent outside a turn (see `MarkedOutput`)."""
        if self.sio is None:
            return super().get_output_channel()
        return MarkedOutput(self.sio, self.bot_message_evt)

    error_evt = ERROR_EVENT

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        """Rasa's settings plus `error_evt` (the event carrying refusals)."""
        channel = cast(CheckedSocketIOInput, super().from_credentials(credentials))
        channel.error_evt = (credentials or {}).get("error_evt", ERROR_EVENT)
        return channel

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The socket.io server and its health route (see the module docstring)."""
        store_notice()  # read at start-up: a missing text fails early
        # Same origin, and the website widget's sites (WIDGET_ORIGINS), as the
        # server's HTTP guard (Rasa turns engine.io's check off). An event
        # over the HTTP body limit is refused by the transport. No cookies
        # are used, so no credentialed CORS either.
        settings = Settings.from_env()
        sio = AsyncServer(
            async_mode="sanic",
            max_http_buffer_size=MAX_BODY_BYTES,
            cors_credentials=False,
            cors_allowed_origins=socket_origins(settings.widget_origins),
            **shared_rooms(settings),
        )
        blueprint = SocketBlueprint(
            sio, self.socketio_path, "socketio_webhook", __name__
        )
        self.sio = sio
        namespace = self.namespace
        # The conversation each connection (sid) is in; forgotten on disconnect.
        sessions: dict[str, str] = {}

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: Any, auth: Any = None) -> bool:
            return self._authorised(auth)

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, *_: Any) -> None:
            sessions.pop(sid, None)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, *args: Any) -> Optional[dict[str, str]]:
            try:
                requested = parse_session_request(_one(args, allow_none=True))
            except PayloadError as error:
                return await self._refuse(sid, error)
            session_id = requested or uuid.uuid4().hex
            await self._join(sid, session_id, sessions)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            return None

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, *args: Any) -> dict[str, str]:
            try:
                incoming = parse_socket_message(
                    _one(args), self.metadata_key or "metadata"
                )
                sender = self._sender(sid, incoming, sessions)
            except PayloadError as error:
                return await self._refuse(sid, error)
            await self._join(sid, sender, sessions)
            output = RecordingOutput(sio, self.bot_message_evt)
            checked = Incoming(sender, incoming.text, incoming.metadata)
            failures = await self.process(on_new_message, checked, output)
            if not failures:
                return {"status": "ok"}
            if failures == [LIMITED]:
                return {"status": "rate_limited"}
            return {"status": "store_unavailable"}

        return blueprint

    def _authorised(self, auth: Any) -> bool:
        """Whether a connection may open (a valid JWT when `jwt_key` is set)."""
        if not self.jwt_key:
            return True
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str) or not token:
            return False
        return bool(decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

    def _sender(self, sid: str, incoming: Incoming, sessions: dict[str, str]) -> str:
        """The conversation a message belongs to.

        Raises:
            PayloadError: When the message has no session, or names another
                one than the connection's.
        """
        if not self.session_persistence:
            return sid
        current = sessions.get(sid)
        if not incoming.sender:
            if current is None:
                raise PayloadError(
                    "'session_id' is missing: send 'session_request' first"
                )
            return current
        if current is not None and incoming.sender != current:
            raise PayloadError(
                "'session_id' is not the session of this connection;"
                " send 'session_request' to change it"
            )
        return incoming.sender

    async def _join(self, sid: str, session_id: str, sessions: dict[str, str]) -> None:
        """Put the connection in its session's room, where replies are sent."""
        if not self.session_persistence or sessions.get(sid) == session_id:
            sessions[sid] = session_id
            return
        assert self.sio is not None
        previous = sessions.get(sid)
        if previous is not None:
            await _maybe_await(
                self.sio.leave_room(sid, previous, namespace=self.namespace)
            )
        # A coroutine since python-socketio 5.10 (Rasa 3.6 forgets to await it).
        await _maybe_await(
            self.sio.enter_room(sid, session_id, namespace=self.namespace)
        )
        sessions[sid] = session_id

    async def _refuse(self, sid: str, error: PayloadError) -> dict[str, str]:
        """Tell the client why its event was refused; nothing else happens."""
        logger.info("Refused a socket.io event: %s", error)
        body = {"error": str(error)}
        assert self.sio is not None
        await self.sio.emit(self.error_evt, body, room=sid, namespace=self.namespace)
        return body


def _one(args: tuple[Any, ...], allow_none: bool = False) -> Any:
    """The single data argument of an event."""
    if len(args) == 1:
        return args[0]
    if not args and allow_none:
        return None
    raise PayloadError("send exactly one data object with the event")


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result
