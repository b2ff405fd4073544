"""One multilingual model or one per language? Prints intent accuracy per language.

Run: .venv/bin/python -m benchmarks.model_choice [codes...]
For each language with a held-out set, trains an NLU model on that language's
training data alone (same config.yml), and compares its intent accuracy on
tests/nlu/<lang>.yml with the newest multilingual model in models/ (from
`make train`). Also prints training time and model size. Takes a few minutes.
"""

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bot.content.nlu_data import Example, read_examples
from bot.languages import CODES
from bot.settings import ROOT
from bot.training.models import newest

NLU = ROOT / "data" / "nlu"
HELD_OUT = ROOT / "tests" / "nlu"


async def accuracy(model: Path, examples: list[Example]) -> float:
    """Intent accuracy of a model on examples."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    hits = 0
    for example in examples:
        parsed = await agent.parse_message(example.text)
        hits += parsed["intent"]["name"] == example.intent
    return hits / len(examples)


def train_alone(code: str, work: Path) -> tuple[Path, float]:
    """Train on one language's file (plus the language names); (model, seconds)."""
    from rasa.model_training import train_nlu

    data = work / code / "data"
    data.mkdir(parents=True)
    shutil.copy(NLU / f"{code}.yml", data / f"{code}.yml")
    shutil.copy(NLU / "language_names.yml", data / "language_names.yml")
    started = time.monotonic()
    model = train_nlu(
        config=str(ROOT / "config.yml"),
        nlu_data=str(data),
        output=str(work / code / "models"),
        domain=str(ROOT / "domain.yml"),
    )
    assert model, f"training {code} failed"
    return Path(model), time.monotonic() - started


def main(codes: list[str]) -> None:
    """Print one line per language: per-language vs multilingual accuracy."""
    shared = newest(ROOT / "models")
    if shared is None:
        raise SystemExit("no multilingual model in models/: run `make train` first")
    print(f"multilingual model {shared.name}: {shared.stat().st_size / 1e6:.2f} MB")
    print("lang  n    alone  shared  train-alone  size-alone")
    with tempfile.TemporaryDirectory() as tmp:
        for code in codes:
            examples = read_examples(HELD_OUT / f"{code}.yml", code)
            alone, seconds = train_alone(code, Path(tmp))
            a = asyncio.run(accuracy(alone, examples))
            b = asyncio.run(accuracy(shared, examples))
            size = alone.stat().st_size / 1e6
            print(
                f"{code:4}  {len(examples):3}  {a:.3f}  {b:.3f}   {seconds:6.0f} s"
                f"     {size:.2f} MB",
                flush=True,
            )


if __name__ == "__main__":
    wanted = sys.argv[1:] or [c for c in CODES if (HELD_OUT / f"{c}.yml").exists()]
    main(wanted)
