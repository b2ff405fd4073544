"""The conversation around a crisis: only a clear "I'm safe" ends crisis mode."""

import pytest

from bot.safety.triage import (
    ACTIVE,
    CONCERN,
    RESOLVED,
    Decision,
    Step,
    is_clear_safe,
    is_unsure,
    next_step,
    topic_of,
)

UNCERTAIN = frozenset(
    {"not", "no", "dont", "idk", "maybe", "hindi", "tak", "không", "ko", "ไม่", "ບໍ່"}
)


@pytest.mark.parametrize(
    ("state", "risk", "expected"),
    [
        (None, "high", Decision(Step.SCRIPT, ACTIVE)),
        (None, "elevated", Decision(Step.ASK_CONCERN, CONCERN)),
        (None, "none", Decision(Step.SCRIPT, ACTIVE)),  # a button payload
        (CONCERN, "elevated", Decision(Step.SCRIPT, ACTIVE)),
        (ACTIVE, "elevated", Decision(Step.SCRIPT, ACTIVE)),
        (RESOLVED, "elevated", Decision(Step.ASK_CONCERN, CONCERN)),
        (RESOLVED, "high", Decision(Step.SCRIPT, ACTIVE)),
    ],
)
def test_a_crisis_message(state: str, risk: str, expected: Decision) -> None:
    assert next_step(state, "crisis_self_harm", risk, "…", UNCERTAIN) == expected


@pytest.mark.parametrize(
    ("intent", "text", "step", "reason"),
    [
        ("deny", "no", Step.CHECK_IN, "not_safe"),
        ("deny", "not really", Step.CHECK_IN, "not_safe"),
        ("deny", "hindi", Step.CHECK_IN, "not_safe"),
        ("deny", "không", Step.CHECK_IN, "not_safe"),
        ("nlu_fallback", "idk", Step.CHECK_IN, "unclear"),
        ("out_of_scope", "whatever", Step.CHECK_IN, "unclear"),
        ("thank", "thanks", Step.CHECK_IN, "unclear"),
        ("goodbye", "bye", Step.CHECK_IN, "unclear"),
        ("confirm_safe", "im not safe", Step.CHECK_IN, "unclear"),
        ("confirm_safe", "maybe safe?", Step.CHECK_IN, "unclear"),
        ("confirm_safe", "ผมไม่ปลอดภัย", Step.CHECK_IN, "unclear"),
        ("confirm_safe", "ຂ້ອຍບໍ່ປອດໄພ", Step.CHECK_IN, "unclear"),
        ("inform_country", "Malaysia", Step.CHECK_IN, "country"),
        ("affirm", "yes", Step.CLARIFY, ""),
        # silence: an empty message or an emoji taken for "affirm"
        ("affirm", "", Step.CHECK_IN, "unclear"),
        ("affirm", "👍", Step.CHECK_IN, "unclear"),
    ],
)
def test_in_crisis_mode_anything_but_a_clear_safe_keeps_it(
    intent: str, text: str, step: Step, reason: str
) -> None:
    decision = next_step(ACTIVE, intent, "none", text, UNCERTAIN)
    assert decision == Decision(step, ACTIVE, reason)


@pytest.mark.parametrize(
    "text", ["/confirm_safe", "im safe now", "em an toàn rồi", "ผมปลอดภัยแล้ว"]
)
def test_a_clear_safe_ends_crisis_mode(text: str) -> None:
    assert next_step(ACTIVE, "confirm_safe", "none", text, UNCERTAIN) == Decision(
        Step.SAFE, RESOLVED
    )


@pytest.mark.parametrize(
    ("intent", "text", "expected"),
    [
        ("affirm", "yes", Decision(Step.SCRIPT, ACTIVE)),
        ("deny", "no", Decision(Step.CONCERN_CLEARED, RESOLVED)),
        ("confirm_safe", "im ok", Decision(Step.CONCERN_CLEARED, RESOLVED)),
        ("confirm_safe", "idk", Decision(Step.SCRIPT, ACTIVE)),
        ("nlu_fallback", "hmm", Decision(Step.SCRIPT, ACTIVE)),
    ],
)
def test_answers_to_the_caring_question(
    intent: str, text: str, expected: Decision
) -> None:
    assert next_step(CONCERN, intent, "none", text, UNCERTAIN) == expected


UNSURE = ("idk", "not sure", "ewan ko", "không biết", "ไม่รู้", "ບໍ່ຮູ້")


@pytest.mark.parametrize(
    ("text", "cleared"),
    [
        ("no", True),
        ("nope not really", True),
        ("hindi", True),
        ("không", True),
        ("ไม่", True),
        ("ບໍ່", True),
        ("no idk", False),
        ("im not sure", False),
        ("ewan ko", False),
        ("em khong biet", False),  # typed without diacritics
        ("ไม่รู้ค่ะ", False),
        ("ບໍຮູ", False),  # typed without tone marks
    ],
)
def test_only_a_clear_no_clears_the_caring_question(text: str, cleared: bool) -> None:
    decision = next_step(CONCERN, "deny", "none", text, UNCERTAIN, (), UNSURE)
    expected = (
        Decision(Step.CONCERN_CLEARED, RESOLVED)
        if cleared
        else Decision(Step.SCRIPT, ACTIVE)
    )
    assert decision == expected
    assert is_unsure(text, UNSURE) is not cleared


def test_clear_safe_rejects_negation_doubt_and_questions() -> None:
    assert is_clear_safe("I'm safe", UNCERTAIN)
    assert not is_clear_safe("I don't know", UNCERTAIN | {"know"})
    assert not is_clear_safe("I'm not safe", UNCERTAIN)
    assert not is_clear_safe("I wasn't safe", UNCERTAIN)
    assert not is_clear_safe("safe?", UNCERTAIN)
    assert not is_clear_safe("em ko an toàn", UNCERTAIN)
    assert not is_clear_safe("em khong an toan", UNCERTAIN)


def test_the_topic_to_return_to() -> None:
    ranking = [("crisis_self_harm", 0.5), ("grooming_concern", 0.3)]
    assert topic_of(ranking) == "grooming_concern"
    assert topic_of([("crisis_self_harm", 0.9), ("grooming_concern", 0.05)]) is None
    assert topic_of([("greet", 0.9)]) is None


@pytest.mark.parametrize(
    ("text", "reassuring", "clear"),
    [
        ("im safe dont worry", ["dont worry"], True),
        ("im safe dont worry", [], False),
        ("ປອດໄພແລ້ວ ບໍ່ເປັນຫຍັງ", ["ບໍ່ເປັນຫຍັງ"], True),
        ("ປອດໄພແລ້ວ ບໍ່ເປັນຫຍັງ", [], False),
        ("ผมปลอดภัยแล้ว ไม่เป็นไร", ["ไม่เป็นไร"], True),
        ("ผมไม่ปลอดภัย ไม่เป็นไร", ["ไม่เป็นไร"], False),
    ],
)
def test_reassuring_negations_are_set_aside(
    text: str, reassuring: list[str], clear: bool
) -> None:
    uncertain = UNCERTAIN | {"dont"}
    assert is_clear_safe(text, uncertain, reassuring) is clear
