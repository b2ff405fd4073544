"""Review files: CSV in UTF-8 with a byte-order mark, one header line of facts.

Line 1 holds labelled facts (`reviewer:`, the reviewer's name to fill in;
`language:`; `file:`, the kind of rows), line 2 the column names, then one line
per row. Spreadsheet programs open such a file with the right script and keep
commas, quotes and line breaks inside a cell. Pure: must not import Rasa.
"""

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

KEY = "key"
ENGLISH = "English"
CURRENT = "current text"
VERSION = "your version"
OK = "ok"
STATUS = "status"
NOTE = "note"
# Row kinds, also the end of the file name: review/<lang>-<kind>.csv
KINDS = ("answers", "crisis-phrases", "training-sample")
OK_WORDS = frozenset({"ok", "yes", "y", "x", "✓", "✔", "reviewed"})
HOW = (
    "Write your name after 'reviewer:'. Change a text in 'your version', or write "
    "ok in 'ok' when the current text is right as it is; leave both empty to skip "
    "a row. Do not change the other columns."
)


class SheetError(ValueError):
    """The file cannot be read as a review file at all."""


@dataclass
class Sheet:
    """A review file in memory.

    Attributes:
        kind: One of KINDS.
        language: The language code the rows belong to.
        columns: The column names, in order.
        rows: One {column: cell} per row (cells are strings, "" when empty).
        reviewer: The name written after `reviewer:` ("" when none).
    """

    kind: str
    language: str
    columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    reviewer: str = ""


def dumps(sheet: Sheet) -> str:
    """The file's text (without the byte-order mark, added when writing)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(
        [
            "reviewer:",
            sheet.reviewer,
            "language:",
            sheet.language,
            "file:",
            sheet.kind,
            HOW,
        ]
    )
    writer.writerow(sheet.columns)
    for row in sheet.rows:
        writer.writerow([row.get(column, "") for column in sheet.columns])
    return buffer.getvalue()


def write(sheet: Sheet, path: Path) -> None:
    """Write a review file in UTF-8 with a byte-order mark."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(dumps(sheet))


def _cell(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def loads(text: str) -> Sheet:
    """Read a review file's text (a leading byte-order mark is ignored).

    Raises:
        SheetError: When the two header lines are missing or incomplete.
    """
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    if len(lines) < 2:
        raise SheetError("the file has no header lines: export a new file")
    facts: dict[str, str] = {}
    first = [_cell(c) for c in lines[0]]
    for index, label in enumerate(first):
        if label.endswith(":") and index + 1 < len(first):
            facts.setdefault(label[:-1].strip().lower(), first[index + 1])
    columns = [_cell(c) for c in lines[1]]
    while columns and not columns[-1]:
        columns.pop()
    kind, language = facts.get("file", ""), facts.get("language", "")
    if kind not in KINDS or not language:
        raise SheetError(
            "line 1 must keep 'language:' and 'file:' as exported: export a new file"
        )
    if KEY not in columns:
        raise SheetError("line 2 must keep the column names as exported")
    rows = []
    for line in lines[2:]:
        cells = [_cell(c) for c in line]
        if not any(cells):
            continue
        rows.append(
            {c: cells[i] if i < len(cells) else "" for i, c in enumerate(columns)}
        )
    return Sheet(kind, language, columns, rows, facts.get("reviewer", ""))


def read(path: Path) -> Sheet:
    """Read a review file from disk.

    Raises:
        SheetError: When it is not UTF-8 text or not a review file.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise SheetError(
            "the file is not UTF-8: save it as 'CSV UTF-8' and send it again"
        ) from None
    return loads(text)


def confirmed(cell: str) -> bool:
    """Whether the `ok` cell says the current text is right."""
    return cell.strip().lower() in OK_WORDS


def key_problems(
    review: Sheet, known: Collection[str], what: str
) -> tuple[list[str], list[dict[str, str]]]:
    """What stops any file from being applied: columns, repeated or unknown keys.

    Args:
        review: The returned file.
        known: The keys of the current data.
        what: What a key names, for the messages ("key", "phrase", "example").

    Returns:
        The problems found, and the rows whose key is known (for the checks
        particular to one kind of file).
    """
    found = []
    missing = [c for c in (KEY, VERSION, OK) if c not in review.columns]
    if missing:
        found.append(f"the columns {', '.join(missing)} are missing")
    seen: set[str] = set()
    rows = []
    for line in review.rows:
        key = line.get(KEY, "")
        if key in seen:
            found.append(f"{key}: the key is there twice")
        seen.add(key)
        if key in known:
            rows.append(line)
        else:
            found.append(f"{key or '(empty key)'}: no such {what} in the current data")
    return found, rows
