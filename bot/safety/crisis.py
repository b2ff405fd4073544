"""Crisis phrase matching that cannot collide across languages or diacritics.

The phrases come from `bot.safety.phrases` (data/safety/<lang>.yml, expanded).
How a phrase matches a message (docs/crisis-phrases.md):

- **Language.** A language's phrases apply only to the languages the caller
  names for the message (its detected language, and English for every
  Latin-script message); Thai and Lao phrases only ever meet their own script.
- **Latin script.** The phrase's words appear whole, in order, next to each
  other (`*` stands for up to three words). A word typed *with* diacritics
  must carry the phrase's diacritics (tone-mark placement aside: "hoà" = "hòa"),
  so "tư vấn" never matches "tự vẫn". A word typed *without* diacritics matches
  the phrase's word with its diacritics removed only if the phrase is
  *foldable*: its plain form is no everyday expression (see `Everyday`).
- **Thai and Lao.** Matched in the message with spaces removed, but not inside
  a longer dictionary word (pythainlp, laonlp) unless that word is the phrase
  plus other dictionary words ("การ" + "ฆ่าตัวตาย"), so Lao "ຂ້າ" (kill) does not
  match inside "ຂ້າງ" (side). A Lao message typed without any tone mark matches
  foldable phrases with their tone marks removed.
- **Ordinary expressions** of a language ("mệt muốn chết", dead tired) cancel a
  phrase found inside them.

Pure: must not import Rasa.
"""

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from bot.language.scripts import LAO_TONES, fold, script_counts, strip_lao_tones
from bot.language.segment import words
from bot.safety.phrases import Phrase, PhraseBook, load_phrase_book

RISK_ORDER = {"none": 0, "elevated": 1, "high": 2}
GAP = 3
# Vietnamese tone marks (their position in a syllable varies: "hoà" / "hòa").
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
# Longest dictionary word considered when checking that a Thai or Lao phrase
# is not inside a longer word.
_MAX_WORD = 24
# Letters by which Thai and Lao phrases are indexed.
_PREFIX = 2


@dataclass(frozen=True)
class CrisisMatch:
    """The strongest crisis phrase found in a message.

    Attributes:
        intent: crisis_self_harm or immediate_danger.
        risk: "high" or "elevated".
        phrase: The expanded phrase that matched (for logs and review only).
        template: The line of the phrase file it came from.
        language: The phrase file's language.
    """

    intent: str
    risk: str
    phrase: str
    template: str
    language: str


def word_key(word: str) -> str:
    """A Latin word's exact form: lower case, NFC, tone marks in a fixed order.

    Vietnamese puts a syllable's tone mark on different vowels by convention
    ("hoà"/"hòa"); both give the same key. Other diacritics stay where they are.
    """
    lowered = word.lower().replace("’", "'")
    letters: list[str] = []
    tones: list[str] = []
    for char in unicodedata.normalize("NFD", lowered):
        (tones if char in _TONES else letters).append(char)
    return unicodedata.normalize("NFC", "".join(letters)) + "".join(sorted(tones))


@dataclass(frozen=True)
class _Word:
    key: str  # exact form ("*" for a gap)
    plain: str  # diacritics removed

    @property
    def marked(self) -> bool:
        return self.key != self.plain


GAP_WORD = _Word("*", "*")


@lru_cache(maxsize=65536)
def _chunk_words(chunk: str) -> tuple[_Word, ...]:
    return tuple(
        _Word(word_key(w.text), fold(w.text))
        for w in words(chunk)
        if w.script == "word"
    )


def _latin_words(text: str) -> tuple[_Word, ...]:
    found: list[_Word] = []
    for chunk in text.split():
        found += _chunk_words(chunk)
    return tuple(found)


def _latin_offsets(text: str) -> list[tuple[int, int]]:
    """Character offsets of the words of `_latin_words(text)`, in its order."""
    found: list[tuple[int, int]] = []
    for chunk in re.finditer(r"\S+", text):
        found += [
            (chunk.start() + w.start, chunk.start() + w.end)
            for w in words(chunk.group())
            if w.script == "word"
        ]
    return found


def _unspaced(text: str) -> str:
    return "".join(text.lower().split())


_SOUTHEAST = re.compile("[\u0e00-\u0eff]")


def _is_southeast(text: str) -> bool:
    return _SOUTHEAST.search(text) is not None


