import pytest

from bot.language.scripts import strip_lao_tones
from bot.language.segment import words


def texts(message: str) -> list[str]:
    return [word.text for word in words(message)]


def test_latin_words_keep_apostrophes_and_drop_punctuation() -> None:
    assert texts("he said he'll post my pics!! 😭") == [
        "he",
        "said",
        "he'll",
        "post",
        "my",
        "pics",
    ]


def test_thai_is_segmented_into_words() -> None:
    found = texts("มีคนขู่จะปล่อยรูปของผม")
    assert len(found) >= 5
    assert "".join(found) == "มีคนขู่จะปล่อยรูปของผม"


def test_lao_is_segmented_into_words_not_thai() -> None:
    found = words("ມີຄົນຂູ່ຂ້ອຍ")
    assert len(found) >= 3
    assert {w.script for w in found} == {"lao"}


def test_mixed_scripts_keep_offsets() -> None:
    message = "โดนขู่ใน IG ครับ"
    for word in words(message):
        assert message[word.start : word.end] == word.text
    assert "IG" in texts(message)


def test_emoji_only_has_no_words() -> None:
    assert words("👍🙏") == ()


@pytest.mark.parametrize(
    ("marked", "unmarked"),
    [
        ("ຂ້ອຍຢ້ານຫຼາຍ", "ຂອຍຢານຫຼາຍ"),  # I'm very scared
        ("ລາວບໍ່ໃຫ້ຂ້ອຍກັບບ້ານ", "ລາວບໍໃຫຂອຍກັບບານ"),  # he won't let me go home
    ],
)
def test_lao_typed_without_tone_marks_falls_into_the_same_words(
    marked: str, unmarked: str
) -> None:
    with_marks = words(marked)
    without = words(unmarked)
    assert [strip_lao_tones(w.text) for w in with_marks] == [w.text for w in without]
    assert len(with_marks) > 1
    # Each word keeps its marks as typed, and its offsets point at it.
    assert all(marked[w.start : w.end] == w.text for w in with_marks)
    assert "".join(w.text for w in with_marks) == marked
