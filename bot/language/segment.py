"""Word segmentation for all six languages at once.

Thai and Lao are written without spaces between words: runs of those scripts are
segmented by pythainlp and laonlp (dictionary-based, no downloads). Everything
else is split into words at whitespace and punctuation, keeping in-word
apostrophes and hyphens ("can't", "e-wallet"). Pure: must not import Rasa.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

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
    from laonlp.tokenize import word_tokenize

    return lambda text: [w for w in word_tokenize(text) if w.strip()]


def _split_run(run: str, start: int, script: str) -> list[Word]:
    segmenter = _thai_segmenter() if script == "thai" else _lao_segmenter()
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
