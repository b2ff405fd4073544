"""Unicode knowledge: which script a letter belongs to, and diacritic folding.

Thai and Lao are told apart by their Unicode blocks (langdetect has no Lao);
Vietnamese is often typed without diacritics, so text is also compared in a
folded form ("Tôi bị dọa" -> "toi bi doa"). Pure: must not import Rasa.
"""

import unicodedata
from collections import Counter
from functools import lru_cache

THAI = range(0x0E00, 0x0E80)
LAO = range(0x0E80, 0x0F00)

# Lao tone marks (often left out when typing).
LAO_TONES = frozenset("\u0ec8\u0ec9\u0eca\u0ecb")
# Letters only Vietnamese uses among our Latin-script languages.
VIETNAMESE_LETTERS = frozenset("ăâđêôơưĂÂĐÊÔƠƯ")


def script_of(char: str) -> str:
    """Return the script of one character.

    Args:
        char: A single character.

    Returns:
        "thai", "lao", "latin" for letters of those scripts, "other" for other
        letters, "none" for anything that is not a letter.
    """
    point = ord(char)
    if point in THAI:
        # Thai digits and the baht sign are not letters of the language.
        return (
            "thai" if char.isalpha() or unicodedata.category(char) == "Mn" else "none"
        )
    if point in LAO:
        return "lao" if char.isalpha() or unicodedata.category(char) == "Mn" else "none"
    if not char.isalpha():
        return "none"
    if point < 0x0250 or 0x1E00 <= point < 0x1F00:
        return "latin"
    return "other"


def script_counts(text: str) -> Counter[str]:
    """Count the letters of each script in a text (see `script_of`)."""
    counts: Counter[str] = Counter(script_of(char) for char in text)
    counts.pop("none", None)
    return counts


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower-case a text and strip Latin diacritics; Thai and Lao are unchanged.

    Args:
        text: Any text.

    Returns:
        The folded text, e.g. "Tôi bị dọa" -> "toi bi doa", "Đà Nẵng" -> "da nang".
    """
    lowered = text.lower().replace("đ", "d").replace("’", "'")
    out: list[str] = []
    for char in unicodedata.normalize("NFD", lowered):
        if unicodedata.category(char) == "Mn" and script_of_base(out) == "latin":
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def strip_lao_tones(text: str) -> str:
    """Remove Lao tone marks, as people often type ("ບໍ່" -> "ບໍ").

    Args:
        text: Any text.

    Returns:
        The text without U+0EC8 to U+0ECB; other characters unchanged.
    """
    return "".join(char for char in text if char not in LAO_TONES)


def lemma(text: str) -> str:
    """The form a word is learnt and recognised by: folded, Lao without tones.

    Args:
        text: One word.

    Returns:
        `fold(text)` without Lao tone marks: "Tôi" -> "toi", "ບໍ່" -> "ບໍ".
    """
    return strip_lao_tones(fold(text))


def script_of_base(previous: list[str]) -> str:
    """Return the script of the base letter a combining mark would attach to."""
    return script_of(previous[-1]) if previous else "none"


def has_vietnamese_letters(text: str) -> bool:
    """Tell whether a text contains letters or tone marks only Vietnamese uses."""
    if any(char in VIETNAMESE_LETTERS for char in text):
        return True
    # Tone marks stacked on vowels (ạ, ả, ế, ộ, ữ ...) decompose into two marks or
    # into a dot below / hook above, which the other Latin languages never use.
    return any(char in "\u0323\u0309" for char in unicodedata.normalize("NFD", text))
