"""PostgreSQL, Redis and RabbitMQ for the multi-replica and fault tests.

The shared services are those on 127.0.0.1 (PostgreSQL 5432 with trust auth
for `postgres`, Redis 6379, RabbitMQ 5672 guest/guest; CI has them); a test
needing one that is not reachable is skipped with the reason. Each test run
uses its own PostgreSQL database, Redis key prefix, RabbitMQ queue and
exchange, removed afterwards, so runs never see each other's data.

Faults: the system services cannot be restarted by a test, so
- `TcpProxy` stands between the servers and PostgreSQL or RabbitMQ: `cut()`
  closes every connection through it and refuses new ones (what clients see
  while a server restarts), `restore()` accepts again;
- `RedisServer` is a throwaway `redis-server` on a free port that a test stops
  (SIGKILL) and starts again on the same port, empty (a real restart without
  persistence).
"""

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest

HOST = "127.0.0.1"
POSTGRES = (HOST, int(os.environ.get("TEST_PG_PORT", "5432")))
REDIS = (HOST, int(os.environ.get("TEST_REDIS_PORT", "6379")))
RABBITMQ = (HOST, int(os.environ.get("TEST_RABBITMQ_PORT", "5672")))


def reachable(address: tuple[str, int]) -> bool:
    """Whether something accepts TCP connections at `address`."""
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def require_services() -> None:
    """Skip the calling test (with the reason) unless all three are reachable."""
    missing = [
        f"{name} on {address[0]}:{address[1]}"
        for name, address in (
            ("PostgreSQL", POSTGRES),
            ("Redis", REDIS),
            ("RabbitMQ", RABBITMQ),
        )
        if not reachable(address)
    ]
    if missing:
        pytest.skip("not reachable: " + ", ".join(missing))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def run_name(kind: str) -> str:
    """A name unique to this run (letters and digits only)."""
    return f"{kind}{secrets.token_hex(5)}"


@contextlib.contextmanager
def postgres_database(port: Optional[int] = None) -> Iterator[str]:
    """A fresh PostgreSQL database (dropped afterwards); yields its name."""
    import sqlalchemy as sa

    name = run_name("replicas")
    admin = sa.create_engine(
        f"postgresql://postgres@{HOST}:{port or POSTGRES[1]}/postgres",
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name"
                ),
                {"name": name},
            )
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def stored_events(database: str) -> dict[str, list[dict[str, Any]]]:
    """Every stored event by conversation, in the order of their ids."""
    import json

    import sqlalchemy as sa

    engine = sa.create_engine(f"postgresql://postgres@{HOST}:{POSTGRES[1]}/{database}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, data FROM events ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    events: dict[str, list[dict[str, Any]]] = {}
    for sender, data in rows:
        events.setdefault(sender, []).append(json.loads(data))
    return events


async def drain_queue(
    queue: str, port: Optional[int] = None, quiet: float = 1.0
) -> list[dict[str, Any]]:
    """The messages of a RabbitMQ queue (consumed), decoded, in queue order.

    Reads until the queue has stayed empty for `quiet` seconds.
    """
    import asyncio
    import json

    import aio_pika

    connection = await aio_pika.connect(host=HOST, port=port or RABBITMQ[1])
    messages: list[dict[str, Any]] = []
    try:
        channel = await connection.channel()
        # As the broker declares it (it may not have connected yet).
        source = await channel.declare_queue(queue, durable=True)
        empty_since = None
        while True:
            message = await source.get(no_ack=True, fail=False)
            if message is not None:
                messages.append(json.loads(message.body))
                empty_since = None
                continue
            now = asyncio.get_running_loop().time()
            empty_since = empty_since or now
            if now - empty_since >= quiet:
                return messages
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def delete_queue(queue: str, exchange: str) -> None:
    """Remove a test's queue and exchange."""
    import aio_pika

    with contextlib.suppress(Exception):
        connection = await aio_pika.connect(host=HOST, port=RABBITMQ[1])
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)
            await channel.exchange_delete(exchange)


class TcpProxy:
    """A TCP relay to `target` that a test can cut and restore.

    Args:
        target: The real server.
        port: The port to listen on (a free one by default).
    """

    def __init__(self, target: tuple[str, int], port: Optional[int] = None) -> None:
        self.target = target
        self.port = port or free_port()
        self._listener: Optional[socket.socket] = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.connections = 0

    def start(self) -> "TcpProxy":
        """Accept connections (again)."""
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(256)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        """Refuse new connections and break every open one (a server restart)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        """Accept connections again (the server is back)."""
        if self._listener is None:
            self.start()

    stop = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._sockets.update((client, upstream))
                self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._sockets.discard(source)
            self._sockets.discard(sink)
        source.close()


class RedisServer:
    """A throwaway redis-server on a free port, no persistence.

    Args:
        folder: Its working folder.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: Optional[subprocess.Popen[bytes]] = None

    @staticmethod
    def available() -> bool:
        """Whether redis-server is installed."""
        return shutil.which("redis-server") is not None

    def start(self) -> "RedisServer":
        """Start it (again, on the same port) and wait until it answers."""
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            if reachable((HOST, self.port)):
                return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """Stop it at once (SIGKILL): every key is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None
