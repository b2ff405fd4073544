"""Test helpers: the real console served on a free port, and a fake Rasa.

Both run on one asyncio loop in a background thread, so tests stay plain
synchronous code and talk real HTTP (urllib) to real servers. The console's
clock is a `Clock` the test can move forward (timers, expiry, sessions).
"""

import asyncio
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Optional, TypeVar

from aiohttp import web
from sanic import Sanic

from bot.handoff import accounts
from bot.handoff.app import create_app
from bot.settings import Settings

T = TypeVar("T")

SERVICE_TOKEN = "service-token-for-tests"
API_TOKEN = "rasa-token-for-tests"
ADMIN = ("boss", "supervisor-password-1")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Clock:
    """Epoch seconds that the test can move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.offset += seconds


class LoopThread:
    """An asyncio loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop and its thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@dataclass
class Call:
    """One request the fake Rasa received."""

    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass
class FakeRasa:
    """A small aiohttp server standing in for Rasa's HTTP API."""

    port: int = 0
    calls: list[Call] = field(default_factory=list)
    status: int = 200
    runner: Optional[web.AppRunner] = None

    async def start(self) -> None:
        """Listen on a free port."""

        async def record(request: web.Request) -> web.Response:
            body = await request.json() if request.can_read_body else None
            self.calls.append(
                Call(
                    request.path,
                    dict(request.query),
                    body,
                    request.headers.get("Authorization", ""),
                )
            )
            return web.json_response({"ok": True}, status=self.status)

        app = web.Application()
        app.router.add_post("/{tail:.*}", record)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        self.port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Stop listening."""
        if self.runner is not None:
            await self.runner.cleanup()

    def intents(self, conversation_id: Optional[str] = None) -> list[str]:
        """Names of the intents triggered (in a conversation)."""
        return [
            c.body["name"]
            for c in self.calls
            if c.path.endswith("/trigger_intent")
            and (conversation_id is None or f"/{conversation_id}/" in c.path)
        ]


class Console:
    """The console app served for real, with a fake Rasa and a movable clock."""

    def __init__(self, settings: Settings, rasa: FakeRasa, loop: LoopThread):
        # Sanic rewrites its request handler on the class at each start; in test
        # mode it starts from the original each time, so several apps can start
        # in one process.
        Sanic.test_mode = True
        self.settings = settings
        self.rasa = rasa
        self.loop = loop
        self.clock = Clock()
        self.app = create_app(
            settings,
            name=f"console_test_{settings.console_port}",
            timer_interval=0.05,
            keepalive=0.3,
            clock=self.clock,
        )
        self.server: Any = None
        self.url = f"http://127.0.0.1:{settings.console_port}"

    async def _start(self) -> None:
        self.server = await self.app.create_server(
            host="127.0.0.1",
            port=self.settings.console_port,
            return_asyncio_server=True,
            access_log=False,
        )
        await self.server.startup()
        await self.server.before_start()
        await self.server.after_start()

    async def _stop(self) -> None:
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()

    def start(self) -> "Console":
        """Serve (migrations and the first supervisor included)."""
        self.loop.run(self._start(), timeout=60)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.loop.run(self._stop())

    @property
    def service(self) -> Any:
        """The running service."""
        return self.app.ctx.service


def request(
    method: str,
    url: str,
    body: Any = None,
    headers: Optional[dict[str, str]] = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], Any]:
    """One HTTP request: status, headers (lower-case names) and decoded body.

    `body` is sent as JSON unless it is bytes. The decoded body is JSON when
    the reply is JSON, else the text.
    """
    data = None
    sent = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    prepared = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as reply:
            status, got, raw = reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        status, got, raw = error.code, error.headers, error.read()
    names = {k.lower(): v for k, v in got.items()}
    text = raw.decode("utf-8", "replace")
    if names.get("content-type", "").startswith("application/json"):
        return status, names, json.loads(text)
    return status, names, text


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


INTERNAL = bearer(SERVICE_TOKEN)
PASSWORD = "a-long-password-1"


def conversation() -> str:
    """A conversation id that looks like a phone number (must never leak)."""
    return f"+63917{uuid.uuid4().int % 10**7:07d}"


def add_staff(console: Console, role: str = "counsellor", languages: str = "tl") -> str:
    """A new account (through the store, as the CLI does); its username."""
    name = f"staff{uuid.uuid4().hex[:8]}"
    console.service.store.add_staff(
        name,
        accounts.hash_password(PASSWORD),
        role,
        accounts.parse_languages(languages),
        console.clock(),
    )
    return name


def login(console: Console, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Log in over the API; the reply plus the cookie header."""
    status, headers, body = request(
        "POST", f"{console.url}/api/login", {"username": username, "password": password}
    )
    assert status == 200, body
    cookie = headers["set-cookie"].split(";", 1)[0]
    return {**body, "cookie": cookie}


def admin(console: Console) -> dict[str, str]:
    """Bearer header of the first supervisor (one log-in per console: argon2 is slow)."""
    token = getattr(console, "admin_token", None)
    if token is None:
        token = login(console, ADMIN[0], ADMIN[1])["token"]
        console.admin_token = token  # type: ignore[attr-defined]
    return bearer(token)


def create(console: Console, cid: str, **fields: Any) -> dict[str, Any]:
    """Open a hand-off through /internal."""
    body = {
        "conversation_id": cid,
        "language": "tl",
        "country": "PH",
        "channel": "socketio",
        "risk": "none",
        "reason": "request_human",
        "transcript": [{"sender": "user", "text": "gusto ko ng tao", "at": 1.0}],
        **fields,
    }
    status, _, reply = request(
        "POST", f"{console.url}/internal/handoffs", body, headers=INTERNAL
    )
    assert status == 200, reply
    return reply


def api(
    console: Console,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
) -> tuple[int, Any]:
    """A staff API call; status and JSON body."""
    if method == "POST" and body is None:
        body = {}
    status, got, reply = request(method, f"{console.url}{path}", body, headers=headers)
    assert got["content-type"].startswith("application/json")
    return status, reply
