"""Every response exists in every language, with the same placeholders and buttons."""

from typing import Any

import pytest

from bot.content.helplines import load_directory
from bot.content.translations import load_service_texts, load_translations, problems
from bot.languages import CODES, DEFAULT
from bot.settings import ROOT

TRANSLATIONS = ROOT / "data" / "translations"
# A language the assistant understands (it has training data) must also be
# answered in: every such language needs its translations. Until a language's
# translations are written it is listed here, and answered in English meanwhile;
# the list is checked below so it cannot outlive the missing file.
AWAITING_TRANSLATION: set[str] = set()
OTHER_LANGUAGES = [
    code
    for code in CODES
    if code != DEFAULT
    and code not in AWAITING_TRANSLATION
    and (ROOT / "data" / "nlu" / f"{code}.yml").exists()
]


def test_languages_awaiting_translation_really_lack_their_file() -> None:
    for code in AWAITING_TRANSLATION:
        assert not (TRANSLATIONS / f"{code}.yml").exists(), (
            f"data/translations/{code}.yml exists: remove {code} from AWAITING_TRANSLATION"
        )


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_every_response_is_translated_consistently(
    code: str, domain: dict[str, Any]
) -> None:
    tables = load_translations(TRANSLATIONS)
    assert code in tables, f"data/translations/{code}.yml is missing"
    assert problems(domain["responses"], tables[code], code) == []


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_every_service_text_is_translated(code: str) -> None:
    texts = load_service_texts(TRANSLATIONS).get(code, {})
    book = load_directory(ROOT / "data" / "helplines.yml")
    missing = [
        s.id for _, s in book.all_services() if "help" not in texts.get(s.id, {})
    ]
    assert not missing, f"{code}: no help text for {missing}"


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_review_status_is_recorded(code: str) -> None:
    import yaml

    data = yaml.safe_load((TRANSLATIONS / f"{code}.yml").read_text(encoding="utf-8"))
    review = data.get("review") or {}
    assert review.get("status")
    assert set(review.get("reviewed") or []) <= set(data["translations"])
