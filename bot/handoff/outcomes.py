"""Outcome codes of closed hand-offs: read from data/handoff.yml.

Content is data: the codes and their labels live in the YAML file, checked
here when the console starts.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FILE_NAME = "handoff.yml"
CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


class OutcomeError(ValueError):
    """data/handoff.yml has no valid `outcomes` list; the message says why."""


@dataclass(frozen=True)
class Outcome:
    """One outcome code and its label."""

    code: str
    label: str

    def as_json(self) -> dict[str, str]:
        """`{"code", "label"}`."""
        return {"code": self.code, "label": self.label}


def parse_outcomes(content: Any, where: str) -> tuple[Outcome, ...]:
    """The outcomes of a parsed handoff.yml.

    Raises:
        OutcomeError: Missing list, bad code, missing label or repeated code.
    """
    items = content.get("outcomes") if isinstance(content, dict) else None
    if not isinstance(items, list) or not items:
        raise OutcomeError(f"{where}: needs a non-empty 'outcomes' list")
    outcomes: list[Outcome] = []
    for index, item in enumerate(items):
        at = f"{where}: outcomes[{index}]"
        if not isinstance(item, dict):
            raise OutcomeError(f"{at} must be a mapping with code and label")
        code, label = item.get("code"), item.get("label")
        if not isinstance(code, str) or not CODE.fullmatch(code):
            raise OutcomeError(f"{at}: code must be a-z, 0-9 and _ (got {code!r})")
        if not isinstance(label, str) or not label.strip():
            raise OutcomeError(f"{at}: label must be a non-empty text")
        if any(o.code == code for o in outcomes):
            raise OutcomeError(f"{at}: code '{code}' is repeated")
        outcomes.append(Outcome(code, label.strip()))
    return tuple(outcomes)


def load_outcomes(data_dir: Path) -> tuple[Outcome, ...]:
    """The outcomes of data/handoff.yml.

    Raises:
        OutcomeError: The file is missing or malformed.
    """
    path = data_dir / FILE_NAME
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise OutcomeError(f"{path}: cannot be read ({type(error).__name__})") from None
    return parse_outcomes(content, str(path))
