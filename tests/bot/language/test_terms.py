from bot.language.terms import TermIndex, drop_everyday_words, term_key

INDEX = TermIndex(
    [
        ("country", "Thái Lan", "TH"),
        ("country", "ไทย", "TH"),
        ("language", "ไทย", "th"),
        ("country", "Pinas", "PH"),
        ("platform", "IG", "instagram"),
        ("platform", "insta", "instagram"),
        ("country", "ປະເທດລາວ", "LA"),
    ]
)


def found(text: str) -> list[tuple[str, str]]:
    return [(m.entity, m.value) for m in INDEX.find(list(term_key(text)))]


def test_terms_match_without_diacritics_and_case() -> None:
    assert found("tôi ở THAI LAN") == [("country", "TH")]


def test_thai_term_inside_unspaced_text_belongs_to_two_entities() -> None:
    assert sorted(found("ผมอยู่ไทยครับ")) == [("country", "TH"), ("language", "th")]


def test_words_must_match_whole() -> None:
    assert found("pinasabi niya") == []
    assert found("taga Pinas ako, sa ig sya") == [
        ("country", "PH"),
        ("platform", "instagram"),
    ]


def test_lao_term_matches() -> None:
    assert found("ຂ້ອຍຢູ່ປະເທດລາວ") == [("country", "LA")]


def test_index_round_trips_through_json() -> None:
    again = TermIndex.from_json(INDEX.to_json())
    assert len(again) == len(INDEX)
    assert [(m.entity, m.value) for m in again.find(list(term_key("insta")))] == [
        ("platform", "instagram")
    ]


def test_an_everyday_word_names_a_country_only_in_an_answer() -> None:
    index = TermIndex([("country", "ລາວ", "LA"), ("country", "ປະເທດລາວ", "LA")])
    for text, answering, expected in [
        ("ລາວຂູ່ຂ້ອຍ", False, []),  # "he threatens me"
        ("ຂ້ອຍຢູ່ລາວ", True, ["LA"]),  # "I am in Laos"
        ("ຂ້ອຍຢູ່ປະເທດລາວ ມີເບີໂທບໍ່", False, ["LA"]),
    ]:
        folded = list(term_key(text))
        kept = drop_everyday_words(index.find(folded), folded, {"ລາວ"}, answering)
        assert [m.value for m in kept] == expected, text
