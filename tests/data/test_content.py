"""The content checks itself: every number and URL we show is in the directory."""

import re
from typing import Any

import pytest
import yaml

from bot.content.helplines import load_directory
from bot.settings import ROOT

RESOURCES = ROOT.parent / "shared" / "research" / "resources.md"
PHONE = re.compile(r"(?<![\w./-])\+?\d[\d -]{1,16}\d(?![\w./-])")


def response_texts(domain: dict[str, Any]) -> list[str]:
    texts = []
    for variations in domain["responses"].values():
        texts += [str(v.get("text", "")) for v in variations]
    for path in sorted((ROOT / "data" / "translations").glob("*.yml")):
        table = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
            "translations"
        ) or {}
        texts += [str(v.get("text", "")) for vs in table.values() for v in vs]
    return texts


def directory_facts() -> set[str]:
    facts = set()
    for _, service in load_directory(ROOT / "data" / "helplines.yml").all_services():
        for contact in service.contacts():
            facts.add(re.sub(r"\D", "", contact) or contact)
            facts.add(contact.lower())
    return facts


def test_every_number_in_the_answers_is_in_the_directory(
    domain: dict[str, Any],
) -> None:
    facts = directory_facts()
    for text in response_texts(domain):
        for number in PHONE.findall(text):
            digits = re.sub(r"\D", "", number)
            if len(digits) >= 3:
                assert digits in facts, (
                    f"{number!r} in {text[:60]!r} is not in helplines.yml"
                )


def test_every_url_in_the_answers_is_a_known_service(domain: dict[str, Any]) -> None:
    facts = directory_facts()
    for text in response_texts(domain):
        for url in re.findall(
            r"\b[a-z0-9.-]+\.(?:org|com|gov|ph|my|th|vn|la)(?:/[\w/.-]*)?", text.lower()
        ):
            assert url.rstrip(".") in facts, (
                f"{url} in {text[:60]!r} is not in helplines.yml"
            )


def test_every_directory_row_has_a_source_and_a_date() -> None:
    for country, service in load_directory(
        ROOT / "data" / "helplines.yml"
    ).all_services():
        assert service.source_url.startswith("https://"), (country, service.name)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", service.last_checked)
        assert service.row


@pytest.mark.skipif(
    not RESOURCES.exists(), reason="shared/research is not beside the repository"
)
def test_every_directory_number_is_in_the_verified_research() -> None:
    text = RESOURCES.read_text(encoding="utf-8")
    known = {re.sub(r"\D", "", m) for m in re.findall(r"\d[\d -]*\d", text)}
    for country, service in load_directory(
        ROOT / "data" / "helplines.yml"
    ).all_services():
        for number in service.numbers():
            if number:
                assert re.sub(r"\D", "", number) in known, (country, number)


def test_answers_never_ask_for_images_or_identity(domain: dict[str, Any]) -> None:
    asking = re.compile(
        r"\b(send|share|upload) (me|us) (the|your|a) (pic|photo|image|screenshot)|"
        r"what('s| is) your (name|school|address)",
        re.I,
    )
    for text in response_texts(domain):
        assert not asking.search(text), text


def test_answers_fit_a_phone_screen(domain: dict[str, Any]) -> None:
    for text in response_texts(domain):
        assert len(text) <= 700, text[:80]
