import pytest

from bot.content.nlu_data import examples_by_language
from bot.language.detect import Detection, DetectorSettings, NgramModel, detect
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
