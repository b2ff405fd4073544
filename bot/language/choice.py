"""Which language the conversation continues in, turn by turn.

The parse output judges each message alone; this decides what the conversation
remembers (the `language` slot). Rules:

- A language picked on the menu or asked for ("can we talk in Tagalog?") is used
  at once and sticks: only a long message clearly in another language (at least
  `LONG_MESSAGE_LETTERS` letters, decided) switches away from it.
- Otherwise a decided message switches the language; an undecided one ("ok",
  "hi", an emoji) keeps it. A short message (fewer than
  `SHORT_MESSAGE_WORDS` words) switches only on strong evidence
  (`STRONG_CONFIDENCE`): two words of Malay and Indonesian, or of Tagalog and
  English, are easily confused. A short English message never switches a
  Tagalog or Malay conversation to English: Taglish and Manglish borrow English
  words ("this week", "happy friday"), so it is a borrowing, not a switch
  (asking for English, or writing four words or more, still switches). The
  very first message sets it even if undecided, since a best guess beats no
  language.

Pure: must not import Rasa.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from bot.language.segment import words
from bot.languages import CODES, DEFAULT

LONG_MESSAGE_LETTERS = 20
SHORT_MESSAGE_WORDS = 4
STRONG_CONFIDENCE = 0.9
# Conversations whose language mixes English words in (Taglish, Manglish).
MIXED_WITH_ENGLISH = frozenset({"tl", "ms"})


@dataclass(frozen=True)
class LanguageChoice:
    """The conversation's language after a message.

    Attributes:
        language: One of our six codes.
        chosen: Whether the person explicitly picked it.
    """

    language: str
    chosen: bool


def choose_language(
    current: Optional[str],
    chosen: bool,
    detection: Optional[Mapping[str, Any]],
    text: str,
    requested: Optional[str] = None,
) -> LanguageChoice:
    """Decide the conversation's language after one message.

    Args:
        current: The language so far (None at the start).
        chosen: Whether `current` was picked explicitly.
        detection: The parse output's `language` ({"code", "confidence", "decided"}).
        text: The message, to judge whether it is long.
        requested: A language the message asks for (change_language), if any.

    Returns:
        The language to continue in and whether it was chosen explicitly.
    """
    if requested in CODES:
        return LanguageChoice(str(requested), True)
    current = current if current in CODES else None
    detection = detection or {}
    code = detection.get("code")
    if code not in CODES:
        return LanguageChoice(current or DEFAULT, chosen and current is not None)
    if current is None:
        return LanguageChoice(code, False)
    if code == current or not detection.get("decided"):
        return LanguageChoice(current, chosen)
    if len(words(text)) < SHORT_MESSAGE_WORDS and (
        float(detection.get("confidence") or 0.0) < STRONG_CONFIDENCE
        or (code == "en" and current in MIXED_WITH_ENGLISH)
    ):
        return LanguageChoice(current, chosen)
    if chosen:
        letters = sum(char.isalpha() for char in text)
        if letters < LONG_MESSAGE_LETTERS:
            return LanguageChoice(current, True)
    return LanguageChoice(code, False)
