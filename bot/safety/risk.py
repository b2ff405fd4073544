"""The crisis verdict on one message: which intent, and how urgent (`risk`).

Two levels of concern, as crisis counsellors work:

- **high**: an explicit statement ("I want to kill myself", "he is outside my
  house"): a `high` phrase, or the crisis classifier sure of it and the intent
  classifier agreeing. The assistant answers with the crisis script at once.
- **elevated**: an ambiguous message ("I can't take it anymore"): an
  `elevated` phrase, or a crisis probability from the elevated threshold when
  the intent classifier also gives the crisis intents some weight (or the
  message is long, where a crisis is often one sentence in a story), or the
  crisis classifier alone sure of it. The assistant first asks directly
  whether the person is thinking about hurting themselves or is in danger.
- **none**: everything else. A crisis intent that the intent classifier chose
  without that evidence (an off-topic message whose nearest intent happens to
  be a crisis one) is replaced by the next intent it ranked, or by
  `nlu_fallback` when that one is too unsure.

Pure: must not import Rasa.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from bot.languages import LATIN_CODES
from bot.safety.crisis import CrisisMatch

CRISIS_INTENTS = ("crisis_self_harm", "immediate_danger")
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Thresholds:
    """Crisis probabilities that make a classifier-only verdict.

    Attributes:
        high: From this probability a message is high risk without a phrase.
        elevated: From this probability it is elevated (a caring question).
        fallback: Intent confidence below which a demoted crisis intent
            becomes `nlu_fallback` (the pipeline's fallback threshold).
        min_words: Words a message needs for a classifier-only verdict: a
            one-word reply ("no", "ok") carries too little to judge, and the
            crisis words that stand alone ("suicide", "kms") are phrases.
        agreement: Share the intent classifier must give the crisis intents
            for a classifier-only elevated verdict below `high`: it knows our
            topics ("a man of 30 wants to meet me" is grooming, not danger).
        sure_agreement: The same share needed for a classifier-only high.
        long_message: From this many words a message needs no agreement: in a
            long story the intent classifier sees the story's topic.
        long_elevated: The crisis probability such a long message needs
            without agreement. Long first-person stories (money, a landlord,
            school) lean towards the crisis examples word by word; measured on
            ordinary Reddit posts (`benchmarks.crisis_posts`), 0.6 keeps their
            alarms near what 0.5 gave before the crisis examples of 2026-12-07.
        long_topic: Intent confidence from which the intent classifier is sure
            that a long message is one of our topics (any intent but the crisis
            ones, out_of_scope and the fallback): then the long-message rule
            does not apply ("he has my nudes and says he is sending them
            tonight if I don't pay" is sextortion, 0.999). Measured on
            `make evaluate` and `benchmarks.crisis_posts`: 0.95 lost one
            r/suicidewatch post that the intent classifier took for
            parent_talk_to_child at 0.986 (it is over-confident on long
            off-topic text), so only a near-certain topic counts.
    """

    high: float = 0.9
    elevated: float = 0.5
    fallback: float = 0.15
    min_words: int = 2
    agreement: float = 0.1
    sure_agreement: float = 0.5
    long_message: int = 20
    long_elevated: float = 0.6
    long_topic: float = 0.99


@dataclass(frozen=True)
class Assessment:
    """The verdict on one message.

    Attributes:
        intent: The intent to use.
        confidence: Its confidence.
        risk: "none", "elevated" or "high".
        source: "phrase", "classifier" or "none".
    """

    intent: str
    confidence: float
    risk: str
    source: str


def assess(
    match: Optional[CrisisMatch],
    ranking: Sequence[tuple[str, float]],
    crisis: Mapping[str, float],
    thresholds: Thresholds = Thresholds(),
    words: int = 2,
    ordinary: bool = False,
) -> Assessment:
    """Combine the phrase match, the intent ranking and the crisis classifier.

    Args:
        match: The crisis phrase found in the message, if any.
        ranking: The intent classifier's (intent, confidence), best first; the
            first entry is the intent chosen so far (maybe `nlu_fallback`).
        crisis: The crisis classifier's probability of each crisis intent.
        thresholds: See `Thresholds`.
        words: How many words the message has.
        ordinary: Whether it holds an everyday expression of its language.

    Returns:
        The assessment.
    """
    chosen, confidence = ranking[0] if ranking else (FALLBACK, 0.0)
    probability = sum(crisis.get(intent, 0.0) for intent in CRISIS_INTENTS)
    likely = max(CRISIS_INTENTS, key=lambda intent: crisis.get(intent, 0.0))
    agreement = sum(score for intent, score in ranking if intent in CRISIS_INTENTS)
    if match is not None:
        risk = match.risk
        if risk == "elevated" and probability >= thresholds.high:
            risk = "high"
        return Assessment(match.intent, 1.0, risk, "phrase")
    topic = max(
        (
            score
            for intent, score in ranking
            if intent not in CRISIS_INTENTS and intent not in (FALLBACK, OUT_OF_SCOPE)
        ),
        default=0.0,
    )
    risk = classifier_risk(
        probability, agreement, words, thresholds, ordinary, topic=topic
    )
    if risk != "none":
        intent = chosen if chosen in CRISIS_INTENTS else likely
        return Assessment(intent, probability, risk, "classifier")
    if chosen not in CRISIS_INTENTS:
        return Assessment(chosen, confidence, "none", "none")
    for intent, score in ranking[1:]:
        if intent in CRISIS_INTENTS or intent == FALLBACK:
            continue
        if score >= thresholds.fallback:
            return Assessment(intent, score, "none", "none")
        break
    return Assessment(FALLBACK, thresholds.fallback, "none", "none")


def classifier_risk(
    probability: float,
    agreement: float,
    words: int,
    thresholds: Thresholds,
    ordinary: bool = False,
    topic: float = 0.0,
) -> str:
    """The risk level from the classifiers alone (no phrase matched).

    Args:
        probability: The crisis classifier's probability of a crisis.
        agreement: The intent classifier's share for the crisis intents.
        words: Words in the message.
        thresholds: See `Thresholds`.
        ordinary: Whether the message holds an everyday expression of its
            language ("dying of the heat"): then only the `high` probability
            counts.
        topic: The intent classifier's confidence in its best intent that is
            one of our topics (see `Thresholds.long_topic`).
    """
    if words < thresholds.min_words:
        return "none"
    if ordinary and probability < thresholds.high:
        return "none"
    if probability >= thresholds.high and agreement >= thresholds.sure_agreement:
        return "high"
    if probability >= thresholds.high:
        return "elevated"
    if probability >= thresholds.elevated and agreement >= thresholds.agreement:
        return "elevated"
    if (
        probability >= thresholds.long_elevated
        and words >= thresholds.long_message
        and topic < thresholds.long_topic
    ):
        return "elevated"
    return "none"


def phrase_languages(
    detection: Optional[Mapping[str, Any]],
    probabilities: Optional[Mapping[str, float]],
    floor: float = 0.2,
) -> set[str]:
    """Whose phrases apply to a message's Latin-script words.

    English always (Taglish, Manglish); the detected language; any other
    Latin-script language the detector finds at least `floor` likely.
    """
    languages = {"en"}
    code = (detection or {}).get("code")
    if code:
        languages.add(code)
    for language, probability in (probabilities or {}).items():
        if language in LATIN_CODES and probability >= floor:
            languages.add(language)
    return languages
