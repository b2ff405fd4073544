"""Which model is current, how models are named and pruned (bot.training.models)."""

import datetime
import os
from pathlib import Path

from bot.training.models import (
    STAMP_CHARS,
    current,
    model_name,
    models_in,
    newest,
    to_prune,
)

STAMP = "3fa2c4d5e6f7" + "0" * 52
OTHER = "aaaaaaaaaaaa" + "1" * 52


def make(folder: Path, name: str, age_s: float) -> Path:
    """A model file last modified `age_s` seconds ago."""
    path = folder / f"{name}.tar.gz"
    path.write_bytes(b"model")
    when = datetime.datetime.now().timestamp() - age_s
    os.utime(path, (when, when))
    return path


def test_model_name_sorts_by_time_and_carries_the_stamp() -> None:
    at = datetime.datetime(2026, 12, 7, 19, 30, 12, tzinfo=datetime.timezone.utc)
    assert model_name(STAMP, at) == "20261207-193012-3fa2c4d5e6f7"
    assert model_name(STAMP, at).endswith(STAMP[:STAMP_CHARS])


def test_newest_is_the_last_modified_not_the_last_by_name(tmp_path: Path) -> None:
    old_name = make(tmp_path, "20990101-000000-zzzzzzzzzzzz", age_s=100)
    fresh = make(tmp_path, "20200101-000000-aaaaaaaaaaaa", age_s=1)
    assert newest(tmp_path) == fresh
    assert models_in(tmp_path) == [old_name, fresh]
    assert newest(tmp_path / "missing") is None


def test_current_finds_only_a_model_of_the_same_stamp(tmp_path: Path) -> None:
    at = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
    assert current(tmp_path, STAMP) is None
    make(tmp_path, model_name(OTHER, at), age_s=1)
    assert current(tmp_path, STAMP) is None
    mine = make(tmp_path, model_name(STAMP, at), age_s=50)
    assert current(tmp_path, STAMP) == mine
    make(tmp_path, "20261207-120000-gentle-sky", age_s=0)  # Rasa's own naming
    assert current(tmp_path, STAMP) == mine


def test_to_prune_keeps_the_newest_and_the_current(tmp_path: Path) -> None:
    models = [make(tmp_path, f"m{i}", age_s=100 - i) for i in range(5)]
    assert to_prune(models, models[-1], keep=3) == models[:2]
    # the current model is old: it stays, with the newest others
    assert to_prune(models, models[0], keep=3) == models[1:3]
    assert to_prune(models[:2], models[1], keep=3) == []
    assert to_prune(models, models[-1], keep=1) == models[:4]
