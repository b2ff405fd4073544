"""Crisis recall and alarms on short public posts (prints figures).

Run: .venv/bin/python -m benchmarks.crisis_tweets [--model models] [--misses]

`tests/tweets/` (see its README) holds 60 tweet-style posts by people in
suicidal or self-harm crisis and 60 ordinary posts that look close, per
language (en, id, ms, tl, vi, th, lo), written on 8 December 2026 by a helper
who had not seen the crisis phrases or the training data. Not outside text:
the situations are parallel across languages, and the phrase work of that day
was written by category after the misses of the dev half were read, so the
figures flatter; the outside evaluation sets decide.

A post counts as recognised when it is answered as a crisis (a crisis intent,
risk elevated or high). Each file is split in two halves by the SHA-1 of each
line ("dev": even first byte, "aside": odd); `--misses` prints the errors of
the dev half only.
"""

import argparse
import asyncio
from pathlib import Path
from typing import Any

from benchmarks.crisis_posts import alarms, is_dev, quiet, recall
from bot.content.background import read_lines
from bot.settings import ROOT
from bot.training.models import newest

DATA = ROOT / "tests" / "tweets"
LANGUAGES = ("en", "id", "ms", "tl", "vi", "th", "lo")


def halves(texts: list[str], flags: list[bool]) -> str:
    """The share flagged in the whole file and in each half, as printed."""
    dev = [f for t, f in zip(texts, flags, strict=True) if is_dev(t)]
    aside = [f for t, f in zip(texts, flags, strict=True) if not is_dev(t)]
    return (
        f"{sum(flags)}/{len(flags)} = {recall(flags)} "
        f"(dev {recall(dev)}, aside {recall(aside)})"
    )


async def measure(agent: Any, misses: bool) -> None:
    """Print recall on crisis posts and alarms on ordinary ones per language."""
    all_crisis: list[bool] = []
    all_ordinary: list[bool] = []
    for code in LANGUAGES:
        crisis = read_lines(DATA / f"crisis_{code}.txt")
        ordinary = read_lines(DATA / f"ordinary_{code}.txt")
        hits = await alarms(agent, crisis)
        false = await alarms(agent, ordinary)
        all_crisis += hits
        all_ordinary += false
        print(
            f"{code}: recall {halves(crisis, hits)}; alarms {halves(ordinary, false)}"
        )
        if misses:
            for text, hit in zip(crisis, hits, strict=True):
                if is_dev(text) and not hit:
                    print("  MISSED:", text)
            for text, hit in zip(ordinary, false, strict=True):
                if is_dev(text) and hit:
                    print("  ALARM:", text)
    print(f"all: recall {recall(all_crisis)}; alarms {recall(all_ordinary)}")


def main() -> None:
    """Command line."""
    from rasa.core.agent import Agent

    quiet()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models")
    parser.add_argument("--misses", action="store_true", help="print dev-half errors")
    args = parser.parse_args()
    model = newest(args.model) if args.model.is_dir() else args.model
    agent = Agent.load(str(model))
    print(f"model: {Path(str(model)).name}")
    asyncio.run(measure(agent, args.misses))


if __name__ == "__main__":
    main()
