"""Per-message cost of language detection and of the crisis check.

Run: .venv/bin/python -m benchmarks.checks [MODEL]
Reads the trained parts from a model archive (the newest in models/ by
default): the language n-gram model, the crisis classifier and the everyday
text; builds the crisis phrase matcher from data/safety as the server does at
start, then times each step on the held-out and training messages of all six
languages (distinct texts, so no cache helps). Prints microseconds per
message; asserts nothing.
"""

import json
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional

from benchmarks.bare import newest_model
from bot.content.nlu_data import examples_by_language
from bot.language.detect import NgramModel, detect
from bot.safety.crisis import CrisisMatcher, Dictionary
from bot.safety.crisis_model import CrisisModel
from bot.safety.phrases import load_phrase_book
from bot.safety.risk import phrase_languages
from bot.settings import ROOT

#: Messages timed per step at most (spread over the six languages).
SAMPLE = 1200


def part(archive: Path, name: str, into: Path) -> Path:
    """Extract the first member of a model archive whose name ends in `name`."""
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(name))
        tar.extract(member, into)
    return into / member.name


def per_message(step: Callable[[str], Any], texts: Sequence[str]) -> float:
    """Microseconds per message of `step` over `texts`."""
    step(texts[0])
    began = time.perf_counter()
    for text in texts:
        step(text)
    return (time.perf_counter() - began) / len(texts) * 1e6


def sample(texts: Sequence[str], size: int = SAMPLE) -> list[str]:
    """Every n-th distinct text, `size` at most."""
    distinct = list(dict.fromkeys(texts))
    every = max(1, len(distinct) // size)
    return distinct[::every][:size]


def main(model: Optional[Path] = None) -> None:
    """Print the per-message figures (module docstring)."""
    model = model or newest_model(ROOT / "models")
    if model is None:
        print("No trained model: run `make train` first.")
        return
    by_language = examples_by_language(ROOT / "data" / "nlu")
    texts = sample([e.text for found in by_language.values() for e in found])
    with tempfile.TemporaryDirectory() as folder:
        into = Path(folder)
        ngrams = NgramModel.from_json(
            part(model, "ngram_model.json", into).read_text("utf-8")
        )
        crisis = CrisisModel.load(part(model, "crisis_model.pkl", into))
        everyday = json.loads(part(model, "everyday.json", into).read_text("utf-8"))
    began = time.perf_counter()
    matcher = CrisisMatcher(
        load_phrase_book(ROOT / "data" / "safety"), everyday, Dictionary.shipped()
    )
    built = time.perf_counter() - began
    detections = {text: detect(text, ngrams) for text in texts}

    def languages(text: str) -> set[str]:
        found = detections[text]
        return phrase_languages(found.as_dict(), found.probabilities)

    language_us = per_message(lambda t: detect(t, ngrams), texts)
    phrases_us = per_message(lambda t: matcher.match(t, languages(t)), texts)
    model_us = per_message(lambda t: crisis.probabilities([t]), texts)
    print(f"## Per message ({len(texts)} distinct messages, six languages)\n")
    print("| step | per message |")
    print("|---|---:|")
    print(f"| language detection (`detect`) | {language_us:.0f} µs |")
    print(f"| crisis phrases ({len(matcher)} phrases) | {phrases_us:.0f} µs |")
    print(f"| crisis classifier | {model_us:.0f} µs |")
    print(f"\ncrisis phrase matcher built in {built:.1f} s (once, at start)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
