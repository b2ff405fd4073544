import pytest

from bot.content.nlu_data import examples_by_language
from bot.language.detect import (
    Detection,
    DetectorSettings,
    NgramModel,
    detect,
    find_markers,
    without_addresses,
)
from bot.settings import ROOT

TOY = NgramModel.fit(
    [
        ("someone is threatening to post my pics", "en"),
        ("how do i report this account", "en"),
        ("may nagbabanta sa akin na ikakalat ang pics ko", "tl"),
        ("pano po mag report ng account", "tl"),
        ("saya diugut nak sebar gambar saya", "ms"),
        ("macam mana nak report akaun ni", "ms"),
        ("tôi bị dọa tung ảnh", "vi"),
        ("làm sao để báo cáo tài khoản này", "vi"),
    ]
)


@pytest.fixture(scope="module")
def model() -> NgramModel:
    """The detector trained on our real training data, as Rasa trains it."""
    by_language = examples_by_language(ROOT / "data" / "nlu")
    return NgramModel.fit(
        (e.text, e.language)
        for examples in by_language.values()
        for e in examples
        if e.language in ("en", "tl", "ms", "vi")
    )


@pytest.mark.parametrize("text", ["👍", "123", "😭😭", "", "!!!"])
def test_no_letters_means_no_language(text: str) -> None:
    assert detect(text, TOY) == Detection(None, 0.0, False)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ขอบคุณครับ", "th"),
        ("มีคนขู่จะปล่อยรูปผมใน IG ครับ", "th"),
        ("ຂອບໃຈຫຼາຍໆເດີ", "lo"),
        ("ມີຄົນຂູ່ວ່າຈະໂພສຮູບຂ້ອຍໃນ FB", "lo"),
    ],
)
def test_thai_and_lao_are_told_apart_by_script(text: str, code: str) -> None:
    result = detect(text, TOY)
    assert result.code == code
    assert result.decided


@pytest.mark.parametrize("text", ["ok", "hi", "lol", "ty", "k", "ok thanks"])
def test_shared_chat_words_are_undecided(text: str) -> None:
    assert not detect(text, TOY).decided


def test_one_word_is_undecided_but_still_guessed() -> None:
    result = detect("salamat", TOY)
    assert result.code is not None
    assert not result.decided


def test_vietnamese_letters_settle_vietnamese() -> None:
    assert detect("tôi sợ quá", TOY).code == "vi"


def test_detection_is_deterministic() -> None:
    results = {detect("gimana caranya lapor akun ini", TOY) for _ in range(20)}
    assert len(results) == 1


def test_model_round_trips_through_json() -> None:
    again = NgramModel.from_json(TOY.to_json())
    assert again.probabilities("pano po") == TOY.probabilities("pano po")


def test_confidence_threshold_controls_decided() -> None:
    strict = DetectorSettings(min_confidence=1.01)
    assert not detect("someone is threatening to post my pics", TOY, strict).decided


HARD_CASES = [
    ("may nagbabanta sa akin na ikakalat daw pics ko", "tl"),
    ("pano po ba mag report sa fb", "tl"),
    ("toi bi doa tung anh", "vi"),
    ("lam sao de xoa anh cua minh", "vi"),
    ("sy xde duit nk bayar dia", "ms"),
    ("camne nak report akaun ni", "ms"),
    ("someone says they will post my pics unless i pay", "en"),
    ("gimana caranya lapor akun yang ngancam aku", "ms"),
]
TRAINED = set(examples_by_language(ROOT / "data" / "nlu"))


@pytest.mark.parametrize(("text", "code"), [c for c in HARD_CASES if c[1] in TRAINED])
def test_hard_cases_with_our_training_data(
    model: NgramModel, text: str, code: str
) -> None:
    result = detect(text, model)
    assert result.code == code
    assert result.decided


MARKER_TOY = [
    ("pano po mag report ng account", "tl"),
    ("ayoko na talaga ng ganito", "tl"),
    ("ang init ng panahon ngayon", "tl"),
    ("nak report akaun ni macam mana", "ms"),
    ("sy nak balik rumah je", "ms"),
    ("tak nak pergi sekolah esok je", "ms"),
    ("how do i report an account", "en"),
    ("the report button is not working", "en"),
    ("can you help me with my account", "en"),
]


def test_markers_are_words_only_one_language_types() -> None:
    markers = find_markers(MARKER_TOY, min_count=2)
    assert markers["ng"] == "tl"
    assert markers["nak"] == "ms"
    assert markers["je"] == "ms"
    # "report" and "account" are typed in every language: no marker.
    assert "report" not in markers
    assert "account" not in markers


def test_background_text_rules_a_marker_out() -> None:
    background = [("ng is also an english abbreviation here", "en")] * 3
    assert "ng" not in find_markers(MARKER_TOY, background, min_count=2)


def test_markers_round_trip_through_json() -> None:
    model = NgramModel.fit(MARKER_TOY)
    assert NgramModel.from_json(model.to_json()).markers == model.markers


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("na beach", "tl"),
        ("nk screenshot", "ms"),
        ("honestly i rasa nak end everything je", "ms"),
        ("ayoko na, i just want it all to end na", "tl"),
    ],
)
def test_a_marker_word_outweighs_borrowed_english(
    model: NgramModel, text: str, code: str
) -> None:
    assert detect(text, model).code == code


@pytest.mark.parametrize(
    "text", ["traffic jam on the way home", "my mama made dinner", "this week"]
)
def test_english_words_are_no_markers(model: NgramModel, text: str) -> None:
    assert detect(text, model).code == "en"


def test_markers_can_be_switched_off(model: NgramModel) -> None:
    off = DetectorSettings(marker_weight=1.0)
    assert detect("nk screenshot", model, off).code == "en"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("look https://cdn.example.org/leak/pic.jpg", "look"),
        ("mail me at teen.girl@gmail.com ok", "mail me at ok"),
        ("his ig is @bad_guy_22", "his ig is"),
        ("go to takeitdown.ncmec.org now", "go to now"),
        ("pano po mag report", "pano po mag report"),
        ("i am 14. she is 15.", "i am 14. she is 15."),
    ],
)
def test_links_addresses_and_handles_are_in_no_language(text: str, kept: str) -> None:
    assert " ".join(without_addresses(text).split()) == kept


def test_a_message_of_addresses_only_is_undecided_english() -> None:
    detection = detect("https://cdn.example.org/leak/pic.jpg")
    assert (detection.code, detection.decided) == ("en", False)
