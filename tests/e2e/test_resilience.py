"""End-to-end: the crisis answer needs nothing but the Rasa server.

Real Rasa and action-server processes on free ports (as in
test_conversations.py), with ACTION_TIMEOUT at 2 s. The action server is first
hung (SIGSTOP), then killed; the person must still get the crisis answer in
their language with every focus country's urgent numbers, read here from
data/helplines.yml.
"""

import os
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import yaml

from bot.content.helplines import FOCUS_COUNTRIES, load_directory
from bot.content.opening import Availability, local_time
from bot.content.translations import load_translations
from bot.language.scripts import has_vietnamese_letters
from bot.launch import Services
from bot.settings import ROOT
from tests.e2e.servers import post, running_services

pytestmark = pytest.mark.e2e

ACTION_TIMEOUT = 2.0
# (language, crisis message, "no" in that language)
CRISES = [
    ("en", "honestly i just want to end my life", "no"),
    ("tl", "ayoko na talagang mabuhay, gusto ko na lang mamatay", "hindi"),
    ("ms", "sy rasa nak bunuh diri je malam ni", "tak"),
    ("vi", "em không muốn sống nữa, em muốn chết", "không"),
    ("th", "หนูไม่อยากมีชีวิตอยู่แล้ว อยากตาย", "ไม่"),
    ("lo", "ຂ້ອຍບໍ່ຢາກມີຊີວິດຢູ່ແລ້ວ ຢາກຕາຍ", "ບໍ່"),
]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    yield from running_services(
        tmp_path_factory, "resilience", action_timeout=ACTION_TIMEOUT
    )


@pytest.fixture(scope="module")
def dead_actions(services: Services) -> Services:
    """The same servers after the action server was killed (kill -9)."""
    services.actions.kill()
    services.actions.wait(timeout=30)
    return services


def say(services: Services, sender: str, text: str) -> list[dict[str, Any]]:
    url = f"{services.rasa_url}/webhooks/rest/webhook"
    status, replies = post(url, {"sender": sender, "message": text})
    assert status == 200, replies
    assert replies, f"no answer to {text!r}"
    return list(replies)


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(str(r.get("text", "")) for r in replies)


def response_text(language: str, name: str) -> str:
    """A response's first text in a language (domain.yml for English)."""
    if language == "en":
        domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
        return str(domain["responses"][name][0]["text"])
    table = load_translations(ROOT / "data" / "translations")[language]
    return str(table[name][0]["text"])


def urgent_numbers() -> dict[str, list[str]]:
    """Each focus country's emergency numbers and crisis (else child) line.

    A line closed at this moment (Talian HEAL 15555 from midnight to 8am in
    Malaysia) is left out, as the crisis lists leave it out.
    """
    book = load_directory(ROOT / "data" / "helplines.yml")
    now = datetime.now(timezone.utc)
    numbers = {}
    for country in FOCUS_COUNTRIES:
        services = book.country_services(country, ("emergency", "crisis"))
        if not any(s.kind == "crisis" for s in services):
            services += book.country_services(country, ("child",))[:1]
        local = local_time(now, book.countries[country].zone)
        numbers[country] = [
            str(s.phone)
            for s in services
            if s.phone and s.schedule.availability(local) != Availability.CLOSED
        ]
    return numbers


def assert_crisis_fallback(language: str, replies: list[dict[str, Any]]) -> None:
    """The crisis fallback in `language`: care, every number, the question."""
    text = text_of(replies)
    opening = response_text(language, "utter_crisis_fallback").split("{")[0]
    assert opening in text, (language, text)
    assert "{" not in text, text
    for country, numbers in urgent_numbers().items():
        for number in numbers:
            assert number in text, (language, country, number, text)
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert payloads == ["/confirm_safe", "/deny", "/request_human"], replies
    assert response_text(language, "utter_crisis_safe") not in text


@pytest.mark.parametrize(("language", "crisis", "no"), CRISES)
def test_a_hung_action_server_delays_the_crisis_answer_only_by_the_timeout(
    services: Services, language: str, crisis: str, no: str
) -> None:
    """SIGSTOP: connections are accepted but never answered.

    Rasa calls the action server once in the turn (the crisis action; the
    language is set inside Rasa), given up after ACTION_TIMEOUT; before this
    work it waited 300 s.
    """
    pid = services.actions.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        replies = say(services, f"hung-{language}-{uuid.uuid4().hex[:8]}", crisis)
        elapsed = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGCONT)
    assert_crisis_fallback(language, replies)
    assert ACTION_TIMEOUT * 0.9 <= elapsed <= 2 * ACTION_TIMEOUT + 6, elapsed


@pytest.mark.parametrize(("language", "crisis", "no"), CRISES)
def test_a_dead_action_server_still_gives_the_crisis_answer_in_crisis_mode(
    dead_actions: Services, language: str, crisis: str, no: str
) -> None:
    sender = f"dead-{language}-{uuid.uuid4().hex[:8]}"
    assert_crisis_fallback(language, say(dead_actions, sender, crisis))
    # crisis mode goes on: "no" gets the numbers again, never "I'm glad"
    assert_crisis_fallback(language, say(dead_actions, sender, no))


def test_a_dead_action_server_still_gives_helplines(dead_actions: Services) -> None:
    replies = say(
        dead_actions, f"dead-{uuid.uuid4().hex[:8]}", "is there a hotline I can call?"
    )
    text = text_of(replies)
    assert response_text("en", "utter_action_failed").split("{")[0] in text
    for numbers in urgent_numbers().values():
        assert numbers[0] in text, text


def test_a_dead_action_server_still_answers_in_the_persons_language(
    dead_actions: Services,
) -> None:
    """The language is set inside Rasa, with no call to the action server.

    With it dead, a Vietnamese message is answered in Vietnamese and an
    undecided "ok" keeps the conversation in Vietnamese (bot/policies/slots.py).
    """
    sender = f"dead-vi-{uuid.uuid4().hex[:8]}"
    first = text_of(say(dead_actions, sender, "toi bi doa tung anh"))
    assert "Đừng trả tiền" in first, first
    assert "Don't pay" not in first
    ok = text_of(say(dead_actions, sender, "ok"))
    assert has_vietnamese_letters(ok), ok
