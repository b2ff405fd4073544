"""The model folder and the decision to train (bot.training.models)."""

import os
from pathlib import Path

from bot.training.models import (
    latest_model,
    read_stamp,
    stamp_file,
    why_train,
    write_stamp,
)


def model(folder: Path, name: str, mtime: float) -> Path:
    path = folder / f"{name}.tar.gz"
    path.write_bytes(b"model")
    os.utime(path, (mtime, mtime))
    return path


def test_latest_model_is_the_newest_as_rasa_picks_it(tmp_path: Path) -> None:
    assert latest_model(tmp_path) is None
    assert latest_model(tmp_path / "missing") is None
    model(tmp_path, "b-older", 1_000)
    newest = model(tmp_path, "a-newer", 2_000)
    (tmp_path / "notes.fingerprint").write_text("x", encoding="utf-8")
    assert latest_model(tmp_path) == newest


def test_the_stamp_is_kept_beside_its_model(tmp_path: Path) -> None:
    trained = model(tmp_path, "20260101-000000-name", 1_000)
    assert stamp_file(trained) == tmp_path / "20260101-000000-name.fingerprint"
    assert read_stamp(trained) is None
    write_stamp(trained, "abc")
    assert read_stamp(trained) == "abc"
    assert latest_model(tmp_path) == trained  # the stamp is not taken for a model


def test_why_train_keeps_only_a_model_with_the_same_stamp(tmp_path: Path) -> None:
    trained = tmp_path / "m.tar.gz"
    assert why_train(trained, "s", "s", []) is None
    assert why_train(None, None, "s", []) == "no model yet"
    missing = why_train(trained, "s", None, ["train_CrisisDetector9"])
    assert missing is not None and "train_CrisisDetector9" in missing
    unstamped = why_train(trained, None, "s", [])
    assert unstamped is not None and "no .fingerprint file" in unstamped
    other = why_train(trained, "old", "new", [])
    assert other is not None and "trained on something else" in other
