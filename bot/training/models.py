"""The model folder: the latest model and the stamp written next to it.

`models/<name>.tar.gz` is Rasa's package; `models/<name>.fingerprint` holds the
`model_stamp` it was trained with (one line). A model without one (trained by a
bare `rasa train`) is never taken for current.

Pure: must not import Rasa.
"""

from pathlib import Path
from typing import Optional

MODEL_SUFFIX = ".tar.gz"
STAMP_SUFFIX = ".fingerprint"


def latest_model(folder: Path) -> Optional[Path]:
    """The newest model of the folder, as Rasa picks it (modification time)."""
    models = list(folder.glob(f"*{MODEL_SUFFIX}")) if folder.is_dir() else []
    return max(models, key=lambda path: path.stat().st_mtime, default=None)


def stamp_file(model: Path) -> Path:
    """Where the stamp of `model` is kept: `<name>.fingerprint` beside it."""
    return model.with_name(model.name.removesuffix(MODEL_SUFFIX) + STAMP_SUFFIX)


def read_stamp(model: Path) -> Optional[str]:
    """The stamp the model was trained with, or None if it has none."""
    path = stamp_file(model)
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def write_stamp(model: Path, stamp: str) -> None:
    """Record the stamp the model was trained with."""
    stamp_file(model).write_text(stamp + "\n", encoding="utf-8")


def why_train(
    model: Optional[Path],
    recorded: Optional[str],
    stamp: Optional[str],
    to_train: list[str],
) -> Optional[str]:
    """Why a training is needed, or None when the latest model is current.

    Args:
        model: The latest model, if any.
        recorded: The stamp recorded beside it, if any.
        stamp: The stamp of what a training would package now (None when Rasa
            would train some component).
        to_train: The graph nodes Rasa would train.

    Returns:
        A sentence for the user, or None.
    """
    if model is None:
        return "no model yet"
    if to_train:
        return "changed or not in Rasa's cache: " + ", ".join(to_train)
    if recorded is None:
        return f"{model.name} has no {STAMP_SUFFIX} file (not trained by make train)"
    if recorded != stamp:
        return (
            f"{model.name} was trained on something else (domain, config or "
            "components differ; all of them are in Rasa's cache)"
        )
    return None
