"""Read NLU example files (Rasa YAML) without Rasa: for tests and evaluation.

Pure: must not import Rasa.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.languages import CODES

# [surface](entity), [surface]{"entity": ...}, optionally followed by nothing else.
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    """One labelled message.

    Attributes:
        text: The message as typed (entity annotations removed).
        intent: Its intent.
        language: The language of the file it came from.
    """

    text: str
    intent: str
    language: str


def plain_text(example: str) -> str:
    """Remove Rasa entity annotations: "in [Pinas](country)" -> "in Pinas"."""
    return _ANNOTATION.sub(r"\1", example).strip()


def read_examples(path: Path, language: str) -> list[Example]:
    """Every intent example of one Rasa YAML file."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
    found = []
    for block in data.get("nlu") or []:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                found.append(Example(plain_text(line[2:]), block["intent"], language))
    return found


def examples_by_language(directory: Path) -> dict[str, list[Example]]:
    """The examples of `<directory>/<lang>.yml` for each of our languages present."""
    return {
        code: read_examples(directory / f"{code}.yml", code)
        for code in CODES
        if (directory / f"{code}.yml").exists()
    }
