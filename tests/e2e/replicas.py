"""Several replicas (Rasa + action server each) on shared PostgreSQL, Redis and RabbitMQ.

Each replica is what `make run` starts (`bot.launch.Services`) with the
production endpoints (endpoints.production.yml) and its own ports; all share
one database, one Redis key prefix, one RabbitMQ queue and exchange, and one
API token (`Shared`). `Conversation` talks to them over the REST webhook with
aiohttp, turn by turn on the replica the test picks. Also used by
`make bench` (two-replica figures).
"""

import asyncio
import contextlib
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import aiohttp

from bot.launch import Services
from bot.settings import ROOT, Settings
from bot.training.models import newest
from tests.e2e.services import HOST, POSTGRES, RABBITMQ, REDIS, free_port, run_name


@dataclass(frozen=True)
class Shared:
    """What every replica of a test shares (names unique to the run).

    Attributes:
        database: The PostgreSQL database.
        pg_port: Where PostgreSQL is reached (the server or a proxy).
        redis_port: Where Redis is reached.
        redis_prefix: Key prefix of this run.
        rabbitmq_port: Where RabbitMQ is reached.
        queue: The RabbitMQ queue.
        exchange: The RabbitMQ exchange.
        api_token: Rasa's API token on every replica.
        service_token: The console's service token.
    """

    database: str
    pg_port: int = POSTGRES[1]
    redis_port: int = REDIS[1]
    redis_prefix: str = field(default_factory=lambda: run_name("t"))
    rabbitmq_port: int = RABBITMQ[1]
    queue: str = field(default_factory=lambda: run_name("events"))
    exchange: str = field(default_factory=lambda: run_name("exchange"))
    api_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    service_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))


def replica_settings(work: Path, shared: Shared, **extra: Any) -> Settings:
    """The settings of one replica (its own ports, the shared services).

    Args:
        work: A folder for this replica (logs; no database file is used).
        shared: The shared services.
        **extra: Further `Settings` fields (rate limits, console...).
    """
    values: dict[str, Any] = {
        "endpoints": ROOT / "endpoints.production.yml",
        "rasa_port": free_port(),
        "actions_port": free_port(),
        "console_port": free_port(),
        "tracker_db": work / "unused.db",
        "db_host": HOST,
        "db_port": shared.pg_port,
        "db_user": "postgres",
        "db_database": shared.database,
        "redis_host": HOST,
        "redis_port": shared.redis_port,
        "redis_prefix": shared.redis_prefix,
        "rabbitmq_host": HOST,
        "rabbitmq_port": shared.rabbitmq_port,
        "rabbitmq_username": "guest",
        "rabbitmq_password": "guest",
        "rabbitmq_queue": shared.queue,
        "rabbitmq_exchange": shared.exchange,
        "api_token": shared.api_token,
        "service_token": shared.service_token,
        "console_enabled": False,
    }
    values.update(extra)
    return Settings(**values)


def latest_model() -> Path:
    """The newest trained model (the suite never trains)."""
    model = newest(ROOT / "models")
    assert model, "no trained model in models/: run `make train` (make test does)"
    return model


@contextlib.contextmanager
def running_replicas(
    work: Path,
    shared: Shared,
    count: int = 2,
    kind: type[Services] = Services,
    **extra: Any,
) -> Iterator[list[Services]]:
    """Start `count` replicas, yield them once all answer, stop them afterwards.

    Args:
        work: A folder for their logs (replica-<n>/servers.log).
        shared: The shared services.
        count: How many replicas.
        kind: What a replica runs (`Services`: action server and Rasa, plus
            a console of its own when the console is on).
        **extra: Further `Settings` fields for every replica.
    """
    model = latest_model()
    replicas = []
    try:
        for number in range(count):
            folder = work / f"replica-{number}"
            folder.mkdir(parents=True, exist_ok=True)
            services = kind(replica_settings(folder, shared, **extra), model)
            services.start(log=folder / "servers.log")
            replicas.append(services)
        for services in replicas:
            services.wait_ready(timeout=400)
    except BaseException:
        for number, services in enumerate(replicas):
            services.stop()
            log = work / f"replica-{number}" / "servers.log"
            if log.exists():
                print(f"--- replica {number} ---")
                print(log.read_text(errors="replace")[-3000:])
        raise
    try:
        yield replicas
    finally:
        for services in replicas:
            services.stop()


def server_log(work: Path, number: int) -> str:
    """What replica `number` wrote so far."""
    return (work / f"replica-{number}" / "servers.log").read_text(errors="replace")


@dataclass
class Reply:
    """One answer of the REST webhook."""

    status: int
    body: Any
    headers: dict[str, str]

    @property
    def texts(self) -> list[str]:
        """The texts of the bot messages in the answer."""
        if not isinstance(self.body, list):
            return []
        return [str(m.get("text") or "") for m in self.body if isinstance(m, dict)]


async def say(
    session: aiohttp.ClientSession,
    base: str,
    sender: str,
    text: str,
    address: Optional[str] = None,
    timeout: float = 120,
    message_id: Optional[str] = None,
) -> Reply:
    """Send one message to a replica's REST webhook.

    Args:
        session: The aiohttp session.
        base: The replica's base URL.
        sender: The conversation.
        text: The message.
        address: X-Forwarded-For (the person's address, PROXIES_COUNT=1).
        timeout: Seconds to wait for the answer.
        message_id: The delivery's id (a retry sends the same id).

    Returns:
        The answer; status 0 when the replica could not be reached.
    """
    headers = {"X-Forwarded-For": address} if address else {}
    sent = {"sender": sender, "message": text}
    if message_id is not None:
        sent["message_id"] = message_id
    try:
        async with session.post(
            f"{base}/webhooks/rest/webhook",
            json=sent,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as reply:
            try:
                body = await reply.json(content_type=None)
            except ValueError:
                body = None
            return Reply(reply.status, body, dict(reply.headers))
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
        return Reply(0, None, {})


def user_and_bot(events: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """The (kind, text) of the user and bot messages among stored events."""
    return [
        (str(e["event"]), str(e.get("text") or ""))
        for e in events
        if e.get("event") in ("user", "bot")
    ]


def turn_problems(
    events: Sequence[dict[str, Any]], expected: Sequence[str]
) -> list[str]:
    """What is wrong with a stored conversation, given the texts it must hold.

    Every expected user text once, in order, nothing else from a person, and
    each followed by at least one bot message before the next user message.

    Args:
        events: The conversation's stored events in order.
        expected: The user texts (as stored: redacted) in order.
    """
    messages = user_and_bot(events)
    said = [text for kind, text in messages if kind == "user"]
    problems = []
    if said != list(expected):
        problems.append(f"user messages {said!r} != {list(expected)!r}")
    unanswered = 0
    for index, (kind, _) in enumerate(messages):
        if kind != "user":
            continue
        following = messages[index + 1] if index + 1 < len(messages) else None
        if following is None or following[0] != "bot":
            unanswered += 1
    if unanswered:
        problems.append(f"{unanswered} user message(s) without an answer")
    return problems
