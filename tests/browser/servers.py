"""The real staff console as a process, a fake Rasa, and staff accounts.

Shared by the browser tests (tests/browser/) and the page tests
(tests/bot/handoff/test_pages.py). The console runs as `python -m bot.handoff
serve` on a free port with a temporary SQLite database; its accounts are made
with its own CLI. The fake Rasa is a small aiohttp server that records every
call the console makes to Rasa's HTTP API and answers as Rasa does.
"""

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from aiohttp import web

from bot.settings import ROOT

SUPERVISOR = ("sam.super", "supervisor-pass-1")
PASSWORD = "counsellor-pass-1"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Call:
    """One request the console made to the fake Rasa.

    Attributes:
        method: HTTP method.
        path: Path without the query.
        query: Query parameters.
        authorization: The Authorization header ("" when absent).
        body: The decoded JSON body (None when empty).
    """

    method: str
    path: str
    query: dict[str, str]
    authorization: str
    body: Any


@dataclass
class FakeRasa:
    """Rasa's HTTP API as the console uses it, recording every call.

    Attributes:
        port: Where it listens (127.0.0.1).
        calls: What it received, in order.
    """

    port: int = field(default_factory=free_port)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: Optional[asyncio.Event] = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _answer(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.calls.append(
            Call(
                request.method,
                request.path,
                dict(request.query),
                request.headers.get("Authorization", ""),
                body,
            )
        )
        sender = request.match_info.get("sender", "")
        tracker = {"sender_id": sender, "events": [], "paused": False}
        if request.path.endswith("/trigger_intent"):
            return web.json_response({"tracker": tracker, "messages": []})
        return web.json_response(tracker)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/conversations/{sender}/{rest:.*}", self._answer)
        app.router.add_route("*", "/{rest:.*}", self._answer)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())

    def start(self) -> "FakeRasa":
        """Start listening (returns once it does)."""
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake Rasa did not start")
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def wait_for(self, matches: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """The first recorded call that matches, waiting for it if need be.

        Raises:
            AssertionError: None arrived within `timeout` seconds.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in list(self.calls):
                if matches(call):
                    return call
            time.sleep(0.05)
        raise AssertionError(f"no such call to Rasa; received: {self.calls}")


@dataclass
class Console:
    """A running console process.

    Attributes:
        url: Its base URL.
        env: The environment it runs with (tokens, database, ports).
        work: Its temporary folder (database, secret, log).
        process: The process.
    """

    url: str
    env: dict[str, str]
    work: Path
    process: "subprocess.Popen[bytes]"

    @property
    def service_token(self) -> str:
        """The token of the /internal routes."""
        return self.env["SERVICE_TOKEN"]

    def log(self) -> str:
        """The end of its log."""
        path = self.work / "console.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""

    def cli(self, *args: str, stdin: str = "") -> "subprocess.CompletedProcess[str]":
        """Run `python -m bot.handoff ...` against the same database."""
        return subprocess.run(
            [sys.executable, "-m", "bot.handoff", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def add_staff(
        self, username: str, role: str, languages: str, password: str = PASSWORD
    ) -> None:
        """Create an account with the console's CLI."""
        done = self.cli(
            "add-staff",
            username,
            "--role",
            role,
            "--languages",
            languages,
            "--password-stdin",
            stdin=password + "\n",
        )
        assert done.returncode == 0, done.stderr + done.stdout

    def internal(self, path: str, body: Any) -> tuple[int, Any]:
        """POST to an /internal route with the service token."""
        return request_json(
            "POST",
            self.url + path,
            body,
            {"Authorization": f"Bearer {self.service_token}"},
        )

    def open_handoff(self, conversation_id: str, **fields: Any) -> dict[str, Any]:
        """Ask for a person the way the Rasa side does (POST /internal/handoffs)."""
        body = {
            "conversation_id": conversation_id,
            "language": "en",
            "country": "PH",
            "channel": "socketio",
            "risk": "none",
            "reason": "request_human",
            "transcript": [
                {"sender": "user", "text": "can I talk to a person", "at": time.time()}
            ],
        }
        body.update(fields)
        status, reply = self.internal("/internal/handoffs", body)
        assert status == 200, (status, reply)
        return dict(reply)

    def user_says(self, conversation_id: str, text: str, **fields: Any) -> None:
        """A user message as the event broker forwards it (POST /internal/events)."""
        event = {
            "conversation_id": conversation_id,
            "type": "user",
            "text": text,
            "at": time.time(),
            **fields,
        }
        status, reply = self.internal("/internal/events", {"events": [event]})
        assert status == 200 and reply == {"accepted": 1}, (status, reply)


def request_json(
    method: str, url: str, body: Any = None, headers: Optional[dict[str, str]] = None
) -> tuple[int, Any]:
    """One JSON request; the status and the decoded reply (None when not JSON)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            status, raw = reply.status, reply.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as reply:
            return bool(reply.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def running_console(work: Path, rasa: FakeRasa, **env: str) -> Iterator[Console]:
    """Start the console, yield it once it answers, stop it afterwards.

    Args:
        work: A temporary folder for its database, secret and log.
        rasa: The fake Rasa it talks to.
        **env: Further environment variables (HANDOFF_WAIT...).

    Yields:
        The running console with a supervisor (`SUPERVISOR`) made on first start.
    """
    port = free_port()
    environment = {
        **os.environ,
        "CONSOLE_HOST": "127.0.0.1",
        "CONSOLE_PORT": str(port),
        "DATABASE_URL": f"sqlite:///{work / 'console.db'}",
        "TRACKER_DB": str(work / "rasa.db"),
        "CONSOLE_ADMIN_USER": SUPERVISOR[0],
        "CONSOLE_ADMIN_PASSWORD": SUPERVISOR[1],
        "SERVICE_TOKEN": secrets.token_urlsafe(24),
        "API_TOKEN": secrets.token_urlsafe(24),
        "CONSOLE_SECRET": secrets.token_urlsafe(24),
        "RASA_HOST": "127.0.0.1",
        "RASA_PORT": str(rasa.port),
        "HANDOFF_WAIT": "3600",
        "HANDOFF_EXPIRY": "7200",
        "HANDOFF_HOURS": "24/7",
        "LOG_LEVEL": "INFO",
        **env,
    }
    for name in ("HANDOFF_WEBHOOK_URL", "HANDOFF_WEBHOOK_SECRET"):
        environment.pop(name, None)
    log = open(work / "console.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.handoff", "serve"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    console = Console(f"http://127.0.0.1:{port}", environment, work, process)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(console.url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the console did not start:\n" + console.log())
            time.sleep(0.1)
        yield console
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
