"""Which trained model is current, how a new one is named, which old ones go.

A model made by `make train` is named `<UTC date>-<time>-<stamp>.tar.gz`, the
stamp being the first `STAMP_CHARS` characters of `project_stamp` of its
inputs. When a model carrying the current stamp exists, training would make it
again: it is kept and made the newest (Rasa loads the newest model of a folder).

Pure: must not import Rasa.
"""

import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

#: Characters of the stamp in a model's name (48 bits: no accidental match).
STAMP_CHARS = 12
#: Models kept in the folder after a training, the current one included.
KEEP = 3


def model_name(stamp: str, now: datetime.datetime) -> str:
    """The file name (without `.tar.gz`) of a model trained now from `stamp`.

    Args:
        stamp: `project_stamp` of the training inputs.
        now: The time of training (aware or UTC).

    Returns:
        For example "20261207-193012-3fa2c4d5e6f7": sorted by time like
        Rasa's own names.
    """
    return f"{now:%Y%m%d-%H%M%S}-{stamp[:STAMP_CHARS]}"


def models_in(folder: Path) -> list[Path]:
    """The model files of a folder, newest (last modified) last."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.tar.gz"), key=lambda p: (p.stat().st_mtime, p.name))


def newest(folder: Path) -> Optional[Path]:
    """The model Rasa would load from `folder` (the last modified), if any."""
    found = models_in(folder)
    return found[-1] if found else None


def current(folder: Path, stamp: str) -> Optional[Path]:
    """The newest model of `folder` trained from inputs with this stamp, if any."""
    suffix = f"-{stamp[:STAMP_CHARS]}.tar.gz"
    matching = [p for p in models_in(folder) if p.name.endswith(suffix)]
    return matching[-1] if matching else None


def to_prune(models: Iterable[Path], keep_model: Path, keep: int = KEEP) -> list[Path]:
    """The models to delete so that `keep` remain, `keep_model` among them.

    Args:
        models: The folder's models, newest last (`models_in`).
        keep_model: The current model, never deleted.
        keep: How many models remain at most.

    Returns:
        The oldest models beyond the `keep - 1` newest others.
    """
    others = [p for p in models if p != keep_model]
    return others[: max(len(others) - (keep - 1), 0)]