@dataclass(frozen=True)
class _Pattern:
    """A compiled phrase or ordinary expression."""

    latin: tuple[_Word, ...]  # empty for Thai/Lao
    unspaced: str  # Thai/Lao: without spaces ("" for Latin)
    unspaced_plain: str  # Thai/Lao: Lao tone marks removed


def _compile(text: str) -> _Pattern:
    if _is_southeast(text):
        joined = _unspaced(text)
        return _Pattern((), joined, strip_lao_tones(joined))
    tokens: list[_Word] = []
    for chunk in text.split():
        tokens += [GAP_WORD] if chunk == "*" else _chunk_words(chunk)
    return _Pattern(tuple(tokens), "", "")


class MessageView:
    """One message, prepared once for every phrase."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.latin = _latin_words(text)
        self.unspaced = _unspaced(text)
        self.southeast = _is_southeast(text)
        self.toneless = script_counts(text)["lao"] > 0 and not any(
            c in LAO_TONES for c in text
        )


def _word_matches(message: _Word, phrase: _Word, foldable: Optional[bool]) -> bool:
    """Foldable None: compare plain forms only (to find collisions)."""
    if foldable is None:
        return message.plain == phrase.plain
    if message.marked:
        return message.key == phrase.key
    if message.plain != phrase.plain:
        return False
    return foldable or not phrase.marked


def ends_at(
    pattern: Sequence[_Word],
    message: Sequence[_Word],
    start: int,
    foldable: Optional[bool],
) -> list[int]:
    """Where a pattern that starts at message word `start` ends (gaps allowed).

    `foldable` True/False: the matcher's rule (see the module docstring);
    None: plain forms only, ignoring every diacritic.
    """

    def ends(p: int, m: int) -> list[int]:
        if p == len(pattern):
            return [m]
        if pattern[p].key == "*":
            found = []
            for skip in range(GAP + 1):
                if m + skip <= len(message):
                    found += ends(p + 1, m + skip)
            return found
        if m < len(message) and _word_matches(message[m], pattern[p], foldable):
            return ends(p + 1, m + 1)
        return []

    return [end for end in ends(0, start) if end > start]


class Dictionary:
    """Thai and Lao dictionary words, to keep phrases out of longer words."""

    def __init__(self, known: Collection[str]) -> None:
        self._known = known

    @classmethod
    @lru_cache(maxsize=1)
    def shipped(cls) -> "Dictionary":
        """Pythainlp's Thai and laonlp's Lao word lists (no downloads)."""
        from laonlp.corpus import lao_words
        from pythainlp.corpus import thai_words

        return cls(frozenset(thai_words()) | frozenset(lao_words()))

    def inside_longer_word(self, text: str, start: int, end: int) -> bool:
        """Whether text[start:end] lies inside a longer dictionary word.

        A longer word made of the phrase and other dictionary words around it
        does not count ("การ" + "ฆ่าตัวตาย" is fine).
        """
        for i in range(max(0, start - _MAX_WORD), start + 1):
            for j in range(end, min(len(text), i + _MAX_WORD) + 1):
                if (i, j) == (start, end) or text[i:j] not in self._known:
                    continue
                before, after = text[i:start], text[end:j]
                if (not before or before in self._known) and (
                    not after or after in self._known
                ):
                    continue
                return True
        return False


class _Entry:
    """A compiled phrase and whether it may match without diacritics."""

    __slots__ = ("foldable", "pattern", "phrase")

    def __init__(self, pattern: _Pattern, phrase: Phrase, foldable: bool) -> None:
        self.pattern = pattern
        self.phrase = phrase
        self.foldable = foldable

    @property
    def marked(self) -> bool:
        """Whether it has anything that a plain spelling would drop."""
        if self.pattern.unspaced:
            return self.pattern.unspaced != self.pattern.unspaced_plain
        return any(w.marked for w in self.pattern.latin)


# Trie nodes are plain dicts (a phrase set has hundreds of thousands of them):
# word or letter -> child node, plus these two keys.
_GAP = "\x00gap"  # Latin: the node after a `*`
_END = "\x00end"  # the entries that end here
Node = dict  # dict[str, Any]


def _insert_words(root: Node, entry: _Entry) -> None:
    node = root
    for word in entry.pattern.latin:
        node = node.setdefault(_GAP if word.key == "*" else word.plain, {})
    node.setdefault(_END, []).append(entry)


def _word_hits(root: Node, message: Sequence[_Word]) -> list[tuple[_Entry, int]]:
    """(entry, start) for patterns whose plain words occur from `start`."""
    found: dict[tuple[int, int], tuple[_Entry, int]] = {}
    length = len(message)
    for start in range(length):
        stack: list[tuple[Node, int]] = [(root, start)]
        while stack:
            node, position = stack.pop()
            if position > start:
                for entry in node.get(_END, ()):
                    found[(id(entry), start)] = (entry, start)
            gap = node.get(_GAP)
            if gap is not None:
                for skip in range(GAP + 1):
                    if position + skip <= length:
                        stack.append((gap, position + skip))
            if position < length:
                child = node.get(message[position].plain)
                if child is not None:
                    stack.append((child, position + 1))
    return list(found.values())


def _insert_letters(root: Node, key: str, entry: _Entry) -> None:
    node = root
    for char in key:
        node = node.setdefault(char, {})
    node.setdefault(_END, []).append(entry)


def _letter_hits(root: Node, text: str) -> list[tuple[_Entry, int, int]]:
    """(entry, start, end) for every occurrence of a pattern in the text."""
    found = []
    for start in range(len(text)):
        node: Optional[Node] = root
        position = start
        while node is not None:
            for entry in node.get(_END, ()):
                found.append((entry, start, position))
            if position >= len(text):
                break
            node = node.get(text[position])
            position += 1
    return found


class _Patterns:
    """A set of patterns searchable in a message."""

    def __init__(self, entries: Iterable[_Entry]) -> None:
        self.latin: Node = {}
        self.exact: Node = {}
        self.plain: Node = {}
        for entry in entries:
            if entry.pattern.unspaced:
                _insert_letters(self.exact, entry.pattern.unspaced, entry)
                _insert_letters(self.plain, entry.pattern.unspaced_plain, entry)
            elif entry.pattern.latin:
                _insert_words(self.latin, entry)

    def spans(
        self,
        message: MessageView,
        languages: Optional[Collection[str]],
        dictionary: Optional[Dictionary],
    ) -> list[tuple[_Entry, tuple[int, int]]]:
        """Every pattern that matches, with its span (words or letters)."""
        found = []
        for entry, start in _word_hits(self.latin, message.latin):
            if languages is not None and entry.phrase.language not in languages:
                continue
            ends = ends_at(entry.pattern.latin, message.latin, start, entry.foldable)
            if ends:
                found.append((entry, (start, min(ends))))
        if message.southeast:
            text = message.unspaced
            hits = _letter_hits(self.exact, text)
            if message.toneless:
                hits += [h for h in _letter_hits(self.plain, text) if h[0].foldable]
            for entry, start, end in hits:
                if dictionary is None or not dictionary.inside_longer_word(
                    text, start, end
                ):
                    found.append((entry, (start, end)))
        return found


def _collides(entry: _Entry, words_: Sequence[_Word], start: int) -> bool:
    plain = ends_at(entry.pattern.latin, words_, start, None)
    return bool(plain) and not ends_at(entry.pattern.latin, words_, start, False)


class CrisisMatcher:
    """Every language's crisis phrases, each applied to its own language."""

    def __init__(
        self,
        book: PhraseBook,
        everyday: Optional[Iterable[str]] = None,
        dictionary: Optional[Dictionary] = None,
    ) -> None:
        """Compile the phrases.

        Args:
            book: The expanded phrases, ordinary expressions, uncertain words.
            everyday: Non-crisis texts. A phrase whose plain form (diacritics or
                Lao tone marks removed) occurs in one of them without the
                phrase itself being there is not *foldable*: it matches only
                with its diacritics. Without everyday texts no phrase is
                foldable (the safe default).
            dictionary: Thai/Lao words; without it phrases match anywhere.
        """
        self.book = book
        self._dictionary = dictionary
        entries = []
        for phrase in sorted(book.phrases, key=lambda p: -RISK_ORDER[p.risk]):
            pattern = _compile(phrase.text)
            if pattern.latin or pattern.unspaced:
                entries.append(_Entry(pattern, phrase, everyday is not None))
        self._entries = entries
        self._by_phrase = {entry.phrase: entry for entry in entries}
        self._patterns = _Patterns(entries)
        if everyday is not None:
            self._mark_collisions(everyday)
        self._ordinary = {
            language: _Patterns(
                _Entry(
                    _compile(text), Phrase("", "elevated", text, text, language), True
                )
                for text in texts
            )
            for language, texts in book.ordinary.items()
        }

    def _mark_collisions(self, everyday: Iterable[str]) -> None:
        for text in everyday:
            if _is_southeast(text):
                exact = _unspaced(text)
                for entry, _, _ in _letter_hits(
                    self._patterns.plain, strip_lao_tones(exact)
                ):
                    if entry.marked and entry.pattern.unspaced not in exact:
                        entry.foldable = False
                continue
            message = _latin_words(text)
            for entry, start in _word_hits(self._patterns.latin, message):
                if entry.foldable and entry.marked and _collides(entry, message, start):
                    entry.foldable = False

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def phrases(self) -> tuple[Phrase, ...]:
        """The expanded phrases, strongest first."""
        return tuple(entry.phrase for entry in self._entries)

    def foldable(self, phrase: Phrase) -> bool:
        """Whether the phrase also matches messages typed without diacritics."""
        entry = self._by_phrase.get(phrase)
        return entry is not None and entry.foldable

    def plain_hits(self, text: str) -> list[Phrase]:
        """Phrases whose plain form occurs in a text.

        Whatever its language and diacritics: for review with
        `python -m bot.safety.collisions`.
        """
        message = MessageView(text)
        found = {
            entry.phrase: None
            for entry, start in _word_hits(self._patterns.latin, message.latin)
            if ends_at(entry.pattern.latin, message.latin, start, None)
        }
        if message.southeast:
            plain = strip_lao_tones(message.unspaced)
            for entry, _, _ in _letter_hits(self._patterns.plain, plain):
                found[entry.phrase] = None
        return list(found)

    def without_ordinary(self, text: str, languages: Collection[str]) -> Optional[str]:
        """The message with its everyday expressions taken out, if it has any.

        "panas sampai rasa nak mati, aircond rosak" (dying of the heat) gives
        "aircond rosak": the crisis classifier then judges what is left, so an
        idiom that sounds like a crisis word by word does not make a crisis,
        while a crisis said beside it still does.

        Args:
            text: The message.
            languages: Whose everyday expressions apply (as for `match`).

        Returns:
            The rest of the message (maybe empty), or None when it holds no
            everyday expression of these languages.
        """
        message = MessageView(text)
        latin: list[tuple[int, int]] = []
        letters: list[tuple[int, int]] = []
        for language in languages:
            patterns = self._ordinary.get(language)
            if not patterns:
                continue
            for entry, span in patterns.spans(message, None, None):
                (letters if entry.pattern.unspaced else latin).append(span)
        if not latin and not letters:
            return None
        drop = [False] * len(text)
        offsets = _latin_offsets(text)
        for start, end in latin:
            for first, last in offsets[start:end]:
                drop[first:last] = [True] * (last - first)
        lowered = text.lower()
        if len(lowered) == len(text):  # letter spans index the unspaced text
            kept = [i for i, char in enumerate(lowered) if not char.isspace()]
            for start, end in letters:
                for i in kept[start:end]:
                    drop[i] = True
        rest = "".join(
            " " if gone else char for char, gone in zip(text, drop, strict=True)
        )
        return " ".join(rest.split())

    def match(
        self, text: str, languages: Optional[Collection[str]] = None
    ) -> Optional[CrisisMatch]:
        """The strongest phrase in a message (high before elevated), if any.

        Args:
            text: The message.
            languages: Whose phrases apply to this message's Latin-script words
                (None: every language, for review tools). Thai and Lao phrases
                apply wherever their script occurs.
        """
        message = MessageView(text)
        hits = self._patterns.spans(message, languages, self._dictionary)
        hits.sort(key=lambda hit: -RISK_ORDER[hit[0].phrase.risk])
        ordinary: dict[str, list[tuple[int, int]]] = {}
        for entry, (start, end) in hits:
            phrase = entry.phrase
            if phrase.language not in ordinary:
                patterns = self._ordinary.get(phrase.language)
                ordinary[phrase.language] = (
                    [span for _, span in patterns.spans(message, None, None)]
                    if patterns
                    else []
                )
            if any(start >= a and end <= b for a, b in ordinary[phrase.language]):
                continue
            return CrisisMatch(
                phrase.intent,
                phrase.risk,
                phrase.text,
                phrase.template,
                phrase.language,
            )
        return None


@lru_cache(maxsize=4)
def load_matcher(directory: Path) -> CrisisMatcher:
    """The shipped phrases of a folder, without diacritic folding (cached).

    For tools and tests that have no everyday text at hand; the Rasa component
    builds its matcher with the everyday text it learnt from.
    """
    return CrisisMatcher(load_phrase_book(directory), None, Dictionary.shipped())
