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
from bot.languages import CODES
from bot.settings import ROOT

WINDOW = {"days": "daily", "from": "08:00", "to": "24:00"}


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
        "open": "unstated",
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
        {"open": None},
        {"open": "sometimes"},
        {"open": [{"days": "daily", "from": "8am", "to": "24:00"}]},
        {"open": [{"days": "daily", "from": "20:00", "to": "08:00"}]},
        {"open": [{"days": ["someday"], "from": "08:00", "to": "12:00"}]},
        {"open": "24/7", "hours": {"en": "24 hours"}},
        {"open": "unstated", "hours": {"en": "8 to 5"}},
        # limited hours need an hours text and (here) a time zone
        {"open": [{"days": "daily", "from": "08:00", "to": "12:00"}]},
        {"dial": [{"number": "#1", "networks": "Globe"}]},
        {
            "phone": None,
            "url": "x.org",
            "dial": [{"number": "#1", "networks": "G", "row": "r"}],
        },
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
    data = minimal(hours={"en": "daily"}, open=[WINDOW])
    data["helplines"]["INT"]["time_zone"] = "Asia/Manila"
    book = Directory.parse(data)
    texts = {"tl": {"x": {"help": "tulong", "hours": "araw-araw"}}}
    service = book.translated(texts).services(None, ("child",))[0]
    assert service.describe("tl") == "• X: 123 (araw-araw). Tulong."
    assert service.describe("ms") == "• X: 123 (daily). X."


@pytest.mark.parametrize("code", CODES)
def test_bantay_bata_says_hash_163_from_globe_and_tm(code: str) -> None:
    translated = load_directory(
        ROOT / "data" / "helplines.yml", ROOT / "data" / "translations"
    )
    bantay = next(
        s for s in translated.country_services("PH", ("child",)) if s.phone == "163"
    )
    assert [(d.number, d.networks) for d in bantay.dial] == [("#163", "Globe/TM")]
    assert "163 (Globe/TM: #163)" in bantay.describe(code)
    assert "#163" in bantay.numbers()
