"""Crisis phrase files: `data/safety/<lang>.yml`, read and expanded.

Format (docs/crisis-phrases.md):

    families:
      I: [tôi, tui, mình]            # {I} in a phrase: one variant per spelling
    crisis:
      crisis_self_harm:
        high: ["{I} muốn chết", tự tử]
        elevated: [...]
      immediate_danger: {high: [...], elevated: [...]}
    ordinary: [mệt muốn chết]        # everyday expressions that contain a phrase
    uncertain: [không, ko, chưa]     # words that make "I'm safe" unclear
    reassuring: [không sao]          # "no problem": a negation that reassures

Templates are expanded here (every combination of the families a phrase
names), so a reviewer reads one line per idea while the matcher sees every
spelling. Pure: must not import Rasa.
"""

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Union

import yaml

INTENTS = ("crisis_self_harm", "immediate_danger")
LEVELS = ("high", "elevated")
# One template may not explode into more variants than this (a typo guard).
MAX_VARIANTS = 5000

_SLOT = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Phrase:
    """One expanded crisis phrase.

    Attributes:
        intent: crisis_self_harm or immediate_danger.
        risk: "high" or "elevated".
        text: The phrase with every family filled in.
        template: The line of the file it came from (for review and logs).
        language: The language file it came from.
    """

    intent: str
    risk: str
    text: str
    template: str
    language: str


@dataclass(frozen=True)
class PhraseBook:
    """Every language's phrases, ordinary expressions and uncertain words.

    Attributes:
        phrases: All expanded crisis phrases.
        ordinary: Per language, everyday expressions that contain a crisis
            phrase ("mệt muốn chết", dead tired): a match inside one is ignored.
        uncertain: Per language, words that make an "I'm safe" reply unclear.
        reassuring: Per language, expressions that contain such a word but
            reassure ("no worries", "ไม่เป็นไร"); they are set aside first.
    """

    phrases: tuple[Phrase, ...]
    ordinary: Mapping[str, tuple[str, ...]]
    uncertain: Mapping[str, frozenset[str]]
    reassuring: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def languages(self) -> list[str]:
        """The languages that have a file."""
        return sorted(set(self.uncertain) | {p.language for p in self.phrases})


@dataclass(frozen=True)
class ReplyWords:
    """What makes a reply to "Are you safe?" unclear, without any phrase.

    The action server needs only these; expanding every crisis phrase
    (250,000 of them) on its first crisis turn would cost seconds.

    Attributes:
        uncertain: Per language, words that make an "I'm safe" reply unclear.
        reassuring: Per language, expressions that contain such a word but
            reassure; they are set aside first.
        unsure: Per language, expressions of doubt ("idk", "not sure"): a
            "no" that holds one is not a clear no to the caring question.
    """

    uncertain: Mapping[str, frozenset[str]]
    reassuring: Mapping[str, tuple[str, ...]]
    unsure: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def expand(template: str, families: Mapping[str, list[str]]) -> list[str]:
    """Every variant of a template: `{name}` takes each spelling of a family.

    Args:
        template: A phrase such as "{I} {want} chết".
        families: Family name -> spellings.

    Returns:
        The variants, in file order, without duplicates, spaces normalised.

    Raises:
        ValueError: When a family is unknown or the variants are too many.
    """
    names = _SLOT.findall(template)
    unknown = [n for n in names if n not in families]
    if unknown:
        raise ValueError(f"unknown family {unknown} in phrase '{template}'")
    pieces = _SLOT.split(template)  # text, name, text, name, ..., text
    choices = [families[name] for name in names]
    total = 1
    for options in choices:
        total *= max(len(options), 1)
    if total > MAX_VARIANTS:
        raise ValueError(f"phrase '{template}' expands to {total} variants")
    variants: dict[str, None] = {}
    for combination in itertools.product(*choices):
        parts = [pieces[0]]
        for spelling, after in zip(combination, pieces[2::2], strict=True):
            parts += [spelling, after]
        variants[" ".join("".join(parts).split())] = None
    return [v for v in variants if v]


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list")
    for item in value:
        if isinstance(item, bool):
            # YAML reads a bare on/off/yes/no as a boolean: the word is lost.
            raise ValueError(f"{where}: {item} is a YAML boolean: quote on/off/no")
    return [str(item) for item in value]


