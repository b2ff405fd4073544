"""Translations of the responses: load `data/translations/<lang>.yml` and check them.

Each file has the top-level key `translations:` (which Rasa's importer ignores)
mapping response names to variations in Rasa's response format, plus `review:`
saying which texts a native speaker has reviewed. English lives in domain.yml.
Pure: must not import Rasa.
"""

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.languages import CODES, DEFAULT

Responses = dict[str, list[dict[str, Any]]]
_PLACEHOLDER = re.compile(r"(?<!{){([a-z_]+)}(?!})")


def load_translations(directory: Path) -> dict[str, Responses]:
    """Read every language's translation table.

    Args:
        directory: Folder of `<lang>.yml` files.

    Returns:
        {language code: {response name: variations}} for the files found.
    """
    tables: dict[str, Responses] = {}
    for code in CODES:
        path = directory / f"{code}.yml"
        if code == DEFAULT or not path.exists():
            continue
        table = _read(path).get("translations") or {}
        if not isinstance(table, Mapping):
            raise ValueError(f"{path}: 'translations' must map response names")
        tables[code] = {
            str(name): list(variations) for name, variations in table.items()
        }
    return tables


def _read(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return dict(data)


def load_service_texts(directory: Path) -> dict[str, dict[str, dict[str, str]]]:
    """The helpline texts of every language: {language: {service id: fields}}.

    Each data/translations/<lang>.yml may hold `services:` mapping a service id
    of data/helplines.yml to its `name`, `help` and `hours` in that language.
    """
    texts = {}
    for code in CODES:
        path = directory / f"{code}.yml"
        if code != DEFAULT and path.exists():
            texts[code] = dict(_read(path).get("services") or {})
    return texts


def placeholders(variation: Mapping[str, Any]) -> set[str]:
    """The {placeholders} of a variation's text."""
    return set(_PLACEHOLDER.findall(str(variation.get("text", ""))))


def payloads(variation: Mapping[str, Any]) -> list[str]:
    """The button payloads of a variation, in order."""
    return [str(b.get("payload")) for b in variation.get("buttons", []) or []]


def problems(english: Responses, table: Responses, code: str) -> list[str]:
    """What is missing or inconsistent in one language's table.

    Args:
        english: The domain's responses.
        table: One language's translations.
        code: That language's code, for the messages.

    Returns:
        One readable line per problem; empty when complete.
    """
    found = []
    for name, variations in english.items():
        if name not in table:
            found.append(f"{code}: {name} is not translated")
            continue
        source = variations[0]
        for variation in table[name]:
            if placeholders(variation) != placeholders(source):
                found.append(f"{code}: {name} has other placeholders than English")
            if payloads(variation) != payloads(source):
                found.append(f"{code}: {name} has other buttons than English")
    found += [
        f"{code}: {name} is not in domain.yml" for name in table if name not in english
    ]
    return found
