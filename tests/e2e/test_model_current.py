"""`make train` leaves a model that the next `make train` keeps.

`make test` trains first; here the project is unchanged since, so Rasa's
fingerprint of every component, the domain and the config must match the
latest model in models/ (read-only: `--check` writes nothing). A failure names
what would be trained: a fingerprint that changes by itself (a time, a random
value, an absolute path, a set's order) or a file edited after the training.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_an_unchanged_project_keeps_its_model() -> None:
    models = sorted((ROOT / "models").glob("*.tar.gz"))
    assert models, "no trained model in models/: run `make train` (make test does)"
    done = subprocess.run(
        [sys.executable, "-m", "bot.training", "--check", "--out", "models"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    said = done.stdout + done.stderr[-2000:]
    assert done.returncode == 0, said
    assert "Nothing changed" in done.stdout, said
    assert sorted((ROOT / "models").glob("*.tar.gz")) == models
