"""Concurrent conversations against a REST webhook, and their figures.

`run_load` plays `people` at once, each holding `conversations` conversations
one after another of `turns` messages each (the next message only after the
reply, as a person writes), all starting together. `figures_of` turns one or
more runs of the same level into what is printed: p50/p95/p99 per turn,
throughput and failed requests. Nothing here asserts: benchmarks only print.
"""

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from bot.content.nlu_data import examples_by_language
from bot.settings import ROOT

#: Intents whose messages are left out: a request for a person opens a
#: handoff in the staff console (and pauses the conversation).
LEFT_OUT = frozenset({"request_human"})


def held_out_messages(seed: int = 17) -> list[str]:
    """The held-out test messages of the six languages (tests/nlu), shuffled.

    Messages nobody trained on, as people write them: greetings, reports,
    questions, countries, crises. Distinct texts, so no cache answers twice.
    """
    found = [
        example.text
        for examples in examples_by_language(ROOT / "tests" / "nlu").values()
        for example in examples
        if example.intent not in LEFT_OUT
    ]
    messages = list(dict.fromkeys(found))
    random.Random(seed).shuffle(messages)
    return messages


@dataclass(frozen=True)
class Level:
    """One load level.

    Attributes:
        people: Conversations going on at the same time.
        conversations: Conversations each person holds one after another.
        turns: Messages per conversation.
    """

    people: int
    conversations: int
    turns: int


@dataclass
class Run:
    """What one run measured: turn times (ms), failure reasons, wall seconds."""

    timings: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Figures:
    """The figures of a level (pooled over its runs).

    Attributes:
        turns: Requests answered with a 200 and a JSON list.
        failed: Requests that failed (other status, error or timeout).
        seconds: Wall time of the runs together.
        p50: Median time per turn (milliseconds).
        p95: 95th percentile (milliseconds).
        p99: 99th percentile (milliseconds).
        reasons: The distinct failure reasons.
    """

    turns: int
    failed: int
    seconds: float
    p50: float
    p95: float
    p99: float
    reasons: tuple[str, ...] = ()

    @property
    def throughput(self) -> float:
        """Answered turns per second."""
        return self.turns / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Messages:
    """Hands out messages in order, so a server sees each one once per cycle."""

    texts: Sequence[str]
    given: int = 0

    def take(self, count: int) -> list[str]:
        """The next `count` messages (from the start again when all were given)."""
        taken = [self.texts[(self.given + n) % len(self.texts)] for n in range(count)]
        self.given += count
        return taken


def percentile(ordered: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of sorted values (0.0 when there are none)."""
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), int(share * len(ordered) + 0.999999)))
    return float(ordered[rank - 1])


def figures_of(runs: Sequence[Run]) -> Figures:
    """The pooled figures of runs of the same level."""
    ordered = sorted(t for run in runs for t in run.timings)
    failures = [f for run in runs for f in run.failures]
    return Figures(
        turns=len(ordered),
        failed=len(failures),
        seconds=sum(run.seconds for run in runs),
        p50=percentile(ordered, 0.50),
        p95=percentile(ordered, 0.95),
        p99=percentile(ordered, 0.99),
        reasons=tuple(sorted(set(failures))),
    )


async def person(
    session: aiohttp.ClientSession,
    urls: Sequence[str],
    name: str,
    messages: Sequence[str],
    level: Level,
    run: Run,
) -> None:
    """One person's conversations; turn `n` of each goes to `urls[n % len(urls)]`."""
    for conversation in range(level.conversations):
        sender = f"{name}-{conversation}"
        for turn in range(level.turns):
            url = urls[turn % len(urls)]
            message = messages[conversation * level.turns + turn]
            began = time.perf_counter()
            try:
                async with session.post(
                    url, json={"sender": sender, "message": message}
                ) as reply:
                    answer = await reply.json(content_type=None)
                    if reply.status != 200 or not isinstance(answer, list):
                        run.failures.append(f"HTTP {reply.status}")
                        continue
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                run.failures.append(type(error).__name__)
                continue
            run.timings.append((time.perf_counter() - began) * 1000)


async def run_load_async(
    urls: Sequence[str],
    level: Level,
    prefix: str,
    messages: Messages,
    timeout: float = 120.0,
) -> Run:
    """Play one level against the webhook URLs (module docstring)."""
    run = Run()
    each = level.conversations * level.turns
    scripts = [messages.take(each) for _ in range(level.people)]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as session:
        began = time.perf_counter()
        await asyncio.gather(
            *(
                person(session, urls, f"{prefix}-{n}", script, level, run)
                for n, script in enumerate(scripts)
            )
        )
        run.seconds = time.perf_counter() - began
    return run


def run_load(
    urls: Sequence[str],
    level: Level,
    prefix: str,
    messages: Messages,
    timeout: float = 120.0,
) -> Run:
    """`run_load_async` in its own event loop (for a plain script)."""
    return asyncio.run(run_load_async(urls, level, prefix, messages, timeout))
