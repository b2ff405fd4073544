"""Faults at scale on two replicas: nothing lost, order kept, clear answers meanwhile.

Two replicas (tests/e2e/replicas.py) share PostgreSQL, Redis and RabbitMQ, and
one staff console. The system services cannot be restarted by a test, so:

- PostgreSQL and RabbitMQ are reached through TCP proxies (tests/e2e/services.py)
  that the tests cut (every connection breaks, new ones are refused: what the
  servers see while PostgreSQL or RabbitMQ restarts) and restore;
- Redis is a throwaway `redis-server` on a free port, killed (SIGKILL, every
  key lost) and started again on the same port;
- the console and a Rasa replica are real processes, killed with SIGKILL.

Every scenario runs 30 conversations at once (the console's: 3 handoffs). A
client does what the person is told: after a 503 ("please send it again") or
a broken connection it sends the same message again, to the other replica.
Afterwards every conversation's stored events hold each message once (a
message whose answer was lost in a crash may be there twice, never missing),
in order, each answered. Skipped, with the reason, only where PostgreSQL,
Redis or RabbitMQ is not reachable or redis-server is not installed.
"""

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import aiohttp
import pytest

from bot.channels.notice import StoreNotice
from bot.launch import Services
from bot.safety.redact import redact
from bot.settings import ROOT, Settings
from tests.e2e.replicas import Reply, Shared, running_replicas, say, user_and_bot
from tests.e2e.services import (
    POSTGRES,
    RABBITMQ,
    RedisServer,
    TcpProxy,
    delete_queue,
    drain_queue,
    free_port,
    postgres_database,
    require_services,
    stored_events,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

CONVERSATIONS = 30
NOTICE = StoreNotice.load(ROOT / "domain.yml", ROOT / "data" / "translations").texts
LINES = [
    "hi",
    "someone says they will post my pics unless I pay",
    "what should I do now",
    "how do I report it",
    "thank you",
]
ADMIN = ("supervisor", "a long supervisor passphrase")


@dataclass
class Rig:
    """The replicas, the console and the handles on the shared services."""

    work: Path
    shared: Shared
    replicas: list[Services]
    postgres: TcpProxy
    rabbitmq: TcpProxy
    redis: RedisServer
    console: "Console"
    sent: dict[str, list[str]] = field(default_factory=dict)

    @property
    def bases(self) -> list[str]:
        """The replicas' base URLs (those still running)."""
        return [s.rasa_url for s in self.replicas if s.rasa.poll() is None]

    def log(self) -> str:
        """Everything the replicas wrote so far."""
        return "".join(
            s.log.read_text(errors="replace") for s in self.replicas if s.log
        )


class Console:
    """One staff console for both replicas, as its own process."""

    def __init__(
        self, work: Path, shared: Shared, database: str, rasa: str, port: int
    ) -> None:
        self.settings = Settings(
            console_port=port,
            database_url=f"postgresql://postgres@127.0.0.1:{POSTGRES[1]}/{database}",
            service_token=shared.service_token,
            api_token=shared.api_token,
            rasa_address=rasa,
            console_admin_user=ADMIN[0],
            console_admin_password=ADMIN[1],
            handoff_wait=600,
            tracker_db=work / "unused.db",
        )
        self.log = work / "console.log"
        self.process: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        """Its base URL."""
        return self.settings.console_url

    def start(self) -> None:
        """Start it and wait until it answers."""
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.handoff", "serve"],
                cwd=ROOT,
                env=self.settings.child_environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while not answers(f"{self.url}/health"):
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the console did not start"
            time.sleep(0.3)

    def kill(self) -> None:
        """Stop it at once (SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


class Replica(Services):
    """A replica without a console of its own (they share one)."""

    def commands(self) -> list[list[str]]:
        """The action server and the Rasa server only."""
        return super().commands()[:2]

    def health_urls(self) -> list[str]:
        """The action server's and the Rasa server's."""
        return super().health_urls()[:2]


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    require_services()
    if not RedisServer.available():
        pytest.skip("redis-server is not installed (needed to restart Redis)")
    work = tmp_path_factory.mktemp("faults")
    redis = RedisServer(work).start()
    postgres = TcpProxy(POSTGRES).start()
    rabbitmq = TcpProxy(RABBITMQ).start()
    try:
        with (
            postgres_database() as database,
            postgres_database() as console_database,
        ):
            shared = Shared(
                database,
                pg_port=postgres.port,
                redis_port=redis.port,
                rabbitmq_port=rabbitmq.port,
            )
            console_port = free_port()
            try:
                with running_replicas(
                    work,
                    shared,
                    kind=Replica,
                    console_enabled=True,
                    console_address=f"http://127.0.0.1:{console_port}",
                    rate_limit_sender=0,
                    rate_limit_ip=0,
                    lock_lifetime=5,
                    action_timeout=10,
                    handoff_wait=600,
                ) as replicas:
                    console = Console(
                        work,
                        shared,
                        console_database,
                        replicas[0].rasa_url,
                        console_port,
                    )
                    console.start()
                    try:
                        yield Rig(
                            work, shared, replicas, postgres, rabbitmq, redis, console
                        )
                    finally:
                        console.kill()
            finally:
                asyncio.run(delete_queue(shared.queue, shared.exchange))
    finally:
        postgres.cut()
        rabbitmq.cut()
        redis.kill()


async def turn(
    session: aiohttp.ClientSession,
    rig: Rig,
    sender: str,
    text: str,
    first: int,
    answers: list[Reply],
    attempts: int = 40,
) -> Reply:
    """Send a message until it is answered with 200, as the person would.

    After a 503 or a broken connection the same message goes again, to the
    other replica, after a short pause. Every answer is kept in `answers`.
    """
    for attempt in range(attempts):
        bases = rig.bases
        reply = await say(session, bases[(first + attempt) % len(bases)], sender, text)
        answers.append(reply)
        if reply.status == 200:
            rig.sent.setdefault(sender, []).append(text)
            return reply
        await asyncio.sleep(0.5)
    raise AssertionError(f"{text!r} was never answered: {answers[-3:]}")


def expected_turns(rig: Rig, sender: str) -> list[str]:
    return [redact(text) for text in rig.sent[sender]]


def check_stored(rig: Rig, senders: list[str], resent: set[str]) -> None:
    """Each message once (twice only if resent after a lost answer), in order, answered."""
    stored = stored_events(rig.shared.database)
    for sender in senders:
        messages = user_and_bot(stored.get(sender, []))
        said = [text for kind, text in messages if kind == "user"]
        collapsed = [t for i, t in enumerate(said) if i == 0 or said[i - 1] != t]
        assert collapsed == expected_turns(rig, sender), (sender, said)
        repeats = {t for i, t in enumerate(said) if i and said[i - 1] == t}
        assert repeats <= {redact(t) for t in resent}, (sender, repeats)
        for index, (kind, _) in enumerate(messages):
            if kind == "user":
                assert index + 1 < len(messages) and messages[index + 1][0] == "bot", (
                    sender,
                    messages,
                )


def senders(name: str) -> list[str]:
    return [f"{name}-{n:02d}-{uuid.uuid4().hex[:6]}" for n in range(CONVERSATIONS)]


def line(sender: str, number: int) -> str:
    return f"{LINES[number % len(LINES)]} kf{sender[-6:]}x{number}"


async def test_rabbitmq_down_the_assistant_answers_and_nothing_is_lost(
    rig: Rig,
) -> None:
    people = senders("mq")
    answers: list[Reply] = []
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(
            *(
                turn(session, rig, p, line(p, 0), n, answers)
                for n, p in enumerate(people)
            )
        )
        rig.rabbitmq.cut()
        for number in (1, 2):
            await asyncio.gather(
                *(
                    turn(session, rig, p, line(p, number), n + number, answers)
                    for n, p in enumerate(people)
                )
            )
    assert all(a.status == 200 for a in answers), "RabbitMQ down must not stop answers"
    rig.rabbitmq.restore()
    check_stored(rig, people, set())
    stored = stored_events(rig.shared.database)
    wanted = {p: user_and_bot(stored[p]) for p in people}
    # Every stored message reaches RabbitMQ once it is back: at least once
    # (an event whose confirm was lost in the cut is sent again), nothing else.
    published: dict[str, Counter[tuple[str, str]]] = {p: Counter() for p in people}
    deadline = time.monotonic() + 120
    while any(Counter(wanted[p]) - published[p] for p in people):
        assert time.monotonic() < deadline, "buffered events never reached RabbitMQ"
        for event in await drain_queue(rig.shared.queue, quiet=0.5):
            sender = str(event.get("sender_id"))
            if sender in published:
                published[sender].update(user_and_bot([event]))
    assert all(set(published[p]) == set(wanted[p]) for p in people)
    log = rig.log()
    assert "RabbitMQ unreachable" in log and "reachable again" in log


async def test_postgresql_restarted_clear_errors_then_nothing_lost(rig: Rig) -> None:
    people = senders("pg")
    answers: list[Reply] = []
    resent: set[str] = set()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(
            *(
                turn(session, rig, p, line(p, 0), n, answers)
                for n, p in enumerate(people)
            )
        )
        # PostgreSQL goes down while the next messages are being handled.
        during: list[Reply] = []
        first = [
            asyncio.ensure_future(say(session, rig.bases[n % 2], p, line(p, 1)))
            for n, p in enumerate(people)
        ]
        await asyncio.sleep(0.3)
        rig.postgres.cut()
        for person, task in zip(people, first, strict=True):
            reply = await task
            during.append(reply)
            if reply.status == 200:
                rig.sent.setdefault(person, []).append(line(person, 1))
        # Meanwhile: a clear answer, never a silent loss or a 500.
        while_down = [
            await say(session, rig.bases[n % 2], p, "are you there")
            for n, p in enumerate(people[:3])
        ]
        rig.postgres.restore()
        statuses = {r.status for r in during + while_down}
        assert statuses <= {200, 503}, statuses
        refused = [r for r in during + while_down if r.status == 503]
        assert refused, "no message was refused while PostgreSQL was down"
        assert all(
            r.texts and r.texts[-1] in NOTICE.values() and r.headers.get("Retry-After")
            for r in refused
        )
        # The people send again what they were asked to, then go on.
        for person, reply in zip(people, during, strict=True):
            if reply.status != 200:
                resent.add(line(person, 1))
        await asyncio.gather(
            *(
                turn(session, rig, p, line(p, 1), n, answers)
                for n, (p, r) in enumerate(zip(people, during, strict=True))
                if r.status != 200
            )
        )
        await asyncio.gather(
            *(
                turn(session, rig, p, line(p, 2), n, answers)
                for n, p in enumerate(people)
            )
        )
    check_stored(rig, people, resent)
    assert "are you there" not in json.dumps(stored_events(rig.shared.database))


async def test_redis_restarted_conversations_keep_their_order(rig: Rig) -> None:
    people = senders("rd")
    answers: list[Reply] = []
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(
            *(
                turn(session, rig, p, line(p, 0), n, answers)
                for n, p in enumerate(people)
            )
        )
        rig.redis.kill()
        down = [
            await say(session, rig.bases[n % 2], p, line(p, 1))
            for n, p in enumerate(people[:4])
        ]
        assert all(r.status == 503 for r in down), [r.status for r in down]
        assert all(r.texts and r.texts[-1] in NOTICE.values() for r in down)
        rig.redis.start()  # empty: every lock and counter is gone
        for number in (1, 2, 3):
            await asyncio.gather(
                *(
                    turn(session, rig, p, line(p, number), n + number, answers)
                    for n, p in enumerate(people)
                )
            )
    # The refused messages were not handled at all: each is stored once.
    check_stored(rig, people, set())


async def test_console_restarted_during_a_live_handoff_loses_nothing(rig: Rig) -> None:
    people = [f"web-{n}-{uuid.uuid4().hex[:6]}" for n in range(3)]
    base = rig.replicas[0].rasa_url  # where the console delivers staff messages
    async with aiohttp.ClientSession() as session:
        for person in people:
            reply = await say(
                session, base, person, "can I talk to a real person please"
            )
            assert reply.status == 200 and reply.texts, reply
        staff = await Staff.login(session, rig.console.url)
        handoffs = await staff.waiting_for(len(people))
        for handoff in handoffs:
            await staff.post(f"/api/handoffs/{handoff['id']}/claim", {})
            await staff.post(
                f"/api/handoffs/{handoff['id']}/messages", {"text": "Hello, I'm Ana."}
            )
        for person in people:
            assert "Hello, I'm Ana." in await updates(session, base, person)

        rig.console.kill()
        said = {
            person: [f"are you still there, {name} {n}" for n in range(3)]
            for person, name in zip(people, ("amy", "ben", "cy"), strict=True)
        }
        for n in range(3):
            for index, person in enumerate(people):
                reply = await say(
                    session, rig.bases[(n + index) % 2], person, said[person][n]
                )
                assert reply.status == 200, reply  # held by staff: the bot is quiet
        rig.console.start()

        staff = await Staff.login(session, rig.console.url)
        for handoff in handoffs:
            deadline = time.monotonic() + 120
            while True:
                detail = await staff.get(f"/api/handoffs/{handoff['id']}")
                lines = [
                    m["text"] for m in detail["transcript"] if m["sender"] == "user"
                ]
                if any(all(s in lines for s in said[p]) for p in people):
                    break
                assert time.monotonic() < deadline, lines
                await asyncio.sleep(0.5)
        transcripts = [
            [
                m["text"]
                for m in (await staff.get(f"/api/handoffs/{h['id']}"))["transcript"]
                if m["sender"] == "user"
            ]
            for h in handoffs
        ]
        for person in people:
            matching = [t for t in transcripts if said[person][0] in t]
            assert len(matching) == 1, transcripts
            assert [t for t in matching[0] if t in said[person]] == said[person]
        # Staff can still write after the restart, and close.
        for handoff in handoffs:
            await staff.post(
                f"/api/handoffs/{handoff['id']}/messages", {"text": "Still here."}
            )
        for person in people:
            assert "Still here." in await updates(session, base, person)
        for handoff in handoffs:
            await staff.post(
                f"/api/handoffs/{handoff['id']}/close", {"outcome": "supported"}
            )
    log = rig.log()
    assert "does not take events" in log and "takes events again" in log


async def test_a_replica_killed_mid_conversation_the_other_continues(rig: Rig) -> None:
    people = senders("kill")
    answers: list[Reply] = []
    resent: set[str] = set()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(
            *(
                turn(session, rig, p, line(p, 0), n, answers)
                for n, p in enumerate(people)
            )
        )
        victim = rig.replicas[0]
        # Turn 1 of every conversation on the replica about to die.
        pending = [
            asyncio.ensure_future(say(session, victim.rasa_url, p, line(p, 1)))
            for p in people
        ]
        await asyncio.sleep(0.5)
        victim.rasa.send_signal(signal.SIGKILL)
        victim.rasa.wait()
        lost = []
        for person, task in zip(people, pending, strict=True):
            reply = await task
            if reply.status == 200:
                rig.sent.setdefault(person, []).append(line(person, 1))
            else:
                lost.append(person)
                resent.add(line(person, 1))
        assert lost, "the replica died before any message was in flight"
        # The people send again on the other replica, and go on there.
        await asyncio.gather(
            *(turn(session, rig, p, line(p, 1), 0, answers) for p in lost)
        )
        for number in (2, 3):
            await asyncio.gather(
                *(turn(session, rig, p, line(p, number), 0, answers) for p in people)
            )
    assert len(rig.bases) == 1
    check_stored(rig, people, resent)


class Staff:
    """A console user through the JSON API (aiohttp)."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str) -> None:
        self.session, self.base = session, base
        self.headers = {"Authorization": f"Bearer {token}"}

    @classmethod
    async def login(cls, session: aiohttp.ClientSession, base: str) -> "Staff":
        async with session.post(
            f"{base}/api/login", json={"username": ADMIN[0], "password": ADMIN[1]}
        ) as reply:
            body = await reply.json()
            assert reply.status == 200, body
        return cls(session, base, body["token"])

    async def get(self, path: str) -> Any:
        async with self.session.get(self.base + path, headers=self.headers) as reply:
            body = await reply.json()
            assert reply.status == 200, body
            return body

    async def post(self, path: str, body: Any) -> Any:
        async with self.session.post(
            self.base + path, json=body, headers=self.headers
        ) as reply:
            answer = await reply.json()
            assert reply.status == 200, answer
            return answer

    async def waiting_for(self, count: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 60
        while True:
            waiting = await self.get("/api/handoffs?status=waiting")
            if len(waiting) >= count:
                return list(waiting)[:count]
            assert time.monotonic() < deadline, waiting
            await asyncio.sleep(0.3)


async def updates(session: aiohttp.ClientSession, base: str, sender: str) -> list[str]:
    """What the person's web chat page gets by long polling (up to 30 s)."""
    received: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        async with session.get(
            f"{base}/webhooks/rest/updates", params={"sender": sender, "wait": "5"}
        ) as reply:
            received += [m.get("text", "") for m in await reply.json()]
        if received:
            return received
    return received
