"""Which answer a request for a person gets, from the console's reply (pure)."""

import ast
import re
from typing import Any

import pytest
import yaml

from bot.handoff.client import HandoffReply
from bot.handoff.offer import Answer, Say, answer, connecting, queued, risk_level
from bot.settings import ROOT


def reply(**fields: Any) -> HandoffReply:
    values: dict[str, Any] = {
        "status": "waiting",
        "id": 1,
        "staff_online": 1,
        "within_hours": True,
        "available": True,
        "expires_in_s": 3600,
        **fields,
    }
    return HandoffReply(**values)


def test_someone_can_take_it_connects_with_a_rough_wait() -> None:
    assert answer(reply(wait_estimate_s=None)) == Answer(
        Say("utter_handoff_connecting"), waiting=True
    )
    assert answer(reply(wait_estimate_s=700)).opening == Say(
        "utter_handoff_connecting_minutes", {"minutes": 15}
    )


@pytest.mark.parametrize(
    ("estimate", "expected"),
    [
        (None, Say("utter_handoff_connecting")),
        (30, Say("utter_handoff_connecting")),
        (300, Say("utter_handoff_connecting")),
        (301, Say("utter_handoff_connecting_minutes", {"minutes": 10})),
        (600, Say("utter_handoff_connecting_minutes", {"minutes": 10})),
        (1800, Say("utter_handoff_connecting_minutes", {"minutes": 30})),
        (1801, Say("utter_handoff_connecting_long")),
    ],
)
def test_wait_buckets(estimate: Any, expected: Say) -> None:
    assert connecting(estimate) == expected


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (0, Say("utter_handoff_still_waiting")),
        (20, Say("utter_handoff_queued", {"minutes": 1})),
        (3600, Say("utter_handoff_queued", {"minutes": 60})),
        (7200, Say("utter_handoff_queued", {"minutes": 120})),
        (3 * 3600, Say("utter_handoff_queued_hours", {"hours": 3})),
    ],
)
def test_how_long_the_request_stays_open(left: int, expected: Say) -> None:
    assert queued(left) == expected


def test_nobody_online_and_outside_hours_say_which_give_numbers_and_keep_it_queued() -> (
    None
):
    nobody = answer(reply(staff_online=0, available=False))
    assert nobody == Answer(
        Say("utter_handoff_nobody_online"),
        helplines=True,
        closing=Say("utter_handoff_queued", {"minutes": 60}),
        waiting=True,
    )
    closed = answer(reply(within_hours=False, available=False))
    assert closed.opening == Say("utter_handoff_outside_hours")
    assert closed.helplines and closed.waiting


def test_no_console_means_numbers_and_no_waiting() -> None:
    down = answer(None)
    assert down == Answer(Say("utter_handoff_console_down"), helplines=True)
    assert answer(None, console_enabled=False) == Answer(
        Say("utter_request_human"), helplines=True
    )


def test_after_two_messages_not_understood_the_answer_says_why() -> None:
    for decided in (
        answer(reply(), reason="fallback"),
        answer(None, reason="fallback"),
        answer(reply(available=False), reason="fallback"),
    ):
        assert decided.preface == Say("utter_handoff_after_fallback")
    assert answer(reply()).preface is None


@pytest.mark.parametrize(
    ("crisis", "risk", "expected"),
    [
        (None, "none", "none"),
        (None, None, "none"),
        (None, "elevated", "elevated"),
        ("concern", "none", "elevated"),
        ("active", "none", "high"),
        ("resolved", "high", "high"),
        (None, "bogus", "none"),
    ],
)
def test_the_risk_of_a_handoff(crisis: Any, risk: Any, expected: str) -> None:
    assert risk_level(crisis, risk) == expected


def test_every_response_the_decision_names_exists() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    source = (ROOT / "bot" / "handoff" / "offer.py").read_text(encoding="utf-8")
    names = {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"utter_[a-z_]+", node.value)
    }
    assert len(names) >= 10
    assert names <= set(domain["responses"])
    for name in names:
        text = domain["responses"][name][0]["text"]
        placeholders = set(re.findall(r"{(\w+)}", text))
        assert placeholders <= {"minutes", "hours"}, name
