"""The background set: ordinary sentences, one per line (data/background/).

`<lang>.txt` holds openly licensed text written by outsiders (sources in
data/README.md); `chat_<lang>.txt` everyday chat written by the team. Lines
starting with `#` are comments. Read by the crisis classifier (ordinary text it
must stay quiet on) and the language detector (general vocabulary of each
language). The held-out part lives in tests/background/ and is never read here.

Pure: must not import Rasa.
"""

import hashlib
from pathlib import Path

from bot.languages import CODES


def read_lines(path: Path) -> list[str]:
    """The non-comment, non-empty lines of one background file."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def language_of_file(path: Path) -> str:
    """The language a file is in: "vi.txt" and "chat_vi.txt" are both vi."""
    return path.stem.removeprefix("chat_")


def read_background(directory: Path) -> list[str]:
    """Every line of every file of the folder, in file order."""
    return [
        line for path in sorted(directory.glob("*.txt")) for line in read_lines(path)
    ]


def read_by_language(directory: Path) -> dict[str, list[str]]:
    """The lines of the folder grouped by language (our six codes only)."""
    found: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.txt")):
        code = language_of_file(path)
        if code in CODES:
            found.setdefault(code, []).extend(read_lines(path))
    return found


def fingerprint(directory: Path) -> str:
    """A digest of the folder's files, so that Rasa retrains when they change."""
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.txt")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
