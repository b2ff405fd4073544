"""Opening hours and dialling notes in data/helplines.yml match their verified row.

A line is "24/7" only when its row in resources.md says so ("24/7" or "24h"),
limited hours only when the row states hours, and a per-network number such as
Bantay Bata's #163 only when the row names it. A row without hours stays
`unstated`: nothing is guessed.
"""

import re
from typing import Optional

import pytest

from bot.content.helplines import FOCUS_COUNTRIES, Service, load_directory
from bot.settings import ROOT

RESOURCES = ROOT.parent / "shared" / "research" / "resources.md"
ROUND_THE_CLOCK = re.compile(r"24/7|\b24 ?h\b|24 hours", re.IGNORECASE)
BOOK = load_directory(ROOT / "data" / "helplines.yml")

pytestmark = pytest.mark.skipif(
    not RESOURCES.exists(), reason="shared/research is not beside the repository"
)


def row_text(row: str) -> Optional[str]:
    """The table line of resources.md that a `row` field names.

    For example "§6 Philippines: Child helpline (NGO)" or "§6 Also: Indonesia";
    None for rows outside the country tables (§1-§3).
    """
    match = re.match(r"§6 ([^:]+): (.+)$", row)
    if not match:
        return None
    section, resource = match.groups()
    lines = RESOURCES.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"### {section}"))
    for line in lines[start + 1 :]:
        if line.startswith("### ") or line.startswith("## "):
            break
        if line.startswith(f"| {resource} |"):
            return line
    raise AssertionError(f"row {row!r} not found in resources.md")


def services_with_a_row() -> list[tuple[str, Service, str]]:
    found: list[tuple[str, Service, str]] = []
    if not RESOURCES.exists():
        return found
    for country, service in BOOK.all_services():
        text = row_text(service.row)
        if text is not None:
            found.append((country, service, text))
    return found


def test_rows_are_found() -> None:
    assert len(services_with_a_row()) >= 20


@pytest.mark.parametrize(
    ("country", "service", "text"),
    services_with_a_row(),
    ids=[s.id for _, s, _ in services_with_a_row()],
)
def test_hours_are_what_the_verified_row_says(
    country: str, service: Service, text: str
) -> None:
    assert "[V]" in text, f"{service.id}: its row is not verified"
    if service.schedule.always:
        assert ROUND_THE_CLOCK.search(text), f"{service.id}: row has no 24/7: {text}"
    if service.schedule.limited:
        assert re.search(r"\d+\s*(?:am|pm)|\d{1,2}:\d{2}|midnight", text), text
        assert BOOK.countries[country].zone is not None
    for dial in service.dial:
        assert dial.number in text and dial.networks in text, (service.id, dial)
    if service.phone and not service.schedule.stated:
        # Unstated stays unstated only when the row really gives no hours
        # (a Details cell mentioning 24h for another number is allowed).
        assert service.phone in text


def test_bantay_bata_dials_hash_163_from_globe_and_tm() -> None:
    bantay = next(
        s for s in BOOK.country_services("PH", ("child",)) if s.phone == "163"
    )
    assert "#163" in bantay.numbers()
    assert bantay.main_number() == "163 (Globe/TM: #163)"


@pytest.mark.parametrize("country", FOCUS_COUNTRIES)
def test_focus_countries_have_a_time_zone_and_a_24_7_line(country: str) -> None:
    entry = BOOK.countries[country]
    assert entry.zone is not None and str(entry.zone).startswith("Asia/")
    assert any(
        s.schedule.always and s.kind in ("emergency", "crisis", "child")
        for s in entry.services
    )
