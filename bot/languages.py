"""The six languages the assistant speaks: the one list everything imports.

Pure: must not import Rasa.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """One supported language.

    Attributes:
        code: ISO 639-1 code used in the parse output, the slot and file names.
        name: English name.
        native: Name in the language itself (shown on the language menu).
        script: Main writing system ("latin", "thai" or "lao").
    """

    code: str
    name: str
    native: str
    script: str


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English", "latin"),
    Language("tl", "Filipino", "Filipino", "latin"),
    Language("ms", "Malay", "Bahasa Melayu", "latin"),
    Language("vi", "Vietnamese", "Tiếng Việt", "latin"),
    Language("th", "Thai", "ไทย", "thai"),
    Language("lo", "Lao", "ລາວ", "lao"),
)

CODES: tuple[str, ...] = tuple(language.code for language in LANGUAGES)
DEFAULT = "en"
LATIN_CODES: tuple[str, ...] = tuple(
    language.code for language in LANGUAGES if language.script == "latin"
)
