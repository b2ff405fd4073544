import pytest

from bot.safety.crisis import Assessment, CrisisMatcher, assess, load_matcher
from bot.settings import ROOT

TOY = CrisisMatcher.from_tables(
    {
        "en": {
            "crisis": {
                "crisis_self_harm": {
                    "high": ["want * die", "kill myself"],
                    "elevated": ["can't do this anymore"],
                },
                "immediate_danger": {"high": ["outside my house"]},
            }
        },
        "vi": {"crisis": {"crisis_self_harm": {"high": ["muốn chết"]}}},
        "th": {"crisis": {"crisis_self_harm": {"high": ["อยากตาย"]}}},
    }
)


@pytest.mark.parametrize(
    ("text", "intent", "risk"),
    [
        ("i want to die", "crisis_self_harm", "high"),
        ("i want to just fucking die", "crisis_self_harm", "high"),
        ("I CAN’T DO THIS ANYMORE", "crisis_self_harm", "elevated"),
        ("toi muon chet", "crisis_self_harm", "high"),
        ("tôi muốn chết", "crisis_self_harm", "high"),
        ("ผมอยากตายครับ", "crisis_self_harm", "high"),
        ("hes outside my house", "immediate_danger", "high"),
    ],
)
def test_phrases_match_across_case_diacritics_and_scripts(
    text: str, intent: str, risk: str
) -> None:
    match = TOY.match(text)
    assert match is not None
    assert (match.intent, match.risk) == (intent, risk)


@pytest.mark.parametrize(
    "text", ["i want to diet", "what is sextortion", "killjoy myself", "die"]
)
def test_other_messages_do_not_match(text: str) -> None:
    assert TOY.match(text) is None


def test_high_beats_elevated_in_one_message() -> None:
    match = TOY.match("i can't do this anymore i want to die")
    assert match is not None and match.risk == "high"


def test_phrase_overrides_classifier() -> None:
    match = TOY.match("i want to die")
    assert assess(match, "report_sextortion", 0.9) == Assessment(
        "crisis_self_harm", "high", "phrase"
    )


def test_classifier_crisis_without_phrase_keeps_intent() -> None:
    assert assess(None, "immediate_danger", 0.9) == Assessment(
        "immediate_danger", "high", "classifier"
    )
    assert assess(None, "immediate_danger", 0.3).risk == "elevated"
    assert assess(None, "greet", 0.99) == Assessment("greet", "none", "none")


def test_malformed_file_is_rejected() -> None:
    with pytest.raises(ValueError):
        CrisisMatcher.from_tables(
            {"en": {"crisis": {"crisis_self_harm": {"urgent": ["x"]}}}}
        )
    with pytest.raises(ValueError):
        CrisisMatcher.from_tables({"en": {"nothing": 1}})


def test_shipped_phrase_files_load_and_catch_english_euphemisms() -> None:
    matcher = load_matcher(ROOT / "data" / "safety")
    for text in [
        "everyone would be better off without me",
        "i just want to disappear",
        "he knows where i live and is coming now",
    ]:
        assert matcher.match(text) is not None, text
