"""Word segmentation for all six languages at once.

Thai and Lao are written without spaces between words: runs of those scripts are
segmented by pythainlp and laonlp (dictionary-based, no downloads). Lao is
segmented without its tone marks, with laonlp's dictionary likewise stripped,
so that a message typed with or without them falls into the same words (each
word keeps the marks as typed). Everything
else is split into words at whitespace and punctuation, keeping in-word
apostrophes and hyphens ("can't", "e-wallet"). Pure: must not import Rasa.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from bot.language.scripts import LAO_TONES, strip_lao_tones

# A run of Thai letters, a run of Lao letters, or a Latin/other word.
_RUNS = re.compile(
    r"(?P<thai>[\u0E01-\u0E3A\u0E40-\u0E4E]+)"
    r"|(?P<lao>[\u0E81-\u0EDF]+)"
    r"|(?P<word>[^\W_\u0E00-\u0EFF]+(?:['’\-][^\W_\u0E00-\u0EFF]+)*)"
)


@dataclass(frozen=True)
class Word:
    """A word of a text with its character offsets.

    Attributes:
        text: The word as written.
        start: Offset of its first character.
        end: Offset after its last character.
        script: "thai", "lao" or "word" (any other script).
    """

    text: str
    start: int
    end: int
    script: str


@lru_cache(maxsize=1)
def _thai_segmenter() -> Callable[[str], list[str]]:
    from pythainlp.tokenize import word_tokenize

    return lambda text: word_tokenize(text, engine="newmm", keep_whitespace=False)


@lru_cache(maxsize=1)
def _lao_segmenter() -> Callable[[str], list[str]]:
    """Segments Lao text without tone marks, by laonlp's toneless dictionary."""
    from laonlp.corpus import lao_words
    from laonlp.tokenize.multi_cut import segment
    from pythainlp.util import Trie

    toneless = Trie({strip_lao_tones(word) for word in lao_words()})
    return lambda text: [
        w for w in segment(text, custom_dict=toneless, safe_mode=True) if w.strip()
    ]


def _split_lao(run: str, start: int) -> list[Word]:
    """Lao words of a run, segmented without tone marks, as typed."""
    kept = [i for i, char in enumerate(run) if char not in LAO_TONES]
    if not kept:
        return []
    plain = "".join(run[i] for i in kept)
    words, at = [], 0
    for piece in _lao_segmenter()(plain):
        position = plain.find(piece, at)
        if position < 0:  # segmenters never rewrite text; stay safe anyway
            continue
        at = position + len(piece)
        first = kept[position]
        # Up to the next kept letter: tone marks after the last letter belong
        # to this word.
        last = kept[at] if at < len(kept) else len(run)
        words.append(Word(run[first:last], start + first, start + last, "lao"))
    return words


def _split_run(run: str, start: int, script: str) -> list[Word]:
    if script == "lao":
        return _split_lao(run, start)
    segmenter = _thai_segmenter()
    words, offset = [], start
    for piece in segmenter(run):
        position = run.find(piece, offset - start)
        if position < 0:  # segmenters never rewrite text; stay safe anyway
            continue
        words.append(
            Word(piece, start + position, start + position + len(piece), script)
        )
        offset = start + position + len(piece)
    return words


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[Word, ...]:
    """Split a text into words in any of the six languages.

    Args:
        text: A chat message.

    Returns:
        The words in order with offsets; punctuation, emoji and spaces are dropped.
    """
    found: list[Word] = []
    for match in _RUNS.finditer(text):
        script = match.lastgroup or "word"
        if script == "word":
            found.append(Word(match.group(), match.start(), match.end(), script))
        else:
            found.extend(_split_run(match.group(), match.start(), script))
    return tuple(found)
