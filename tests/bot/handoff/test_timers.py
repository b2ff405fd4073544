"""The console's timers with small waits, the webhook, hours and wait estimates.

Wait notice, expiry and retention run on a console whose clock the test moves.
"""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from bot.handoff.webhook import signature_ok
from tests.bot.handoff.conftest import console_settings
from tests.bot.handoff.console import (
    ADMIN,
    INTERNAL,
    Console,
    FakeRasa,
    LoopThread,
    admin,
    api,
    bearer,
    create,
    free_port,
    login,
    request,
)

WAIT = 60.0
EXPIRY = 120.0
WEBHOOK_SECRET = "webhook-secret-for-tests"


class Receiver:
    """A webhook receiver recording bodies and signatures."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []
        self.port = free_port()
        self.runner: Any = None

    async def start(self) -> None:
        async def hook(request: web.Request) -> web.Response:
            self.received.append(
                (await request.read(), request.headers.get("X-Signature", ""))
            )
            return web.json_response({})

        app = web.Application()
        app.router.add_post("/hook", hook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()


def closed_now() -> str:
    """HANDOFF_HOURS open only the day after tomorrow (Manila time).

    Not tomorrow: the tests move the console's clock forward, which must not
    cross midnight into the open day when they run just before it.
    """
    later = datetime.now(ZoneInfo("Asia/Manila")) + timedelta(days=2)
    return f"{later.strftime('%a')} 00:00-24:00"


@pytest.fixture(scope="module")
def receiver(loop_thread: LoopThread) -> Iterator[Receiver]:
    hook = Receiver()
    loop_thread.run(hook.start())
    yield hook
    loop_thread.run(hook.runner.cleanup())


@pytest.fixture(scope="module")
def timed(
    tmp_path_factory: pytest.TempPathFactory,
    fake_rasa: FakeRasa,
    loop_thread: LoopThread,
    receiver: Receiver,
) -> Iterator[Console]:
    settings = console_settings(
        tmp_path_factory.mktemp("timed"),
        fake_rasa,
        handoff_wait=WAIT,
        handoff_expiry=EXPIRY,
        retention_days=1,
        handoff_hours=closed_now(),
        handoff_webhook_url=f"http://127.0.0.1:{receiver.port}/hook",
        handoff_webhook_secret=WEBHOOK_SECRET,
    )
    running = Console(settings, fake_rasa, loop_thread).start()
    yield running
    running.stop()


def wait_for(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until `check()` is truthy (the timers run every 0.05 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def status_of(console: Console, cid: str) -> dict[str, Any]:
    _, _, body = request(
        "GET",
        f"{console.url}/internal/handoffs/status?conversation_id={quote(cid)}",
        headers=INTERNAL,
    )
    return dict(body)


def test_unanswered_once_then_expired(timed: Console) -> None:
    cid = f"conv-{uuid.uuid4().hex}"
    create(timed, cid, language="en")
    time.sleep(0.2)
    assert timed.rasa.intents(cid) == []
    timed.clock.advance(WAIT + 1)
    wait_for(lambda: timed.rasa.intents(cid) == ["EXTERNAL_handoff_unanswered"])
    time.sleep(0.2)  # several more rounds: told once only
    assert timed.rasa.intents(cid) == ["EXTERNAL_handoff_unanswered"]
    assert status_of(timed, cid)["status"] == "waiting"
    timed.clock.advance(EXPIRY)
    wait_for(lambda: "EXTERNAL_handoff_expired" in timed.rasa.intents(cid))
    assert status_of(timed, cid)["status"] == "none"
    _, entries = api(timed, "GET", "/api/audit", admin(timed))
    actions = [e["action"] for e in entries]
    assert "unanswered" in actions and "expired" in actions


def test_expiry_of_a_once_claimed_handoff_resumes_the_bot_first(timed: Console) -> None:
    cid = f"conv-{uuid.uuid4().hex}"
    handoff = create(timed, cid, language="en")
    boss = admin(timed)
    path = f"/api/handoffs/{handoff['id']}"
    assert api(timed, "POST", f"{path}/claim", boss)[0] == 200
    assert api(timed, "POST", f"{path}/transfer", boss, {"to": None})[0] == 200
    timed.clock.advance(EXPIRY + 1)
    wait_for(lambda: "EXTERNAL_handoff_expired" in timed.rasa.intents(cid))
    calls = [c for c in timed.rasa.calls if f"/{cid}/" in c.path]
    assert [c.body for c in calls[-2:]] == [
        [{"event": "resume"}],
        {"name": "EXTERNAL_handoff_expired", "entities": {}},
    ]
    assert "EXTERNAL_handoff_unanswered" not in timed.rasa.intents(cid)


def test_out_of_hours_and_wait_estimate(timed: Console) -> None:
    boss = admin(timed)
    api(timed, "GET", "/api/me", boss)  # a supervisor is online
    first = create(timed, f"conv-{uuid.uuid4().hex}", language="vi")
    assert first["within_hours"] is False and first["available"] is False
    assert first["staff_online"] >= 1
    timed.clock.advance(45)
    api(timed, "POST", f"/api/handoffs/{first['id']}/claim", boss)
    second = create(timed, f"conv-{uuid.uuid4().hex}", language="vi")
    assert second["position"] == 1
    assert second["wait_estimate_s"] is not None
    assert 30 <= second["wait_estimate_s"] <= EXPIRY


def test_retention_deletes_ended_handoffs(timed: Console) -> None:
    boss = admin(timed)
    handoff = create(timed, f"conv-{uuid.uuid4().hex}", language="th")
    path = f"/api/handoffs/{handoff['id']}"
    api(timed, "POST", f"{path}/claim", boss)
    api(timed, "POST", f"{path}/close", boss, {"outcome": "supported"})
    assert timed.loop.run(timed.service.purge()) == 0  # closed just now
    timed.clock.advance(86400 + 1)
    assert timed.loop.run(timed.service.purge()) >= 1
    assert api(timed, "GET", path, boss)[0] == 401  # sessions end after 24 h too
    again = bearer(login(timed, ADMIN[0], ADMIN[1])["token"])
    assert api(timed, "GET", path, again)[0] == 404
    timed.admin_token = None  # type: ignore[attr-defined]


def test_webhook_on_new_handoffs_is_signed_and_anonymous(
    timed: Console, receiver: Receiver
) -> None:
    cid = f"conv-{uuid.uuid4().hex}"
    handoff = create(timed, cid, language="tl", reason="crisis", risk="high")
    body, signature = wait_for(
        lambda: next(
            (r for r in receiver.received if json.loads(r[0])["id"] == handoff["id"]),
            None,
        )
    )
    assert signature_ok(body, WEBHOOK_SECRET, signature)
    assert not signature_ok(body, "other secret", signature)
    payload = json.loads(body)
    assert payload["event"] == "handoff.created" and payload["urgent"] is True
    assert cid not in body.decode() and "conversation_id" not in payload


def test_a_held_conversation_silent_too_long_is_closed_and_the_bot_resumes(
    tmp_path_factory: pytest.TempPathFactory,
    fake_rasa: FakeRasa,
    loop_thread: LoopThread,
) -> None:
    settings = console_settings(
        tmp_path_factory.mktemp("idle"), fake_rasa, handoff_idle=600.0
    )
    console = Console(settings, fake_rasa, loop_thread).start()
    try:
        cid = f"conv-{uuid.uuid4().hex}"
        handoff = create(console, cid, language="en")
        boss = admin(console)
        path = f"/api/handoffs/{handoff['id']}"
        assert api(console, "POST", f"{path}/claim", boss)[0] == 200
        console.clock.advance(500)
        assert (
            api(console, "POST", f"{path}/messages", boss, {"text": "still here?"})[0]
            == 200
        )
        console.clock.advance(500)  # 1,000 s since the claim, 500 since the message
        time.sleep(0.3)
        assert status_of(console, cid)["status"] == "active"
        console.clock.advance(101)
        wait_for(lambda: "EXTERNAL_handoff_closed" in console.rasa.intents(cid))
        assert status_of(console, cid)["status"] == "none"
        calls = [c.body for c in console.rasa.calls if f"/{cid}/" in c.path]
        assert calls[-2:] == [
            [{"event": "resume"}],
            {"name": "EXTERNAL_handoff_closed", "entities": {}},
        ]
        _, entries = api(console, "GET", "/api/audit", boss)
        closed = [e for e in entries if e["action"] == "closed"]
        assert closed and "person_left" in json.dumps(closed[0])
    finally:
        console.stop()
