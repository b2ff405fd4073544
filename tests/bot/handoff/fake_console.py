"""A fake staff console: the `/internal` contract on a free port, recording calls.

The Rasa side's tests (actions, client, broker) run it on their own event loop
(aiohttp, real HTTP). `mode` decides the replies: "available" (someone can
take it), "nobody" (no staff online), "closed" (outside the hours), "slow"
(answers after `delay` seconds), "error" (HTTP 500), "garbage" (200 without
JSON). A console that is down is a free port with no server (`down_url`).
"""

import asyncio
import json
import socket
from dataclasses import dataclass
from typing import Any, Optional

from aiohttp import web

SERVICE_TOKEN = "service-token-of-the-fake-console"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def down_url() -> str:
    """The URL of a console that is not running."""
    return f"http://127.0.0.1:{free_port()}"


@dataclass
class Call:
    """One request the fake console received, as sent."""

    method: str
    path: str
    authorization: Optional[str]
    raw: str
    query: dict[str, str]

    @property
    def body(self) -> Any:
        """The JSON body (None without one)."""
        return json.loads(self.raw) if self.raw else None


class FakeConsole:
    """The console's `/internal` routes, idempotent per conversation like the real one."""

    def __init__(self, token: str = SERVICE_TOKEN) -> None:
        self.token = token
        self.mode = "available"
        self.delay = 0.0
        self.wait_estimate_s: Optional[int] = None
        self.expires_in_s = 3600
        self.calls: list[Call] = []
        self.open: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.port = free_port()
        self._runner: Optional[web.AppRunner] = None

    @property
    def url(self) -> str:
        """Base URL of the fake console."""
        return f"http://127.0.0.1:{self.port}"

    def calls_to(self, path: str) -> list[Call]:
        """The calls of one route, in order."""
        return [call for call in self.calls if call.path == path]

    async def start(self) -> None:
        """Serve on 127.0.0.1:port."""
        app = web.Application()
        app.router.add_post("/internal/handoffs", self._open)
        app.router.add_post("/internal/handoffs/cancel", self._cancel)
        app.router.add_get("/internal/handoffs/status", self._status)
        app.router.add_post("/internal/events", self._events)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(
        self, request: web.Request
    ) -> tuple[Call, Optional[web.Response]]:
        """Record the call; with the reply for a refused or failing one."""
        call = Call(
            request.method,
            request.path,
            request.headers.get("Authorization"),
            await request.text(),
            dict(request.query),
        )
        self.calls.append(call)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            refused = web.json_response({"error": "service token required"}, status=401)
            return call, refused
        if self.mode == "error":
            return call, web.json_response({"error": "broken"}, status=500)
        if self.mode == "garbage":
            return call, web.Response(text="<html>proxy error</html>")
        return call, None

    def _reply(self, handoff: dict[str, Any]) -> dict[str, Any]:
        staff = 0 if self.mode == "nobody" else 2
        within = self.mode != "closed"
        return {
            **handoff,
            "position": 1,
            "staff_online": staff,
            "within_hours": within,
            "available": within and staff > 0,
            "wait_estimate_s": self.wait_estimate_s,
            "expires_in_s": self.expires_in_s,
        }

    async def _open(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request)
        if refused is not None:
            return refused
        body = call.body
        cid = body["conversation_id"]
        handoff = self.open.setdefault(
            cid, {"id": len(self.open) + 1, "status": "waiting", "urgent": False}
        )
        handoff["urgent"] = handoff["urgent"] or body["risk"] == "high"
        return web.json_response(self._reply(handoff))

    async def _cancel(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request)
        if refused is not None:
            return refused
        cid = call.body["conversation_id"]
        return web.json_response({"cancelled": self.open.pop(cid, None) is not None})

    async def _status(self, request: web.Request) -> web.Response:
        _, refused = await self._record(request)
        if refused is not None:
            return refused
        handoff = self.open.get(request.query.get("conversation_id", ""))
        if handoff is None:
            return web.json_response({"status": "none"})
        return web.json_response(self._reply(handoff))

    async def _events(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request)
        if refused is not None:
            return refused
        events = call.body["events"]
        self.events.extend(events)
        return web.json_response({"accepted": len(events)})
