"""The "please send it again" notice given when a turn's store call failed.

Rasa's fail-safe store would let such a turn end with a normal reply while the
message was never saved (see `bot.store_health`). Every channel then appends
the response `utter_store_unavailable` to the replies it delivers. The notice
speaks the language of the replies the turn produced (they follow the
conversation's language), or, without replies, the language of the person's
message. Pure: no Rasa, no Sanic.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.translations import load_translations
from bot.language.detect import detect
from bot.languages import CODES, DEFAULT

NOTICE = "utter_store_unavailable"
# Seconds a client is asked to wait before sending the message again.
RETRY_AFTER_SECONDS = 5


@dataclass(frozen=True)
class StoreNotice:
    """The notice's text in every language that has it.

    Attributes:
        texts: {language code: text}; English always present.
    """

    texts: Mapping[str, str]

    @classmethod
    def load(
        cls, domain: Path, translations: Path, name: str = NOTICE
    ) -> "StoreNotice":
        """Read the response from domain.yml and data/translations/<lang>.yml.

        Args:
            domain: The domain file (English responses).
            translations: The folder of translation files.
            name: The response (also `utter_rate_limited`, the rate limits'
                notice, which is chosen the same way).

        Raises:
            ValueError: When the English response is missing.
        """
        with open(domain, encoding="utf-8") as handle:
            data: Any = yaml.safe_load(handle) or {}
        english = _first_text((data.get("responses") or {}).get(name))
        if not english:
            raise ValueError(f"{domain}: response {name} is missing")
        texts = {DEFAULT: english}
        for code, table in load_translations(translations).items():
            text = _first_text(table.get(name))
            if text:
                texts[code] = text
        return cls(texts)

    def text_for(self, replies: Iterable[str], message: str) -> str:
        """The notice in the conversation's language.

        Args:
            replies: Texts of the replies this turn produced (may be empty).
            message: The person's message.

        Returns:
            The notice text.
        """
        return self.texts.get(notice_language(replies, message), self.texts[DEFAULT])


def notice_language(replies: Iterable[str], message: str) -> str:
    """The language to tell the person in.

    Args:
        replies: Texts of the replies this turn produced.
        message: The person's message.

    Returns:
        The language of the replies when they have letters, else the language
        detected in the message, else English.
    """
    for text in ("\n".join(replies), message):
        code = detect(text).code
        if code in CODES:
            return code
    return DEFAULT


def _first_text(variations: object) -> str:
    if isinstance(variations, list) and variations:
        first = variations[0]
        if isinstance(first, Mapping):
            return str(first.get("text") or "")
    return ""
