"""The crisis verdict: phrases, classifier evidence and demoted crisis intents."""

from bot.safety.crisis import CrisisMatch
from bot.safety.risk import Assessment, Thresholds, assess

HIGH = CrisisMatch("crisis_self_harm", "high", "want * die", "want * die", "en")
ELEVATED = CrisisMatch("crisis_self_harm", "elevated", "cant go on", "x", "en")
T = Thresholds(high=0.9, elevated=0.5, fallback=0.15)


def test_a_high_phrase_wins_over_any_classifier() -> None:
    verdict = assess(HIGH, [("report_sextortion", 0.9)], {}, T)
    assert verdict == Assessment("crisis_self_harm", 1.0, "high", "phrase")


def test_an_elevated_phrase_is_high_when_the_classifier_is_sure() -> None:
    assert assess(ELEVATED, [("greet", 0.5)], {"crisis_self_harm": 0.3}, T).risk == (
        "elevated"
    )
    sure = {"crisis_self_harm": 0.95}
    assert assess(ELEVATED, [("greet", 0.5)], sure, T).risk == "high"


def test_classifier_evidence_gives_high_or_elevated() -> None:
    ranking = [("immediate_danger", 0.6), ("grooming_concern", 0.2)]
    high = assess(None, ranking, {"immediate_danger": 0.93}, T)
    assert (high.intent, high.risk, high.source) == (
        "immediate_danger",
        "high",
        "classifier",
    )
    # The intent classifier gives the crisis intents some weight: elevated.
    ranking = [("grooming_concern", 0.5), ("immediate_danger", 0.3)]
    elevated = assess(None, ranking, {"immediate_danger": 0.6}, T)
    assert (elevated.intent, elevated.risk) == ("immediate_danger", "elevated")


def test_the_intent_classifier_must_agree_on_short_messages() -> None:
    # "a man of 30 wants to meet me": grooming, whatever the crisis model says.
    ranking = [("grooming_concern", 0.9), ("immediate_danger", 0.05)]
    short = assess(None, ranking, {"immediate_danger": 0.7}, T, words=8)
    assert (short.intent, short.risk) == ("grooming_concern", "none")
    # In a long story the crisis is often one sentence: no agreement needed.
    long = assess(None, ranking, {"immediate_danger": 0.7}, T, words=40)
    assert long.risk == "elevated"
    # Sure on its own: elevated, not high.
    sure = assess(None, ranking, {"immediate_danger": 0.95}, T, words=8)
    assert sure.risk == "elevated"


def test_a_long_story_without_agreement_needs_the_long_threshold() -> None:
    ranking = [("ask_helpline", 0.8), ("crisis_self_harm", 0.02)]
    strict = Thresholds(high=0.9, elevated=0.5, long_elevated=0.6)
    leaning = assess(None, ranking, {"crisis_self_harm": 0.55}, strict, words=60)
    assert (leaning.intent, leaning.risk) == ("ask_helpline", "none")
    clear = assess(None, ranking, {"crisis_self_harm": 0.65}, strict, words=60)
    assert (clear.intent, clear.risk) == ("crisis_self_harm", "elevated")
    # With the intent classifier agreeing, the usual threshold applies.
    agreeing = [("ask_helpline", 0.6), ("crisis_self_harm", 0.3)]
    shared = assess(None, agreeing, {"crisis_self_harm": 0.55}, strict, words=60)
    assert shared.risk == "elevated"


def test_a_long_message_sure_to_be_a_topic_needs_agreement() -> None:
    # A long sextortion report that leans towards danger word by word.
    sure = [("report_sextortion", 0.999), ("immediate_danger", 0.001)]
    verdict = assess(None, sure, {"immediate_danger": 0.8}, T, words=25)
    assert (verdict.intent, verdict.risk) == ("report_sextortion", "none")
    # Out of scope is no topic: a long story there still counts.
    story = [("out_of_scope", 0.99), ("crisis_self_harm", 0.001)]
    assert assess(None, story, {"crisis_self_harm": 0.8}, T, words=25).risk == (
        "elevated"
    )
    # Nor does the rule touch a sure crisis classifier.
    high = assess(None, sure, {"immediate_danger": 0.95}, T, words=25)
    assert high.risk == "elevated"


def test_a_crisis_intent_without_evidence_gives_way_to_the_next_intent() -> None:
    ranking = [("crisis_self_harm", 0.5), ("out_of_scope", 0.3), ("greet", 0.1)]
    verdict = assess(None, ranking, {"crisis_self_harm": 0.1}, T)
    assert verdict == Assessment("out_of_scope", 0.3, "none", "none")


def test_a_demoted_crisis_intent_falls_back_when_the_next_is_unsure() -> None:
    ranking = [("immediate_danger", 0.4), ("crisis_self_harm", 0.2), ("greet", 0.1)]
    verdict = assess(None, ranking, {"immediate_danger": 0.2}, T)
    assert verdict == Assessment("nlu_fallback", 0.15, "none", "none")


def test_ordinary_intents_stay_as_they_are() -> None:
    verdict = assess(None, [("greet", 0.99)], {"crisis_self_harm": 0.01}, T)
    assert verdict == Assessment("greet", 0.99, "none", "none")


def test_a_one_word_reply_is_never_a_classifier_only_crisis() -> None:
    verdict = assess(None, [("deny", 0.98)], {"immediate_danger": 0.7}, T, words=1)
    assert verdict == Assessment("deny", 0.98, "none", "none")
    two = assess(
        None,
        [("deny", 0.7), ("immediate_danger", 0.3)],
        {"immediate_danger": 0.7},
        T,
        2,
    )
    assert two.risk == "elevated"


def test_an_everyday_expression_needs_a_sure_classifier() -> None:
    ranking = [("out_of_scope", 0.5), ("crisis_self_harm", 0.3)]
    dying_of_heat = assess(
        None, ranking, {"crisis_self_harm": 0.7}, T, words=7, ordinary=True
    )
    assert dying_of_heat.risk == "none"
    sure = assess(None, ranking, {"crisis_self_harm": 0.95}, T, words=7, ordinary=True)
    assert sure.risk != "none"
