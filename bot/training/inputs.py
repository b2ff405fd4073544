"""The inputs of a training, as digests: what `project_stamp` is made of.

Rasa decides which files of `data/` are training data (NLU, stories, rules)
with its own readers; files it does not train on (translations, crisis
phrases, helplines: read when the server starts) do not count. Each custom
component or policy named in config.yml counts with the code it runs
(`code_fingerprint`) and with its `fingerprint_addon` (for example the
background set of the crisis detector). Rasa's and Python's versions and the
pinned packages count too.

Adapter: imports Rasa, inside the function only.
"""

import importlib
import platform
from pathlib import Path
from typing import Any

from bot.training.fingerprint import code_fingerprint, file_digest

#: Files whose bytes say which packages are installed.
PINS = ("constraints.txt", "requirements.txt", "requirements-nodeps.txt")


def _custom_components(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The pipeline and policy entries of config.yml named by module path."""
    entries = [*(config.get("pipeline") or []), *(config.get("policies") or [])]
    return [e for e in entries if "." in str(e.get("name", ""))]


def training_parts(
    root: Path, config: Path, domain: Path, data: Path
) -> dict[str, str]:
    """A digest per input of `rasa train --config config --domain domain --data data`.

    Args:
        root: The checkout (paths are named relative to it).
        config: config.yml.
        domain: The domain file or folder.
        data: The training data folder.

    Returns:
        Names ("data/nlu/en.yml", "code:bot.classifier...", "rasa"...) mapped
        to digests or versions, for `project_stamp`.
    """
    import rasa
    import rasa.shared.data
    import rasa.shared.utils.io
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import (
        YAMLStoryReader,
    )

    def named(path: Path) -> str:
        full = path.resolve()
        inside = full.is_relative_to(root.resolve())
        return (full.relative_to(root.resolve()) if inside else full).as_posix()

    parts = {"rasa": rasa.__version__, "python": platform.python_version()}
    for pin in PINS:
        if (root / pin).is_file():
            parts[pin] = file_digest(root / pin)
    parts[named(config)] = file_digest(config)
    domains = sorted(domain.rglob("*.yml")) if domain.is_dir() else [domain]
    for file in domains:
        parts[named(file)] = file_digest(file)
    nlu = rasa.shared.data.get_data_files([str(data)], rasa.shared.data.is_nlu_file)
    stories = rasa.shared.data.get_data_files(
        [str(data)], YAMLStoryReader.is_stories_file
    )
    for name in sorted(set(nlu) | set(stories)):
        parts[named(Path(name))] = file_digest(Path(name))
    settings = rasa.shared.utils.io.read_config_file(str(config))
    for entry in _custom_components(settings):
        module_name, _, class_name = str(entry["name"]).rpartition(".")
        parts[f"code:{entry['name']}"] = code_fingerprint([module_name])
        component = getattr(importlib.import_module(module_name), class_name)
        addon = getattr(component, "fingerprint_addon", None)
        if addon is not None:
            merged = {**component.get_default_config(), **entry}
            parts[f"addon:{entry['name']}"] = str(addon(merged))
    return parts
