"""`python -m bot.training` on a small real project: trains once, then keeps it.

Runs the command as `make train` does (a real `rasa train` on a two-intent
project in a temporary folder, about half a minute).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ROOT
from bot.training.models import models_in

CONFIG = """\
recipe: default.v1
language: en
assistant_id: small
pipeline:
  - name: WhitespaceTokenizer
  - name: KeywordIntentClassifier
policies:
  - name: RulePolicy
"""
DOMAIN = """\
version: "3.1"
intents: [greet, bye]
responses:
  utter_greet:
    - text: hello
  utter_bye:
    - text: bye
"""
NLU = """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hello
      - hi there
  - intent: bye
    examples: |
      - goodbye
      - see you
"""
RULES = """\
version: "3.1"
rules:
  - rule: greet
    steps:
      - intent: greet
      - action: utter_greet
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A two-intent project with a translations file Rasa does not train on."""
    (tmp_path / "data" / "translations").mkdir(parents=True)
    (tmp_path / "config.yml").write_text(CONFIG)
    (tmp_path / "domain.yml").write_text(DOMAIN)
    (tmp_path / "data" / "nlu.yml").write_text(NLU)
    (tmp_path / "data" / "rules.yml").write_text(RULES)
    (tmp_path / "data" / "translations" / "vi.yml").write_text("a: b\n")
    return tmp_path


def train(project: Path, *args: str) -> str:
    """Run the command in the project's folder; what it printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.training", "--keep", "2", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_trains_only_when_training_inputs_change(project: Path) -> None:
    train(project)
    first = models_in(project / "models")
    assert len(first) == 1

    kept = train(project)
    assert "not training again" in kept
    assert models_in(project / "models") == first

    # a file Rasa does not train on changes: still the same model
    (project / "data" / "translations" / "vi.yml").write_text("a: c\n")
    assert "not training again" in train(project)

    # the training data changes: a new model, now the newest
    with (project / "data" / "nlu.yml").open("a") as nlu:
        nlu.write("      - farewell\n")
    assert "not training again" not in train(project)
    second = models_in(project / "models")
    assert len(second) == 2 and second[0] == first[0]

    # back to the first data: the first model is current again and the newest
    (project / "data" / "nlu.yml").write_text(NLU)
    assert "not training again" in train(project)
    assert models_in(project / "models")[-1] == first[0]

    # --force trains anyway; only the two newest models are kept
    assert "not training again" not in train(project, "--force")
    after = models_in(project / "models")
    assert len(after) == 2 and first[0] in after and second[-1] not in after
