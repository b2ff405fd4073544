"""Where the reviewed data lives, and what one row's review decided.

Pure: must not import Rasa.
"""

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.content.helplines import Directory, load_directory
from bot.review.checks import directory_facts

Responses = dict[str, list[dict[str, Any]]]


@dataclass
class Project:
    """The data folders of a checkout (or of a copy, in tests).

    Attributes:
        root: The folder holding domain.yml and data/.
    """

    root: Path

    @property
    def data(self) -> Path:
        """The data folder."""
        return self.root / "data"

    def translation_file(self, language: str) -> Path:
        """data/translations/<language>.yml."""
        return self.data / "translations" / f"{language}.yml"

    def safety_file(self, language: str) -> Path:
        """data/safety/<language>.yml."""
        return self.data / "safety" / f"{language}.yml"

    def nlu_file(self, language: str) -> Path:
        """data/nlu/<language>.yml."""
        return self.data / "nlu" / f"{language}.yml"

    @cached_property
    def english(self) -> Responses:
        """The English responses of domain.yml."""
        with open(self.root / "domain.yml", encoding="utf-8") as handle:
            domain = yaml.safe_load(handle) or {}
        return {
            str(name): list(variations or [])
            for name, variations in (domain.get("responses") or {}).items()
        }

    @cached_property
    def directory(self) -> Directory:
        """The helpline directory."""
        return load_directory(self.data / "helplines.yml")

    @cached_property
    def facts(self) -> set[str]:
        """Every number and contact of the helpline directory."""
        return directory_facts(self.directory)


@dataclass
class Decision:
    """What the import does with one row.

    Attributes:
        key: The row's key.
        action: "change" (apply the reviewer's version), "confirm" (the text
            is right as it is), "skip" (nothing filled in) or "refuse".
        reason: Why a row is refused.
        value: The reviewer's version (for "change").
        previous: The text before the change.
        note: The reviewer's note.
    """

    key: str
    action: str
    reason: str = ""
    value: str = ""
    previous: str = ""
    note: str = ""


@dataclass
class Review:
    """Who reviews, and when.

    Attributes:
        reviewer: The reviewer's name.
        day: The date recorded.
    """

    reviewer: str
    day: datetime.date = field(default_factory=datetime.date.today)
