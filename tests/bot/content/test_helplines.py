from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.helplines import (
    FOCUS_COUNTRIES,
    INTERNATIONAL,
    Directory,
    DirectoryError,
    load_directory,
)
from bot.settings import ROOT


@pytest.fixture(scope="module")
def book() -> Directory:
    return load_directory(ROOT / "data" / "helplines.yml")


@pytest.mark.parametrize("country", [*FOCUS_COUNTRIES, "ID", "KH", "SG", "US"])
def test_every_country_has_services_then_the_international_ones(
    book: Directory, country: str
) -> None:
    services = book.services(country, ("child", "crisis", "emergency", "report"))
    own = book.country_services(country, ("child", "crisis", "emergency", "report"))
    assert own, f"{country} has no services"
    assert services[: len(own)] == own
    assert all(
        s in book.countries[INTERNATIONAL].services for s in services[len(own) :]
    )


def test_unknown_country_gets_only_international_services(book: Directory) -> None:
    services = book.services("JP", ("report",))
    assert [s.name["en"] for s in services] == ["NCMEC CyberTipline"]
    assert not book.known("JP")
    assert not book.known(INTERNATIONAL)
    assert book.country_name("JP", "en") == "anywhere"


@pytest.mark.parametrize("country", FOCUS_COUNTRIES)
def test_focus_countries_have_an_emergency_number(
    book: Directory, country: str
) -> None:
    assert any(s.phone for s in book.country_services(country, ("emergency",)))


def test_description_falls_back_to_english(book: Directory) -> None:
    service = book.country_services("PH", ("child",))[0]
    assert service.describe("lo") == service.describe("en")
    assert service.describe("en").startswith("• Makabata Helpline: 1383")


def minimal(**service: Any) -> dict[str, Any]:
    base = {
        "id": "x",
        "name": "X",
        "kind": "child",
        "help": {"en": "x"},
        "phone": "123",
        "source_url": "https://example.org",
        "last_checked": "2026-11-24",
        "row": "r",
    }
    base.update(service)
    return {"helplines": {"INT": {"names": {"en": "anywhere"}, "services": [base]}}}


@pytest.mark.parametrize(
    "broken",
    [
        {"source_url": ""},
        {"source_url": "example.org"},
        {"last_checked": "last year"},
        {"kind": "other"},
        {"phone": None},
        {"help": {"tl": "walang english"}},
    ],
)
def test_malformed_rows_are_rejected(broken: dict[str, Any]) -> None:
    with pytest.raises(DirectoryError):
        Directory.parse(minimal(**broken))


def test_a_valid_minimal_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "helplines.yml"
    path.write_text(yaml.safe_dump(minimal()), encoding="utf-8")
    assert load_directory(path).services(None, ("child",))[0].phone == "123"


def test_translated_texts_are_used_and_english_is_the_fallback() -> None:
    book = Directory.parse(minimal(hours={"en": "daily"}))
    texts = {"tl": {"x": {"help": "tulong", "hours": "araw-araw"}}}
    service = book.translated(texts).services(None, ("child",))[0]
    assert service.describe("tl") == "• X: 123 (araw-araw). Tulong."
    assert service.describe("ms") == "• X: 123 (daily). X."
