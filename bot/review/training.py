"""Training sample rows: a few examples per intent of data/nlu/<lang>.yml.

The sample is the same on every export: per intent the examples whose
fingerprint sorts first. Key: `intent/fingerprint of the example`. An example
keeps its entity annotations (`[Pinas](country)`): a changed one must keep the
same entities. Pure: must not import Rasa.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.content.nlu_data import plain_text
from bot.review import record, sheet
from bot.review.project import Decision, Review

INTENT = "intent"
COLUMNS = [
    sheet.KEY,
    INTENT,
    sheet.CURRENT,
    sheet.VERSION,
    sheet.OK,
    sheet.STATUS,
    sheet.NOTE,
]
SAMPLE = 5
MAX_EXAMPLE = 300
_ENTITY = re.compile(r"\]\(([^)]*)\)|\]\{[^}]*\"entity\"\s*:\s*\"([^\"]+)\"")


@dataclass(frozen=True)
class Row:
    """One training example as it is now.

    Attributes:
        key: Its key.
        intent: Its intent.
        text: The example's line (with entity annotations).
    """

    key: str
    intent: str
    text: str


def _lines(block: Mapping[str, Any]) -> list[str]:
    return [
        line.strip()[2:].strip()
        for line in str(block.get("examples") or "").splitlines()
        if line.strip().startswith("- ")
    ]


def rows(data: Mapping[str, Any]) -> Iterator[Row]:
    """Every example of the file."""
    for block in data.get("nlu") or []:
        if isinstance(block, Mapping) and "intent" in block:
            intent = str(block["intent"])
            for text in _lines(block):
                yield Row(f"{intent}/{record.fingerprint(text)}", intent, text)


def sample(data: Mapping[str, Any], size: int = SAMPLE) -> list[Row]:
    """The same few examples per intent on every export, in file order of intents."""
    by_intent: dict[str, list[Row]] = {}
    for row in rows(data):
        by_intent.setdefault(row.intent, []).append(row)
    chosen = []
    for found in by_intent.values():
        chosen += sorted(found, key=lambda r: r.key)[:size]
    return chosen


def export(language: str, data: Mapping[str, Any], size: int = SAMPLE) -> sheet.Sheet:
    """The training sample file of one language."""
    block = data.get("review")
    return sheet.Sheet(
        "training-sample",
        language,
        COLUMNS,
        [
            {
                sheet.KEY: row.key,
                INTENT: row.intent,
                sheet.CURRENT: row.text,
                sheet.STATUS: record.status(block, row.key, row.text),
            }
            for row in sample(data, size)
        ],
    )


def share(data: Mapping[str, Any]) -> tuple[int, int]:
    """(examples reviewed as they are now, examples)."""
    return record.reviewed_share(
        data.get("review"), {row.key: row.text for row in rows(data)}
    )


def file_problems(data: Mapping[str, Any], review: sheet.Sheet) -> list[str]:
    """Why the whole file cannot be applied (unknown or repeated keys)."""
    known = {row.key: row for row in rows(data)}
    found, lines = sheet.key_problems(review, known, "example")
    for line in lines:
        row = known[line[sheet.KEY]]
        if INTENT in line and line[INTENT] != row.intent:
            found.append(f"{row.key}: the intent was changed (must stay {row.intent})")
    return found


def _entities(text: str) -> list[str]:
    return sorted(a or b for a, b in _ENTITY.findall(text))


def example_problem(data: Mapping[str, Any], row: Row, new: str) -> str:
    """Why a changed example cannot be used ("" when it can)."""
    if "\n" in new:
        return "an example is one line"
    if len(new) > MAX_EXAMPLE:
        return f"an example has at most {MAX_EXAMPLE} characters"
    if _entities(new) != _entities(row.text):
        return (
            "the marked words ([words](entity)) must stay marked with the same "
            f"entities as in {row.text!r}"
        )
    plain = plain_text(new)
    if not plain or any(c in plain for c in "[]"):
        return "the example is empty or has a stray [ or ]"
    if new.startswith(("- ", "#")):
        return "an example cannot start with '- ' or '#'"
    if any(r.text == new for r in rows(data) if r.intent == row.intent):
        return "this example is already there"
    return ""


def decide(data: Mapping[str, Any], line: Mapping[str, str]) -> Decision:
    """What to do with one row of a returned file (its key is known)."""
    row = {r.key: r for r in rows(data)}[line[sheet.KEY]]
    note, version = line.get(sheet.NOTE, ""), line.get(sheet.VERSION, "")
    if not version and not sheet.confirmed(line.get(sheet.OK, "")):
        return Decision(row.key, "skip", note=note)
    if sheet.CURRENT in line and line[sheet.CURRENT] != row.text:
        return Decision(
            row.key, "refuse", "the current text column was edited: export a new file"
        )
    if not version or version == row.text:
        return Decision(row.key, "confirm", previous=row.text, note=note)
    problem = example_problem(data, row, version)
    if problem:
        return Decision(row.key, "refuse", problem, version)
    return Decision(row.key, "change", value=version, previous=row.text, note=note)


def apply(data: Any, decisions: list[Decision], review: Review) -> None:
    """Apply changed examples (keeping the block's layout) and record the rows."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    block_of: dict[str, Any] = {
        str(b["intent"]): b
        for b in data.get("nlu") or []
        if isinstance(b, dict) and "intent" in b
    }
    current = {row.key: row for row in rows(data)}
    records = data.setdefault("review", {}).setdefault("rows", {})
    for decision in decisions:
        if decision.action not in ("change", "confirm"):
            continue
        row = current[decision.key]
        key, text = decision.key, row.text
        if decision.action == "change":
            block = block_of[row.intent]
            lines = str(block["examples"]).split("\n")
            for index, line in enumerate(lines):
                if (
                    line.strip().startswith("- ")
                    and line.strip()[2:].strip() == row.text
                ):
                    lines[index] = line[: line.index("- ") + 2] + decision.value
                    break
            block["examples"] = LiteralScalarString("\n".join(lines))
            key, text = (
                f"{row.intent}/{record.fingerprint(decision.value)}",
                decision.value,
            )
            records.pop(decision.key, None)
        records[key] = record.make_record(
            review.reviewer, review.day, text, decision.previous, decision.note
        )
