"""The conversation around a crisis: what the assistant does next, and why.

Three states live in the `crisis` slot (unset until a first crisis):

- `concern`: an *elevated* message got the caring question "are you thinking
  about hurting yourself, or are you in danger right now?". Yes (or an unclear
  answer: "idk", "not sure", silence) leads to the crisis script; a clear no
  leads back to the topic.
- `active` (crisis mode): the crisis script was given and ended with "Are you
  safe right now?". Only a clear "I'm safe" ends crisis mode, with "I'm glad";
  no, not sure, or anything else gets the urgent numbers again, the offer of a
  person and the question again.
- `resolved`: the person said they are safe, or "no" to the caring question.
  The conversation goes on as before any crisis.

Pure: must not import Rasa.
"""

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from typing import Optional

from bot.language.scripts import fold, strip_lao_tones
from bot.language.segment import words

CRISIS_INTENTS = frozenset({"crisis_self_harm", "immediate_danger"})
CONCERN = "concern"
ACTIVE = "active"
RESOLVED = "resolved"


class Step(str, Enum):
    """What the assistant does next."""

    SCRIPT = "script"  # care, the numbers, the offer of a person, the question
    ASK_CONCERN = "ask_concern"  # the caring question (elevated risk)
    CHECK_IN = "check_in"  # not safe / unclear: numbers again, question again
    CLARIFY = "clarify"  # a bare "yes" to "are you safe?": ask once more
    SAFE = "safe"  # a clear "I'm safe": crisis mode ends
    CONCERN_CLEARED = "concern_cleared"  # "no" to the caring question


@dataclass(frozen=True)
class Decision:
    """The next step and the state after it.

    Attributes:
        step: What to do.
        state: The `crisis` slot afterwards.
        reason: For check-ins: "not_safe" (a no) or "unclear"; else "".
    """

    step: Step
    state: Optional[str]
    reason: str = ""


def is_clear_safe(
    text: str, uncertain: Collection[str], reassuring: Collection[str] = ()
) -> bool:
    """Whether an "I'm safe" reply is free of negation, doubt and questions.

    Args:
        text: The message ("/confirm_safe" for the button).
        uncertain: Words that make the reply unclear (not, idk, maybe...), in
            the languages that apply. Thai and Lao ones are found inside the
            unspaced message ("ไม่" in "ผมไม่ปลอดภัย").
        reassuring: Expressions set aside before that check because their
            negation reassures ("no worries", "ไม่เป็นไร", "không sao").
    """
    if "?" in text:
        return False
    text = text.lower()
    for expression in reassuring:
        if _has_southeast(expression):
            text = "".join(text.split()).replace("".join(expression.split()), " ")
        else:
            text = re.sub(rf"(?<!\w){re.escape(expression)}(?!\w)", " ", text)
    southeast = [w for w in uncertain if _has_southeast(w)]
    latin = {fold(w) for w in uncertain if not _has_southeast(w)}
    for word in words(text):
        lowered = word.text.lower()
        if fold(lowered) in latin or lowered.endswith(("n't", "n\u2019t")):
            return False
    unspaced = "".join(text.lower().split())
    return not any(w in unspaced for w in southeast)


def is_unsure(text: str, unsure: Collection[str]) -> bool:
    """Whether a reply says "I don't know" or "not sure" (not a clear no).

    Args:
        text: The message.
        unsure: Expressions of doubt in the languages that apply ("idk", "not
            sure", "ewan ko", "không biết", "ไม่รู้"). Thai and Lao ones are
            found inside the unspaced message; the others as whole words,
            diacritics folded.
    """
    folded = " ".join(w.text for w in words(fold(text.lower())))
    # Lao is often typed without tone marks: compared without them.
    unspaced = strip_lao_tones("".join(text.lower().split()))
    for expression in unsure:
        if _has_southeast(expression):
            if strip_lao_tones("".join(expression.split())) in unspaced:
                return True
        else:
            wanted = " ".join(w.text for w in words(fold(expression.lower())))
            if wanted and re.search(rf"(?<!\S){re.escape(wanted)}(?!\S)", folded):
                return True
    return False


def _has_southeast(text: str) -> bool:
    return any(0x0E00 <= ord(char) < 0x0F00 for char in text)


def next_step(
    state: Optional[str],
    intent: str,
    risk: str,
    text: str,
    uncertain: Collection[str],
    reassuring: Collection[str] = (),
    unsure: Collection[str] = (),
) -> Decision:
    """Decide the next step of the conversation around a crisis.

    Args:
        state: The `crisis` slot: None (never), "concern", "active" or
            "resolved".
        intent: The latest message's intent.
        risk: Its risk ("none", "elevated", "high"); a button payload has none
            and counts as high when it names a crisis intent.
        text: The latest message.
        uncertain: Words that make "I'm safe" unclear (see `is_clear_safe`).
        reassuring: Expressions whose negation reassures (same).
        unsure: Expressions of doubt: a "no" that holds one ("no idk") is not
            a clear no to the caring question (see `is_unsure`).

    Returns:
        The decision.
    """
    if intent in CRISIS_INTENTS:
        if risk == "elevated" and state in (None, RESOLVED):
            return Decision(Step.ASK_CONCERN, CONCERN)
        return Decision(Step.SCRIPT, ACTIVE)
    if state == CONCERN:
        if intent == "affirm":
            return Decision(Step.SCRIPT, ACTIVE)
        if (intent == "deny" and not is_unsure(text, unsure)) or (
            intent == "confirm_safe" and is_clear_safe(text, uncertain, reassuring)
        ):
            return Decision(Step.CONCERN_CLEARED, RESOLVED)
        return Decision(Step.SCRIPT, ACTIVE)
    if state == ACTIVE:
        if intent == "confirm_safe":
            if is_clear_safe(text, uncertain, reassuring):
                return Decision(Step.SAFE, RESOLVED)
            return Decision(Step.CHECK_IN, ACTIVE, "unclear")
        # A bare "yes" is asked once more; an empty message or an emoji, which
        # the classifier may also call "affirm", is silence: numbers again.
        if intent == "affirm" and any(c.isalpha() for c in text):
            return Decision(Step.CLARIFY, ACTIVE)
        if intent == "deny":
            return Decision(Step.CHECK_IN, ACTIVE, "not_safe")
        if intent == "inform_country":
            return Decision(Step.CHECK_IN, ACTIVE, "country")
        return Decision(Step.CHECK_IN, ACTIVE, "unclear")
    if intent == "confirm_safe":
        return Decision(Step.SAFE, RESOLVED)
    return Decision(Step.SCRIPT, ACTIVE)


# Intents that have an answer to go back to after "no" to the caring question.
TOPICS = frozenset(
    {
        "ask_what_is_sextortion",
        "report_sextortion",
        "ask_take_it_down",
        "ask_sharing_risks",
        "report_ai_fake",
        "grooming_concern",
        "ask_evidence",
        "ask_block_report_platform",
        "ask_report_abuse",
        "ask_helpline",
        "request_human",
        "ask_privacy",
        "parent_child_sextortion",
        "parent_talk_to_child",
    }
)
MIN_TOPIC_CONFIDENCE = 0.2


def topic_of(ranking: Collection[tuple[str, float]]) -> Optional[str]:
    """The topic an elevated message was about, to return to after "no".

    Args:
        ranking: The message's (intent, confidence) ranking, best first.

    Returns:
        The best-ranked topic intent that is reasonably likely, else None.
    """
    for intent, confidence in ranking:
        if intent in TOPICS:
            return intent if confidence >= MIN_TOPIC_CONFIDENCE else None
    return None
