"""The `review:` block of a data file: who reviewed which row, when.

    review:
      status: awaiting review by a native speaker   # free text, kept
      reviewed: [utter_greet]     # answers files: responses fully reviewed
      rows:
        utter_greet/1:
          reviewer: Name
          date: 3 March 2026
          text: kqpfbmaeco        # fingerprint of the text that was reviewed
          previous: "..."        # the text before the reviewer's change
          note: "..."

A row counts as reviewed only while its text still has the fingerprint that
was reviewed: a later edit by anyone makes it "awaiting review" again. Dates
are written out ("3 March 2026") and fingerprints are letters only, so no
number that looks like a phone number enters the data files. Pure: must not
import Rasa.
"""

import datetime
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

MONTHS = (
    "January February March April May June July August September October "
    "November December"
).split()
AWAITING = "awaiting review"


def fingerprint(text: str) -> str:
    """A short letters-only fingerprint of a text."""
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return digest.translate(str.maketrans("0123456789abcdef", "abcdefghijklmnop"))


def spelled(day: datetime.date) -> str:
    """A date as "3 March 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def rows_of(block: Any) -> Mapping[str, Any]:
    """The per-row records of a `review:` block (empty when none)."""
    if not isinstance(block, Mapping):
        return {}
    rows = block.get("rows")
    return rows if isinstance(rows, Mapping) else {}


def current_record(block: Any, key: str, text: str) -> Mapping[str, Any]:
    """The record of a row if it is still valid for the text as it is now."""
    record = rows_of(block).get(key)
    if isinstance(record, Mapping) and record.get("text") == fingerprint(text):
        return record
    return {}


def status(block: Any, key: str, text: str) -> str:
    """What the status column says about a row."""
    record = current_record(block, key, text)
    if record:
        return f"reviewed by {record.get('reviewer')} on {record.get('date')}"
    if key in rows_of(block):
        return f"{AWAITING} (changed since the last review)"
    return AWAITING


def make_record(
    reviewer: str, day: datetime.date, text: str, previous: str = "", note: str = ""
) -> dict[str, str]:
    """A new record for a row."""
    record = {"reviewer": reviewer, "date": spelled(day), "text": fingerprint(text)}
    if previous and previous != text:
        record["previous"] = previous
    if note:
        record["note"] = note
    return record


def reviewed_share(block: Any, keys: Mapping[str, str]) -> tuple[int, int]:
    """How many of some rows are reviewed as they are now.

    Args:
        block: A file's `review:` block.
        keys: {row key: its current text}.

    Returns:
        (reviewed rows, all rows).
    """
    done = sum(1 for key, text in keys.items() if current_record(block, key, text))
    return done, len(keys)


def fully_reviewed(
    block: Any, groups: Mapping[str, Iterable[tuple[str, str]]]
) -> list[str]:
    """The groups (responses) whose every row (key, text) is reviewed as it is now."""
    return [
        name
        for name, rows in groups.items()
        if all(current_record(block, key, text) for key, text in rows)
    ]
