"""The evidence advice keeps the order that lets a person still use Take It Down.

Take It Down makes its fingerprint from the picture on the person's own device
(resources.md T5), so an answer that says "delete it" (or "don't keep it")
before pointing to Take It Down takes that option away. The check is
structured per language: the word stems that mean "delete" and "forward" in
each language, and the service's name, which every language keeps in English.
"""

import re
from typing import Any

import pytest

from bot.content.translations import load_translations
from bot.languages import CODES, DEFAULT
from bot.settings import ROOT

TAKE_IT_DOWN = "Take It Down"
# Word stems meaning "delete / erase" (a picture, a chat), per language.
DELETE = {
    "en": r"\b(?:delet|eras|get rid)",
    "tl": r"(?:burahin|bura|i-delete|idelete|tanggalin)",
    "ms": r"\b(?:padam|buang)",
    "vi": r"(?:xóa|xoá|xoa\b)",
    "th": r"ลบ",
    "lo": r"ລຶບ",
}
# "Don't keep it" is the old advice that loses the picture too.
DISCARD = {
    "en": r"\bdon'?t keep\b",
    "tl": r"huwag (?:itago|panatilihin)",
    "ms": r"jangan simpan",
    "vi": r"đừng giữ",
    "th": r"อย่าเก็บ",
    "lo": r"ຢ່າເກັບ",
}
FORWARD = {
    "en": r"\bforward",
    "tl": r"ipasa",
    "ms": r"\bforward|kongsi",
    "vi": r"chuyển tiếp",
    "th": r"ส่งต่อ",
    "lo": r"ສົ່ງຕໍ່",
}


def evidence_texts(domain: dict[str, Any]) -> dict[str, list[str]]:
    """Every variation of utter_evidence, per language."""
    texts = {DEFAULT: [str(v["text"]) for v in domain["responses"]["utter_evidence"]]}
    for code, table in load_translations(ROOT / "data" / "translations").items():
        texts[code] = [str(v["text"]) for v in table.get("utter_evidence", [])]
    return texts


def first(pattern: str, text: str) -> int:
    """Position of the first match (len(text) when none)."""
    found = re.search(pattern, text, re.IGNORECASE)
    return found.start() if found else len(text)


def test_every_language_has_the_word_lists() -> None:
    assert set(DELETE) == set(DISCARD) == set(FORWARD) == set(CODES)


@pytest.mark.parametrize("code", CODES)
def test_evidence_answer_says_take_it_down_before_deleting(
    domain: dict[str, Any], code: str
) -> None:
    variations = evidence_texts(domain)[code]
    assert variations, f"utter_evidence has no {code} text"
    for text in variations:
        where = text.find(TAKE_IT_DOWN)
        assert where >= 0, f"{code}: the evidence answer must name {TAKE_IT_DOWN}"
        before = text[:where]
        assert first(DELETE[code], before) == len(before), (
            f"{code}: 'delete' comes before {TAKE_IT_DOWN}: {before!r}"
        )
        assert first(DISCARD[code], text) == len(text), (
            f"{code}: says not to keep the picture, which Take It Down needs"
        )
        assert first(DELETE[code], text[where:]) < len(text) - where, (
            f"{code}: should say the picture can be deleted after {TAKE_IT_DOWN}"
        )
        assert first(FORWARD[code], text) < len(text), (
            f"{code}: should say never to forward the picture"
        )


@pytest.mark.parametrize(
    ("code", "wrong"),
    [
        ("en", "Don't keep or forward the nude pic. Take It Down can help."),
        ("en", "Delete the pic now. Later, try Take It Down."),
        ("tl", "Burahin ang pic. Pagkatapos, Take It Down."),
        ("vi", "Hãy xóa ảnh. Sau đó dùng Take It Down."),
        ("th", "ลบรูปก่อน แล้วใช้ Take It Down"),
        ("lo", "ລຶບຮູບກ່ອນ ແລ້ວໃຊ້ Take It Down"),
        ("ms", "Jangan simpan gambar itu. Guna Take It Down."),
    ],
)
def test_the_check_catches_the_wrong_order(code: str, wrong: str) -> None:
    where = wrong.find(TAKE_IT_DOWN)
    assert first(DELETE[code], wrong[:where]) < where or first(
        DISCARD[code], wrong
    ) < len(wrong)
