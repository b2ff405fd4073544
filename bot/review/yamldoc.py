"""Round-trip YAML: change a data file keeping its comments and layout.

ruamel.yaml (installed with Rasa) keeps comments, key order, flow lists and
quoting. The indentation and line width of each file are found by trying the
usual ones and keeping the one that rewrites the unchanged file most exactly.
Writing is atomic: a temporary file beside the target, then a rename. Pure:
must not import Rasa.
"""

import difflib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

# (mapping indent, sequence indent, dash offset, line width)
_STYLES = ((2, 2, 0, 100), (2, 4, 2, 4096), (2, 2, 0, 80), (2, 2, 0, 4096))


@dataclass
class Document:
    """A loaded data file.

    Attributes:
        path: Where it lives.
        data: The round-trip data (ruamel's commented maps and lists).
        yaml: The loader/dumper set to the file's layout.
    """

    path: Path
    data: Any
    yaml: YAML

    def dumps(self) -> str:
        """The file's text as it would be written now."""
        buffer = io.StringIO()
        self.yaml.dump(self.data, buffer)
        return buffer.getvalue()


def _yaml(style: tuple[int, int, int, int]) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True  # type: ignore[assignment]
    mapping, sequence, offset, width = style
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.width = width  # type: ignore[assignment]
    yaml.allow_unicode = True
    return yaml


def load(path: Path) -> Document:
    """Load a file with the layout that reproduces it best."""
    source = path.read_text(encoding="utf-8")
    best = None
    for style in _STYLES:
        yaml = _yaml(style)
        document = Document(path, yaml.load(source), yaml)
        text = document.dumps()
        if text == source:
            return document
        changed = sum(
            1
            for line in difflib.unified_diff(
                source.splitlines(), text.splitlines(), n=0, lineterm=""
            )
            if line[:1] in "+-"
        )
        if best is None or changed < best[0]:
            best = (changed, document)
    assert best is not None
    return best[1]


def write_atomically(path: Path, text: str) -> None:
    """Replace a file's text at once: a temporary file, then a rename."""
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
