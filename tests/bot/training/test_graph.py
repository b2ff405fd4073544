"""Rasa's fingerprint of our components and of the graph (bot.training.graph).

Nothing here may depend on the process, the time or the checkout's path: else
`make train` trains a new model although nothing changed.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import GraphSchema, SchemaNode
from rasa.engine.storage.resource import Resource
from rasa.engine.training.fingerprinting import calculate_fingerprint_key
from rasa.shared.utils.common import class_from_module_path

from bot.training.graph import schema_fingerprint

ROOT = Path(__file__).resolve().parents[3]
OURS = (
    "bot.language.tokenizer.MultiScriptTokenizer",
    "bot.language.detector.LanguageDetector",
    "bot.language.entity_extractor.TermEntityExtractor",
    "bot.safety.crisis_detector.CrisisDetector",
)

# Prints Rasa's fingerprint key of each of our components, configured as in
# config.yml, run in the current folder.
KEYS = """
import json, yaml
from rasa.engine.training.fingerprinting import calculate_fingerprint_key
from rasa.shared.utils.common import class_from_module_path
pipeline = yaml.safe_load(open("config.yml", encoding="utf-8"))["pipeline"]
keys = {}
for item in pipeline:
    name = item["name"]
    if name.startswith("bot."):
        cls = class_from_module_path(name)
        config = {**cls.get_default_config(), **item}
        keys[name] = calculate_fingerprint_key(cls, config, {})
print(json.dumps(keys, sort_keys=True))
"""


def keys_in(folder: Path) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", KEYS],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    keys: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return keys


def test_component_keys_are_the_same_in_another_process_and_checkout(
    tmp_path: Path,
) -> None:
    shutil.copytree(ROOT / "bot", tmp_path / "bot")
    shutil.copytree(ROOT / "data" / "background", tmp_path / "data" / "background")
    shutil.copy(ROOT / "config.yml", tmp_path / "config.yml")
    here = keys_in(ROOT)
    assert set(here) >= set(OURS)
    assert keys_in(tmp_path) == here
    # ... and they follow the background set our detectors learn from.
    with open(tmp_path / "data" / "background" / "chat_en.txt", "a") as f:
        f.write("\nanother ordinary sentence\n")
    moved = keys_in(tmp_path)
    assert (
        moved["bot.language.detector.LanguageDetector"]
        != here["bot.language.detector.LanguageDetector"]
    )
    assert (
        moved["bot.language.tokenizer.MultiScriptTokenizer"]
        == here["bot.language.tokenizer.MultiScriptTokenizer"]
    )


def config_of(name: str) -> dict[str, Any]:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text("utf-8"))["pipeline"]
    return next(item for item in pipeline if item["name"] == name)


def test_component_keys_follow_the_code_the_class_calls(
    monkeypatch: Any, tmp_path: Path
) -> None:
    name = "bot.safety.crisis_detector.CrisisDetector"
    cls = class_from_module_path(name)
    config = {**cls.get_default_config(), **config_of(name)}
    before = calculate_fingerprint_key(cls, config, {})
    assert calculate_fingerprint_key(cls, config, {}) == before
    shutil.copytree(ROOT / "bot", tmp_path / "bot")
    monkeypatch.setattr("bot.training.fingerprint.checkout", lambda: tmp_path)
    assert calculate_fingerprint_key(cls, config, {}) == before
    model = tmp_path / "bot" / "safety" / "crisis_model.py"
    model.write_text(model.read_text("utf-8") + "\n# changed\n", "utf-8")
    assert calculate_fingerprint_key(cls, config, {}) != before


def schema(threshold: float) -> GraphSchema:
    node = SchemaNode(
        needs={},
        uses=class_from_module_path(
            "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier"
        ),
        constructor_name="load",
        fn="process",
        config={"threshold": threshold},
        # Rasa gives every predict node's resource a fresh random fingerprint.
        resource=Resource("train_FallbackClassifier"),
    )
    return GraphSchema({"run_FallbackClassifier": node})


def test_schema_fingerprint_ignores_random_resource_fingerprints() -> None:
    first, second = schema(0.15), schema(0.15)
    one = first.nodes["run_FallbackClassifier"].resource
    two = second.nodes["run_FallbackClassifier"].resource
    assert one is not None and two is not None
    assert one.output_fingerprint != two.output_fingerprint
    assert schema_fingerprint(first) == schema_fingerprint(second)
    assert schema_fingerprint(schema(0.2)) != schema_fingerprint(first)
