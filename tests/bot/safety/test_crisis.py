"""The crisis phrase matcher: languages, diacritics, Thai/Lao words, ordinary talk."""

import pytest

from bot.safety.crisis import CrisisMatcher, Dictionary, word_key
from bot.safety.phrases import parse_tables

TABLES = {
    "en": {
        "families": {"I": ["i", "im", "i'm"]},
        "crisis": {
            "crisis_self_harm": {
                "high": ["want * die", "kill myself"],
                "elevated": ["can't do this anymore"],
            },
            "immediate_danger": {"high": ["outside my house"]},
        },
        "ordinary": ["dying to * see"],
    },
    "vi": {
        "families": {"I": ["tôi", "em", "mk"]},
        "crisis": {
            "crisis_self_harm": {
                "high": ["{I} muốn chết", "tự tử", "muốn tự tử", "tự vẫn"]
            }
        },
        "ordinary": ["mệt muốn chết"],
    },
    "ms": {"crisis": {"crisis_self_harm": {"high": ["bunuh diri"]}}},
    "th": {
        "crisis": {"crisis_self_harm": {"high": ["อยากตาย"]}},
        "ordinary": ["ร้อนจะตาย"],
    },
    "lo": {"crisis": {"crisis_self_harm": {"high": ["ຂ້າຕົວຕາຍ", "ຢາກຕາຍ"]}}},
}
EVERYDAY = [
    "cho em xin số tư vấn",  # counselling: plain "tu van" = "tự vẫn"
    "từ từ thôi",  # slowly: plain "tu tu" = "tự tử"
    "hôm nay trời đẹp",
]
MATCHER = CrisisMatcher(parse_tables(TABLES), EVERYDAY, Dictionary.shipped())


@pytest.mark.parametrize(
    ("text", "languages", "intent", "risk"),
    [
        ("i want to die", {"en"}, "crisis_self_harm", "high"),
        ("i want to just fucking die", {"en"}, "crisis_self_harm", "high"),
        ("I CAN’T DO THIS ANYMORE", {"en"}, "crisis_self_harm", "elevated"),
        ("em muốn chết", {"vi", "en"}, "crisis_self_harm", "high"),
        ("em muon chet", {"vi", "en"}, "crisis_self_harm", "high"),
        ("mk muốn tự tử", {"vi", "en"}, "crisis_self_harm", "high"),
        ("mk muon tu tu", {"vi", "en"}, "crisis_self_harm", "high"),
        ("ko muốn sống nữa, muốn tự tử", {"vi", "en"}, "crisis_self_harm", "high"),
        ("em sẽ tự tử", {"vi"}, "crisis_self_harm", "high"),
        ("ผมอยากตายครับ", {"th"}, "crisis_self_harm", "high"),
        ("ຂ້ອຍຢາກຕາຍ", {"lo"}, "crisis_self_harm", "high"),
        ("ຂອຍຢາກຕາຍ", {"lo"}, "crisis_self_harm", "high"),  # no tone marks
        ("hes outside my house", {"en", "tl"}, "immediate_danger", "high"),
        ("nasa outside my house siya", {"en", "tl"}, "immediate_danger", "high"),
    ],
)
def test_phrases_match_in_their_language_and_spellings(
    text: str, languages: set[str], intent: str, risk: str
) -> None:
    match = MATCHER.match(text, languages)
    assert match is not None, text
    assert (match.intent, match.risk) == (intent, risk)


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        # Counselling is not suicide, with or without diacritics.
        ("cho em xin số tư vấn", {"vi", "en"}),
        ("em muốn gặp tư vấn viên", {"vi", "en"}),
        ("cho em xin so tu van", {"vi", "en"}),
        # "từ từ" (slowly) typed plainly is not "tự tử".
        ("tu tu thoi ban oi", {"vi", "en"}),
        ("từ từ thôi", {"vi", "en"}),
        # Vietnamese phrases never apply to a Malay message.
        ("gambar tu, tu bukan saya", {"ms", "en"}),
        # An everyday exaggeration is not a crisis.
        ("hôm nay em mệt muốn chết", {"vi", "en"}),
        ("im dying to finally see that film", {"en"}),
        ("i want to diet", {"en"}),
        ("killjoy myself", {"en"}),
        ("die", {"en"}),
        # Lao "ຂ້າ" inside the formal pronoun.
        ("ຂ້າພະເຈົ້າຂໍຂອບໃຈ", {"lo"}),
    ],
)
def test_ordinary_messages_do_not_match(text: str, languages: set[str]) -> None:
    assert MATCHER.match(text, languages) is None


def test_a_language_s_phrases_need_that_language() -> None:
    assert MATCHER.match("dia mahu bunuh diri", {"en", "tl"}) is None
    assert MATCHER.match("dia mahu bunuh diri", {"en", "ms"}) is not None


def test_unfoldable_phrases_still_match_with_their_diacritics() -> None:
    assert MATCHER.match("tự tử", {"vi"}) is not None
    assert MATCHER.match("tu tu", {"vi"}) is None


def test_without_everyday_text_nothing_is_matched_plainly() -> None:
    strict = CrisisMatcher(parse_tables(TABLES), None, None)
    assert strict.match("em muốn chết", {"vi"}) is not None
    assert strict.match("em muon chet", {"vi"}) is None


def test_high_beats_elevated_in_one_message() -> None:
    match = MATCHER.match("i can't do this anymore i want to die", {"en"})
    assert match is not None and match.risk == "high"


def test_tone_mark_position_does_not_matter() -> None:
    assert word_key("hoà") == word_key("hòa")
    assert word_key("khoẻ") == word_key("khỏe")
    assert word_key("tư") != word_key("tự")


def test_folding_is_refused_where_plain_forms_collide_with_everyday_text() -> None:
    folded = {p.text: MATCHER.foldable(p) for p in MATCHER.phrases}
    assert folded["tự vẫn"] is False
    assert folded["tự tử"] is False
    assert folded["muốn tự tử"] is True
    assert folded["em muốn chết"] is True


def test_plain_hits_ignore_language_and_diacritics() -> None:
    texts = {p.text for p in MATCHER.plain_hits("gambar tu, tu bukan saya")}
    assert texts == {"tự tử"}


def test_everyday_expressions_are_found_in_their_language() -> None:
    assert MATCHER.without_ordinary("hôm nay em mệt muốn chết", {"vi"}) is not None
    assert MATCHER.without_ordinary("hôm nay em mệt muốn chết", {"en"}) is None
    assert MATCHER.without_ordinary("em muốn chết", {"vi"}) is None


def test_everyday_expressions_are_taken_out_for_the_classifier() -> None:
    rest = MATCHER.without_ordinary("Hôm nay em mệt muốn chết, mai thi rồi", {"vi"})
    assert rest == "Hôm nay em , mai thi rồi"
    # What is said beside the idiom stays for the classifier to judge.
    rest = MATCHER.without_ordinary("mệt muốn chết, không muốn sống nữa", {"vi"})
    assert rest == ", không muốn sống nữa"
    assert MATCHER.without_ordinary("mệt muốn chết", {"vi"}) == ""
    assert MATCHER.without_ordinary("ok วันนี้ ร้อนจะตาย lol", {"th"}) == "ok วันนี้ lol"


def test_without_everyday_expressions_the_message_is_left_alone() -> None:
    assert MATCHER.without_ordinary("em muốn chết", {"vi"}) is None
    assert MATCHER.without_ordinary("hôm nay em mệt muốn chết", {"en"}) is None
