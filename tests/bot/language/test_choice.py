import pytest

from bot.language.choice import LanguageChoice, choose_language


def detection(code: object, decided: bool = True) -> dict[str, object]:
    return {"code": code, "confidence": 0.9 if decided else 0.4, "decided": decided}


def test_first_message_sets_language_even_if_undecided() -> None:
    assert choose_language(None, False, detection("en", False), "hi") == LanguageChoice(
        "en", False
    )


@pytest.mark.parametrize(
    "message", [detection("en", False), detection(None, False), None]
)
def test_undecided_message_keeps_language(message: object) -> None:
    result = choose_language("vi", False, message, "ok")  # type: ignore[arg-type]
    assert result == LanguageChoice("vi", False)


def test_decided_message_switches_language() -> None:
    assert choose_language(
        "en", False, detection("tl"), "pano po ba"
    ) == LanguageChoice("tl", False)


def test_requested_language_is_used_and_sticks() -> None:
    chosen = choose_language(
        "en", False, detection("en"), "can we talk in tagalog", "tl"
    )
    assert chosen == LanguageChoice("tl", True)
    short = choose_language("tl", True, detection("en"), "ok thank you")
    assert short == LanguageChoice("tl", True)


def test_chosen_language_gives_way_to_a_long_message() -> None:
    text = "actually can you answer me in english please, i do not understand"
    assert choose_language("tl", True, detection("en"), text) == LanguageChoice(
        "en", False
    )


def test_unknown_requested_language_is_ignored() -> None:
    assert choose_language(
        "ms", False, detection("ms", False), "x", "fr"
    ) == LanguageChoice("ms", False)


def test_no_language_at_all_defaults_to_english() -> None:
    assert choose_language(None, False, None, "👍") == LanguageChoice("en", False)


@pytest.mark.parametrize(
    ("text", "code", "confidence", "expected"),
    [
        # Two words, not sure enough: the conversation keeps Malay.
        ("terima kasih", "tl", 0.8, "ms"),
        ("ok na po", "tl", 0.85, "ms"),
        # Strong evidence switches, and so does a longer message.
        ("salamat po", "tl", 0.95, "tl"),
        ("pano po mag report sa fb", "tl", 0.8, "tl"),
    ],
)
def test_a_short_message_switches_only_on_strong_evidence(
    text: str, code: str, confidence: float, expected: str
) -> None:
    detected = {"code": code, "confidence": confidence, "decided": True}
    assert choose_language("ms", False, detected, text).language == expected


@pytest.mark.parametrize("current", ["tl", "ms"])
def test_short_english_in_a_taglish_or_manglish_chat_is_a_borrowing(
    current: str,
) -> None:
    sure = {"code": "en", "confidence": 1.0, "decided": True}
    assert choose_language(current, False, sure, "this week").language == current
    assert choose_language(current, False, sure, "happy friday!").language == current
    # Four words or more in English do switch; so does English after Vietnamese.
    longer = "can you explain that again"
    assert choose_language(current, False, sure, longer).language == "en"
    assert choose_language("vi", False, sure, "happy friday").language == "en"
