"""`python -m bot.safety.collisions`: crisis phrases that meet ordinary text.

Lists every crisis phrase whose plain form (diacritics and Lao tone marks
removed) occurs in non-crisis text of any language: training examples
(data/nlu), held-out examples (tests/nlu) and the background sets
(data/background, tests/background). For each it says whether the running
matcher would really fire there ("FIRES": a false alarm to fix) or not (the
phrase is kept from matching that text by its language, its diacritics, a
longer word or an ordinary expression). Exit status 1 when anything fires.

    .venv/bin/python -m bot.safety.collisions [--language vi] [--all]
"""

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from bot.content.background import read_background, read_by_language, read_lines
from bot.content.nlu_data import examples_by_language
from bot.language.detect import DetectorSettings, NgramModel, detect
from bot.languages import LATIN_CODES
from bot.safety.crisis import CrisisMatcher, Dictionary
from bot.safety.crisis_model import CRISIS_INTENTS
from bot.safety.phrases import Phrase, load_phrase_book
from bot.safety.risk import phrase_languages
from bot.settings import ROOT


@dataclass(frozen=True)
class Sample:
    """A non-crisis text and where it comes from."""

    text: str
    source: str


def non_crisis_samples(root: Path) -> Iterator[Sample]:
    """Every non-crisis example and background line of the project."""
    for folder in ("data/nlu", "tests/nlu"):
        for language, examples in examples_by_language(root / folder).items():
            for example in examples:
                if example.intent not in CRISIS_INTENTS:
                    yield Sample(example.text, f"{folder}/{language}.yml")
    for folder in ("data/background", "tests/background"):
        for path in sorted((root / folder).glob("*.txt")):
            for line in read_lines(path):
                yield Sample(line, f"{folder}/{path.name}")


def training_matcher(root: Path) -> CrisisMatcher:
    """The matcher as the trained model builds it (everyday = training text)."""
    everyday = [
        example.text
        for examples in examples_by_language(root / "data" / "nlu").values()
        for example in examples
        if example.intent not in CRISIS_INTENTS
    ]
    everyday += read_background(root / "data" / "background")
    return CrisisMatcher(
        load_phrase_book(root / "data" / "safety"), everyday, Dictionary.shipped()
    )


@lru_cache(maxsize=1)
def _language_model() -> NgramModel:
    """The n-gram language model as `make train` learns it from data/nlu."""
    return NgramModel.fit(
        (
            (example.text, language)
            for language, examples in examples_by_language(
                ROOT / "data" / "nlu"
            ).items()
            if language in LATIN_CODES
            for example in examples
        ),
        background=[
            (line, code)
            for code, lines in read_by_language(ROOT / "data" / "background").items()
            if code in LATIN_CODES
            for line in lines
        ],
        background_weight=DetectorSettings.background_weight,
    )


def languages_of(text: str) -> set[str]:
    """The languages whose phrases the running assistant applies to a text."""
    detection = detect(text, _language_model())
    return phrase_languages(detection.as_dict(), dict(detection.probabilities))


def collisions(
    matcher: CrisisMatcher,
    samples: list[Sample],
    language: Optional[str] = None,
) -> Iterator[tuple[Phrase, Sample, bool]]:
    """(phrase, sample, fires) for every phrase whose plain form is in a sample."""
    for sample in samples:
        hits = [
            phrase
            for phrase in matcher.plain_hits(sample.text)
            if language is None or phrase.language == language
        ]
        if not hits:
            continue
        found = matcher.match(sample.text, languages_of(sample.text))
        for phrase in hits:
            fires = found is not None and found.phrase == phrase.text
            yield phrase, sample, fires


def main(argv: Optional[list[str]] = None) -> int:
    """Command line (see module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", help="only this language's phrases")
    parser.add_argument(
        "--all", action="store_true", help="also list collisions that do not fire"
    )
    args = parser.parse_args(argv)
    matcher = training_matcher(ROOT)
    samples = list(non_crisis_samples(ROOT))
    firing = 0
    for phrase, sample, fires in collisions(matcher, samples, args.language):
        firing += fires
        if fires or args.all:
            status = "FIRES  " if fires else "blocked"
            print(
                f"{status} [{phrase.language}] {phrase.text!r} "
                f"(from {phrase.template!r}) in {sample.source}: {sample.text}"
            )
    print(
        f"{len(matcher)} phrases checked against {len(samples)} non-crisis texts; "
        f"{firing} false alarms.",
        file=sys.stderr,
    )
    return 1 if firing else 0


if __name__ == "__main__":
    sys.exit(main())
