"""Wording a fluent reader found wrong does not come back into the answers.

tests/data/wording.yml lists, per language, phrases to avoid (each with the
reason and the fix): every response text, every button title and every
helpline text (`services:`) of data/translations/<lang>.yml is checked. It
also lists facts an answer must keep saying (`keep:`). Matching ignores case,
Unicode composition and line folding.
"""

import functools
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from bot.content.helplines import load_directory
from bot.content.translations import Responses, load_service_texts, load_translations
from bot.languages import CODES, DEFAULT
from bot.settings import ROOT

WORDING = Path(__file__).with_name("wording.yml")
TRANSLATIONS = ROOT / "data" / "translations"
PLACES = frozenset({"answers", "services"})


@dataclass(frozen=True)
class Rule:
    """One phrase that must not appear in a language's texts."""

    language: str
    phrase: str
    reason: str
    fix: str
    places: frozenset[str]
    except_country: Optional[str]


def read_wording(path: Path) -> dict[str, Any]:
    """The wording file as a mapping with `avoid` and `keep`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    assert set(data) <= {"avoid", "keep"}, f"{path}: unknown sections {set(data)}"
    return dict(data)


def load_rules(path: Path) -> list[Rule]:
    """Read the phrases to avoid; a malformed entry fails loudly."""
    rules = []
    for language, entries in (read_wording(path).get("avoid") or {}).items():
        assert language in CODES and language != DEFAULT, f"{path}: {language}?"
        for entry in entries:
            missing = {"phrase", "reason", "fix"} - set(entry)
            assert not missing, f"{path}: {language} entry {entry} lacks {missing}"
            place = entry.get("in")
            assert place in PLACES | {None}, f"{path}: in: {place}?"
            rules.append(
                Rule(
                    language=language,
                    phrase=str(entry["phrase"]),
                    reason=str(entry["reason"]),
                    fix=str(entry["fix"]),
                    places=frozenset({place}) if place else PLACES,
                    except_country=entry.get("except_country"),
                )
            )
    return rules


def normal(text: str) -> str:
    """Text as compared: NFC, case-folded, runs of white space as one space."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def answer_texts(table: Responses) -> Iterator[tuple[str, str]]:
    """(where, text) for every response text and button title."""
    for name, variations in table.items():
        for variation in variations:
            yield name, str(variation.get("text", ""))
            for button in variation.get("buttons") or []:
                yield f"{name} button", str(button.get("title", ""))


def service_texts(
    services: Mapping[str, Mapping[str, Any]], countries: Mapping[str, str]
) -> Iterator[tuple[str, Optional[str], str]]:
    """(where, country, text) for every translated helpline field."""
    for service_id, fields in services.items():
        for field, value in (fields or {}).items():
            yield (
                f"services.{service_id}.{field}",
                countries.get(service_id),
                str(value),
            )


def hits(
    rule: Rule,
    table: Responses,
    services: Mapping[str, Mapping[str, Any]],
    countries: Mapping[str, str],
) -> list[str]:
    """Where a rule's phrase appears: one line per place, with the text."""
    phrase = normal(rule.phrase)
    found = []
    if "answers" in rule.places:
        found += [
            f"{where}: {text!r}"
            for where, text in answer_texts(table)
            if phrase in normal(text)
        ]
    if "services" in rule.places:
        found += [
            f"{where}: {text!r}"
            for where, country, text in service_texts(services, countries)
            if phrase in normal(text)
            and not (rule.except_country and country == rule.except_country)
        ]
    return found


@functools.cache
def tables() -> dict[str, Responses]:
    """The translated responses, read once per test run."""
    return load_translations(TRANSLATIONS)


@functools.cache
def service_tables() -> dict[str, dict[str, dict[str, str]]]:
    """The translated helpline texts, read once per test run."""
    return load_service_texts(TRANSLATIONS)


@functools.cache
def service_countries() -> dict[str, str]:
    """Service id → its country code in data/helplines.yml."""
    book = load_directory(ROOT / "data" / "helplines.yml")
    return {service.id: country for country, service in book.all_services()}


RULES = load_rules(WORDING)
KEEP = [
    (language, entry)
    for language, entries in (read_wording(WORDING).get("keep") or {}).items()
    for entry in entries
]


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.language}:{r.phrase}" for r in RULES])
def test_a_phrase_found_wrong_is_not_in_the_answers(rule: Rule) -> None:
    table = tables()[rule.language]
    services = service_tables().get(rule.language, {})
    found = hits(rule, table, services, service_countries())
    assert not found, (
        f"{rule.language}: {rule.phrase!r} is back ({rule.reason}); "
        f"write {rule.fix!r} instead:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    ("language", "entry"), KEEP, ids=[f"{lang}:{e['response']}" for lang, e in KEEP]
)
def test_an_answer_keeps_saying_what_it_must(
    language: str, entry: dict[str, str]
) -> None:
    table = tables()[language]
    texts = [normal(str(v.get("text", ""))) for v in table[entry["response"]]]
    assert all(normal(entry["phrase"]) in text for text in texts), (
        f"{language}: {entry['response']} no longer says {entry['phrase']!r} "
        f"({entry['reason']})"
    )


def test_every_language_with_translations_has_wording_checks() -> None:
    languages = {rule.language for rule in RULES}
    assert set(tables()) <= languages


def test_the_check_finds_an_old_wording_in_answers_buttons_and_services() -> None:
    # The wordings as they were before issue 14: each must be caught where it was.
    rules = {(r.language, r.phrase): r for r in RULES}
    table: Responses = {
        "utter_first_aid_offer": [
            {
                "text": "Gusto mo bang makausap?",
                "buttons": [
                    {"title": "Paano magtago ng ebidensya", "payload": "/ask_evidence"}
                ],
            }
        ],
        "utter_first_aid_not_your_fault": [
            {"text": "Hindi mo ito kasalanan at hindi ka\n  mapapahamak."}
        ],
    }
    assert hits(rules[("tl", "magtago ng ebidensya")], table, {}, {}) == [
        "utter_first_aid_offer button: 'Paano magtago ng ebidensya'"
    ]
    assert hits(rules[("tl", "hindi ka mapapahamak")], table, {}, {})
    police = rules[("vi", "công an")]
    services = {
        "th_police": {"name": "Công an", "help": "khẩn cấp công an"},
        "vn_police": {"name": "Công an", "help": "khẩn cấp công an"},
    }
    countries = {"th_police": "TH", "vn_police": "VN"}
    assert hits(police, {}, services, countries) == [
        "services.th_police.name: 'Công an'",
        "services.th_police.help: 'khẩn cấp công an'",
    ]
    # Decomposed Vietnamese (as some keyboards type it) is the same phrase.
    decomposed = unicodedata.normalize("NFD", "Chọn lúc bình tĩnh, đừng giảng giải.")
    assert hits(rules[("vi", "đừng giảng giải")], {"x": [{"text": decomposed}]}, {}, {})