def parse_tables(tables: Mapping[str, Mapping[str, Any]]) -> PhraseBook:
    """Build the phrase book from {language: parsed data/safety/<lang>.yml}.

    Raises:
        ValueError: When a file does not have the documented shape.
    """
    phrases: list[Phrase] = []
    ordinary: dict[str, tuple[str, ...]] = {}
    for language, data in tables.items():
        where = f"safety/{language}.yml"
        data = data or {}
        crisis = data.get("crisis")
        if not isinstance(crisis, Mapping):
            raise ValueError(f"{where}: needs a 'crisis' mapping")
        families_raw = data.get("families") or {}
        if not isinstance(families_raw, Mapping):
            raise ValueError(f"{where}: 'families' must be a mapping")
        families = {
            str(name): _strings(spellings, f"{where}: family {name}")
            for name, spellings in families_raw.items()
        }
        for intent, levels in crisis.items():
            if intent not in INTENTS or not isinstance(levels, Mapping):
                raise ValueError(f"{where}: unknown intent '{intent}'")
            for risk, templates in levels.items():
                if risk not in LEVELS or not isinstance(templates, list):
                    raise ValueError(f"{where}: {intent}.{risk} is not a list")
                for template in _strings(templates, f"{where}: {intent}.{risk}"):
                    try:
                        variants = expand(template, families)
                    except ValueError as error:
                        raise ValueError(f"{where}: {error}") from None
                    phrases += [
                        Phrase(intent, risk, text, template, language)
                        for text in variants
                    ]
        ordinary[language] = tuple(
            text
            for template in _strings(data.get("ordinary"), f"{where}: ordinary")
            for text in expand(template, families)
        )
    replies = reply_words(tables)
    return PhraseBook(tuple(phrases), ordinary, replies.uncertain, replies.reassuring)


def reply_words(tables: Mapping[str, Mapping[str, Any]]) -> ReplyWords:
    """The uncertain words and reassuring expressions of every language.

    Args:
        tables: {language: parsed data/safety/<lang>.yml}.

    Raises:
        ValueError: When a list is not a list of words.
    """
    uncertain: dict[str, frozenset[str]] = {}
    reassuring: dict[str, tuple[str, ...]] = {}
    unsure: dict[str, tuple[str, ...]] = {}
    for language, data in tables.items():
        where = f"safety/{language}.yml"
        data = data or {}
        unsure[language] = tuple(
            text.lower() for text in _strings(data.get("unsure"), f"{where}: unsure")
        )
        uncertain[language] = frozenset(
            word.lower() for word in _strings(data.get("uncertain"), where)
        )
        reassuring[language] = tuple(
            text.lower()
            for text in _strings(data.get("reassuring"), f"{where}: reassuring")
        )
    return ReplyWords(uncertain, reassuring, unsure)


def read_tables(directory: Path) -> dict[str, Any]:
    """Parse every `<directory>/<lang>.yml`."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    tables = {}
    for path in sorted(directory.glob("*.yml")):
        with open(path, encoding="utf-8") as handle:
            tables[path.stem] = yaml.load(handle, Loader=loader)
    return tables


@lru_cache(maxsize=4)
def load_phrase_book(directory: Path) -> PhraseBook:
    """Read and expand every data/safety/<lang>.yml (cached per folder)."""
    return parse_tables(read_tables(directory))


@lru_cache(maxsize=4)
def load_reply_words(directory: Path) -> ReplyWords:
    """Read the reply words of every data/safety/<lang>.yml (cached per folder)."""
    return reply_words(read_tables(directory))


def uncertain_words(
    book: Union[PhraseBook, ReplyWords], languages: Iterable[str]
) -> frozenset[str]:
    """The uncertain words of some languages together."""
    found: set[str] = set()
    for language in languages:
        found |= book.uncertain.get(language, frozenset())
    return frozenset(found)


def reassuring_expressions(
    book: Union[PhraseBook, ReplyWords], languages: Iterable[str]
) -> list[str]:
    """The reassuring expressions of some languages, longest first."""
    found = {text for lang in languages for text in book.reassuring.get(lang, ())}
    return sorted(found, key=len, reverse=True)


def unsure_expressions(replies: ReplyWords, languages: Iterable[str]) -> list[str]:
    """The expressions of doubt of some languages together."""
    return sorted({text for lang in languages for text in replies.unsure.get(lang, ())})
