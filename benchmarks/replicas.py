"""The load levels on two replicas sharing PostgreSQL, Redis and RabbitMQ.

Part of `make bench` (benchmarks/webhook.py). Two replicas (Rasa server and
action server each, the production configuration: endpoints.production.yml
with PostgreSQL, the Redis lock store and the RabbitMQ event broker; no
console) are started as the multi-replica test starts them
(tests/e2e/replicas.py), on a fresh PostgreSQL database, Redis key prefix and
RabbitMQ queue that are removed afterwards. Every conversation's turns
alternate between the two replicas. Prints the same figures as the
single-process run and their ratio to the bare project of that run; when
PostgreSQL, Redis or RabbitMQ is not reachable on 127.0.0.1 it says so and
measures nothing.
"""

import asyncio
import socket
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from benchmarks.load import (
    Figures,
    Level,
    Messages,
    figures_of,
    held_out_messages,
    run_load,
)
from bot.settings import ROOT

SERVICES = (("PostgreSQL", 5432), ("Redis", 6379), ("RabbitMQ", 5672))
WARM_UP = Level(4, 1, 6)


def reachable(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def missing() -> Optional[str]:
    """Why two replicas cannot be measured here, or None."""
    if not (ROOT / "endpoints.production.yml").exists():
        return "no endpoints.production.yml (production configuration)"
    down = [name for name, port in SERVICES if not reachable(port)]
    if down:
        return f"{', '.join(down)} not reachable on 127.0.0.1"
    return None


def main(
    levels: Sequence[Level],
    bare: Optional[dict[int, Figures]] = None,
    warm_up: Level = WARM_UP,
) -> None:
    """Print the two-replica figures, or why there are none.

    Args:
        levels: The load levels (those of the single-process run).
        bare: The bare project's figures of the same run, by people at once.
        warm_up: Turns sent first and not counted.
    """
    print("## Two replicas (PostgreSQL, Redis lock store, RabbitMQ broker)\n")
    reason = missing()
    if reason:
        print(f"Not measured: {reason}.")
        return
    # The test helpers that start replicas exactly as tests/e2e/test_replicas.py.
    from tests.e2e.replicas import Shared, running_replicas
    from tests.e2e.services import delete_queue, postgres_database

    messages = Messages(held_out_messages(seed=18))
    with (
        tempfile.TemporaryDirectory(prefix="bench-replicas-") as folder,
        postgres_database() as database,
    ):
        shared = Shared(database=database)
        try:
            with running_replicas(Path(folder), shared, rate_limit_ip=0) as both:
                urls = [f"{r.rasa_url}/webhooks/rest/webhook" for r in both]
                run_load(urls, warm_up, "warm-replicas", messages)
                results = [
                    (level, figures_of([run_load(urls, level, "r", messages)]))
                    for level in levels
                ]
        finally:
            asyncio.run(delete_queue(shared.queue, shared.exchange))
    print(
        "| people at once | p50 ms | p95 ms | p99 ms | turns/s | failed / answered "
        "| p50 ratio to bare (single process) |"
    )
    print("|---:|---:|---:|---:|---:|---|---:|")
    for level, figures in results:
        theirs = (bare or {}).get(level.people)
        ratio = f"{figures.p50 / theirs.p50:.2f}" if theirs and theirs.p50 else "-"
        print(
            f"| {level.people} | {figures.p50:.0f} | {figures.p95:.0f} "
            f"| {figures.p99:.0f} | {figures.throughput:.1f} "
            f"| {figures.failed} / {figures.turns} | {ratio} |"
        )
        if figures.reasons:
            print(f"|  | failures: {', '.join(figures.reasons)} | | | | | |")
