"""Crisis phrase matching in six languages, independent of the classifier.

Curated phrases live in data/safety/<lang>.yml (content, reviewed by people):

    crisis:
      crisis_self_harm:
        high: [kill myself, want to die, ...]      # explicit
        elevated: [can't do this anymore, ...]     # euphemisms, indirect hints
      immediate_danger:
        high: [outside my house, ...]
        elevated: [...]

A phrase matches a message when its folded words (lower case, Latin diacritics
removed, so "muon chet" matches "muốn chết") appear in order and contiguously; a
`*` in a phrase stands for up to three words ("want * die" matches "want to
just die"). Thai and Lao phrases, which segmenters may split differently in
context, match as substrings of the message with spaces removed.

Pure: must not import Rasa.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from bot.language.scripts import fold, script_counts
from bot.language.segment import words

INTENTS = ("crisis_self_harm", "immediate_danger")
LEVELS = ("high", "elevated")
RISK_ORDER = {"none": 0, "elevated": 1, "high": 2}
GAP = 3


@dataclass(frozen=True)
class CrisisMatch:
    """The strongest crisis phrase found in a message.

    Attributes:
        intent: crisis_self_harm or immediate_danger.
        risk: "high" or "elevated".
        phrase: The phrase that matched (for logs and review, not for users).
        language: The language file the phrase came from.
    """

    intent: str
    risk: str
    phrase: str
    language: str


@dataclass(frozen=True)
class _Phrase:
    intent: str
    risk: str
    text: str
    language: str
    tokens: tuple[str, ...]
    unspaced: Optional[str]


def _compile(intent: str, risk: str, text: str, language: str) -> _Phrase:
    letters = script_counts(text)
    if letters["thai"] or letters["lao"]:
        return _Phrase(intent, risk, text, language, (), "".join(fold(text).split()))
    tokens = tuple("*" if part == "*" else fold(part) for part in _phrase_words(text))
    return _Phrase(intent, risk, text, language, tokens, None)


def _phrase_words(text: str) -> list[str]:
    parts: list[str] = []
    for chunk in text.split():
        if chunk == "*":
            parts.append("*")
        else:
            parts.extend(word.text for word in words(chunk))
    return parts


def _matches(pattern: tuple[str, ...], message: tuple[str, ...]) -> bool:
    """Whether the folded pattern words occur contiguously (with * gaps)."""

    def at(p: int, m: int) -> bool:
        if p == len(pattern):
            return True
        if pattern[p] == "*":
            return any(
                at(p + 1, m + skip)
                for skip in range(GAP + 1)
                if m + skip <= len(message)
            )
        return m < len(message) and message[m] == pattern[p] and at(p + 1, m + 1)

    return any(at(0, start) for start in range(len(message) - len(pattern) + 1 + GAP))


class CrisisMatcher:
    """All crisis phrases of all languages, checked together on every message."""

    def __init__(self, phrases: Iterable[_Phrase]) -> None:
        ordered = sorted(phrases, key=lambda p: -RISK_ORDER[p.risk])
        self._phrases = tuple(p for p in ordered if p.tokens or p.unspaced)

    def __len__(self) -> int:
        return len(self._phrases)

    @classmethod
    def from_tables(cls, tables: Mapping[str, Mapping[str, Any]]) -> "CrisisMatcher":
        """Build from {language: parsed data/safety/<lang>.yml}.

        Raises:
            ValueError: When a file does not have the documented shape.
        """
        phrases = []
        for language, data in tables.items():
            crisis = (data or {}).get("crisis")
            if not isinstance(crisis, Mapping):
                raise ValueError(f"safety/{language}.yml: needs a 'crisis' mapping")
            for intent, levels in crisis.items():
                if intent not in INTENTS or not isinstance(levels, Mapping):
                    raise ValueError(
                        f"safety/{language}.yml: unknown intent '{intent}'"
                    )
                for risk, texts in levels.items():
                    if risk not in LEVELS or not isinstance(texts, list):
                        raise ValueError(
                            f"safety/{language}.yml: {intent}.{risk} is not a list"
                        )
                    phrases += [_compile(intent, risk, str(t), language) for t in texts]
        return cls(phrases)

    def match(self, text: str) -> Optional[CrisisMatch]:
        """The strongest phrase in a message (high before elevated), if any."""
        message = tuple(fold(word.text) for word in words(text))
        present = set(message)
        unspaced = "".join(fold(text).split())
        for phrase in self._phrases:
            if phrase.unspaced is not None:
                hit = phrase.unspaced in unspaced
            else:
                # Cheap filter first: every word of the phrase must occur at all.
                hit = all(t == "*" or t in present for t in phrase.tokens) and _matches(
                    phrase.tokens, message
                )
            if hit:
                return CrisisMatch(
                    phrase.intent, phrase.risk, phrase.text, phrase.language
                )
        return None


@dataclass(frozen=True)
class Assessment:
    """The crisis verdict on one message.

    Attributes:
        intent: The intent to use (a crisis intent, or the classifier's own).
        risk: "none", "elevated" or "high".
        source: "phrase", "classifier", or "none".
    """

    intent: str
    risk: str
    source: str


def assess(
    match: Optional[CrisisMatch],
    classified: str,
    confidence: float,
    classifier_threshold: float = 0.5,
) -> Assessment:
    """Combine the phrase match with the classifier's intent.

    A phrase always wins (its intent, its risk). Otherwise a crisis intent from
    the classifier stands, with high risk above the threshold and elevated below.

    Args:
        match: The phrase match, if any.
        classified: The classifier's intent.
        confidence: The classifier's confidence in it.
        classifier_threshold: Confidence from which a classifier-only crisis is high.

    Returns:
        The assessment.
    """
    if match is not None:
        risk = match.risk
        if classified in INTENTS and confidence >= classifier_threshold:
            risk = "high"
        return Assessment(match.intent, risk, "phrase")
    if classified in INTENTS:
        risk = "high" if confidence >= classifier_threshold else "elevated"
        return Assessment(classified, risk, "classifier")
    return Assessment(classified, "none", "none")


@lru_cache(maxsize=4)
def load_matcher(directory: Path) -> CrisisMatcher:
    """Read every data/safety/<lang>.yml (cached per folder)."""
    tables = {}
    for path in sorted(directory.glob("*.yml")):
        with open(path, encoding="utf-8") as handle:
            tables[path.stem] = yaml.safe_load(handle)
    return CrisisMatcher.from_tables(tables)
