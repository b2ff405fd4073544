import pytest

from bot.language.scripts import (
    fold,
    has_vietnamese_letters,
    lemma,
    script_counts,
    script_of,
    strip_lao_tones,
)


@pytest.mark.parametrize(
    ("char", "script"),
    [
        ("a", "latin"),
        ("ư", "latin"),
        ("ก", "thai"),
        ("ກ", "lao"),
        ("1", "none"),
        ("😀", "none"),
        ("ж", "other"),
    ],
)
def test_script_of_each_script(char: str, script: str) -> None:
    assert script_of(char) == script


def test_script_counts_ignores_digits_and_emoji() -> None:
    assert script_counts("IG ของผม 123 😭") == {"latin": 2, "thai": 5}


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Tôi bị dọa", "toi bi doa"),
        ("Đà Nẵng", "da nang"),
        ("Thái Lan", "thai lan"),
        ("ประเทศไทย", "ประเทศไทย"),
        ("ຂ້ອຍ", "ຂ້ອຍ"),
        ("CAFÉ", "cafe"),
    ],
)
def test_fold_strips_latin_diacritics_only(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tôi bị dọa", True),
        ("đừng", True),
        ("toi bi doa", False),
        ("café olé", False),
        ("salamat po", False),
    ],
)
def test_vietnamese_letters(text: str, expected: bool) -> None:
    assert has_vietnamese_letters(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ບໍ່", "ບໍ"),  # mai ek
        ("ຂ້ອຍ", "ຂອຍ"),  # mai tho
        ("ຊ່ວຍແດ່", "ຊວຍແດ"),
        ("ປະເທດໄທ", "ປະເທດໄທ"),  # no tone mark: unchanged
        ("ไม่", "ไม่"),  # Thai keeps its marks
    ],
)
def test_strip_lao_tones_removes_lao_tone_marks_only(text: str, expected: str) -> None:
    assert strip_lao_tones(text) == expected


def test_lemma_makes_marked_and_unmarked_typing_one_word() -> None:
    assert lemma("ຂ້ອຍຢ້ານ") == lemma("ຂອຍຢານ") == "ຂອຍຢານ"
    assert lemma("Tôi") == lemma("toi") == "toi"
    assert lemma("ไม่") != lemma("ไม")
