"""Find known terms (countries, platforms) in a message, in any of our scripts.

Terms and messages are compared as sequences of folded words (see
`bot.language.segment` and `bot.language.scripts.fold`), so "Thái Lan" matches
"thai lan", and Thai or Lao terms match inside text written without spaces.
The longest term wins where several overlap; one term may belong to several
entities ("ລາວ" is both the country LA and the language lo). Pure: must not import
Rasa.
"""

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.language.scripts import fold
from bot.language.segment import words


@dataclass(frozen=True)
class TermMatch:
    """A term found in a sequence of words.

    Attributes:
        entity: Entity name, e.g. "country".
        value: Canonical value, e.g. "PH".
        first: Index of the first matched word.
        last: Index of the last matched word.
    """

    entity: str
    value: str
    first: int
    last: int


def term_key(text: str) -> tuple[str, ...]:
    """Return the folded words of a text, the form terms are compared in."""
    return tuple(fold(word.text) for word in words(text))


def drop_everyday_words(
    matches: Sequence[TermMatch],
    folded_words: Sequence[str],
    everyday: Collection[str],
    answering: bool,
) -> list[TermMatch]:
    """Drop terms that are also everyday words, unless the message is an answer.

    Lao "ລາວ" is both "Laos" and "he/she" ("ລາວຂູ່ຂ້ອຍ": he threatens me), so
    it names the country only in a message that says where the person is (or
    which language they want); elsewhere it is the pronoun.

    Args:
        matches: What `TermIndex.find` found.
        folded_words: The message's folded words (as given to `find`).
        everyday: Folded surface forms that are also everyday words.
        answering: Whether the message answers "where are you" or "which language".

    Returns:
        The matches to keep, in order.
    """
    if answering:
        return list(matches)
    return [
        m
        for m in matches
        if " ".join(folded_words[m.first : m.last + 1]) not in everyday
    ]


class TermIndex:
    """An index of (entity, surface form, canonical value) terms."""

    def __init__(self, terms: Iterable[tuple[str, str, str]]) -> None:
        self._terms: dict[tuple[str, ...], dict[str, str]] = {}
        for entity, surface, value in terms:
            key = term_key(surface)
            if key:
                self._terms.setdefault(key, {}).setdefault(entity, value)
        self._longest = max((len(key) for key in self._terms), default=0)

    def __len__(self) -> int:
        return len(self._terms)

    def find(self, folded_words: Sequence[str]) -> list[TermMatch]:
        """Find terms in a message's folded words, longest match first.

        Args:
            folded_words: The message's words, folded with `fold`.

        Returns:
            Non-overlapping matches in order.
        """
        matches, i = [], 0
        while i < len(folded_words):
            for size in range(min(self._longest, len(folded_words) - i), 0, -1):
                hit = self._terms.get(tuple(folded_words[i : i + size]))
                if hit:
                    matches += [
                        TermMatch(entity, value, i, i + size - 1)
                        for entity, value in hit.items()
                    ]
                    i += size
                    break
            else:
                i += 1
        return matches

    def to_json(self) -> str:
        """Serialise the index."""
        rows = [
            [" ".join(key), entity, value]
            for key, entities in self._terms.items()
            for entity, value in entities.items()
        ]
        return json.dumps(rows, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "TermIndex":
        """Load an index written by `to_json`."""
        return cls(
            (entity, surface, value) for surface, entity, value in json.loads(text)
        )
