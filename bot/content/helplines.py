"""The helpline directory: load, validate, look up and format `data/helplines.yml`.

Every number and URL the assistant gives comes from this file, never from code.
Pure: must not import Rasa.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo

import yaml

from bot.content.opening import (
    UNSTATED,
    Availability,
    OpeningError,
    Schedule,
    local_time,
    parse_schedule,
    time_zone,
)
from bot.languages import CODES, DEFAULT

KINDS = ("emergency", "crisis", "child", "report", "removal")
INTERNATIONAL = "INT"
# Countries we list when a person in crisis has not said where they are.
FOCUS_COUNTRIES = ("PH", "MY", "TH", "VN", "LA")
# Kinds of the lines in a crisis list, in the order to list them.
CRISIS_KINDS = ("emergency", "crisis", "child")
ROUND_THE_CLOCK = "24/7"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DirectoryError(ValueError):
    """The helpline file is malformed; the message says where."""


def _localised(value: Any, where: str) -> dict[str, str]:
    """Normalise a text that is either the same everywhere or given per language."""
    if isinstance(value, str):
        return {DEFAULT: value}
    if isinstance(value, Mapping) and DEFAULT in value:
        unknown = set(value) - set(CODES)
        if unknown:
            raise DirectoryError(f"{where}: unknown language codes {sorted(unknown)}")
        return {str(k): str(v) for k, v in value.items()}
    raise DirectoryError(f"{where}: expected a text or a mapping with an 'en' text")


@dataclass(frozen=True)
class Dial:
    """Another way to dial the main number from some networks.

    Attributes:
        number: The number as dialled there (e.g. "#163").
        networks: The networks it applies to (proper names, e.g. "Globe/TM").
        row: The row of resources.md that says so.
    """

    number: str
    networks: str
    row: str


@dataclass(frozen=True)
class Service:
    """One helpline or reporting service.

    Attributes:
        id: Stable key (translations of its texts refer to it).
        name: Name of the service, per language ("en" always present; proper
            nouns are the same everywhere).
        kind: One of KINDS.
        help: What it helps with, per language ("en" always present).
        source_url: Where the fact was verified.
        last_checked: Date (YYYY-MM-DD) the row was last confirmed.
        row: The row of resources.md the facts come from.
        phone: Main number, as people dial it.
        phone_alt: Other numbers.
        whatsapp: WhatsApp number.
        email: E-mail address.
        url: Website, without scheme.
        hours: Opening hours as shown, per language, for lines open only at
            some hours (empty otherwise; a 24/7 line shows "24/7").
        languages: Language codes the service is known to take.
        schedule: When the line answers (bot.content.opening).
        dial: Other ways to dial the main number on some networks.
    """

    id: str
    name: Mapping[str, str]
    kind: str
    help: Mapping[str, str]
    source_url: str
    last_checked: str
    row: str
    phone: Optional[str] = None
    phone_alt: tuple[str, ...] = ()
    whatsapp: Optional[str] = None
    email: Optional[str] = None
    url: Optional[str] = None
    hours: Mapping[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    schedule: Schedule = UNSTATED
    dial: tuple[Dial, ...] = ()

    def contacts(self) -> list[str]:
        """Every way to reach the service, as shown, main number first."""
        found = [self.main_number(), *self.phone_alt]
        if self.whatsapp:
            found.append(f"WhatsApp {self.whatsapp}")
        found += [self.url, self.email]
        return [item for item in found if item]

    def numbers(self) -> list[str]:
        """Every number as dialled (main, per-network, other, WhatsApp)."""
        found = [self.phone, *(d.number for d in self.dial), *self.phone_alt]
        return [item for item in [*found, self.whatsapp] if item]

    def main_number(self) -> Optional[str]:
        """The main number with its per-network forms, e.g. "163 (Globe/TM: #163)"."""
        if not self.phone or not self.dial:
            return self.phone
        notes = "; ".join(f"{d.networks}: {d.number}" for d in self.dial)
        return f"{self.phone} ({notes})"

    def title(self, language: str) -> str:
        """The service's name in a language (English when missing)."""
        return self.name.get(language) or self.name[DEFAULT]

    def hours_text(self, language: str) -> Optional[str]:
        """Opening hours as shown: "24/7", the stated hours, or None."""
        if self.schedule.always:
            return ROUND_THE_CLOCK
        return self.hours.get(language) or self.hours.get(DEFAULT)

    def short(self, language: str) -> str:
        """Name, main number and hours, for the all-countries crisis list."""
        hours = self.hours_text(language)
        title = self.title(language)
        reach = [item for item in (self.main_number(), self.whatsapp) if item]
        if self.whatsapp:
            reach[-1] = f"WhatsApp {self.whatsapp}"
        line = f"{title} {', '.join(reach)}"
        if self.phone and title.endswith(f" {self.phone}"):
            # "Bantay Bata 163 (Globe/TM: #163)", not "Bantay Bata 163 163 (...)"
            line = title + line[len(title) + 1 + len(self.phone) :]
        return f"{line} ({hours})" if hours else line

    def describe(self, language: str) -> str:
        """One line for a chat message: name, contacts, hours, what it helps with."""
        hours = self.hours_text(language)
        helps = self.help.get(language) or self.help[DEFAULT]
        line = f"• {self.title(language)}: {', '.join(self.contacts())}"
        if hours:
            line += f" ({hours})"
        return f"{line}. {helps[:1].upper()}{helps[1:]}."


@dataclass(frozen=True)
class Country:
    """A country's entry: its names per language and its services."""

    code: str
    names: Mapping[str, str]
    services: tuple[Service, ...]
    zone: Optional[ZoneInfo] = None

    def name(self, language: str) -> str:
        """The country's name in a language (English when missing)."""
        return self.names.get(language) or self.names[DEFAULT]


def _service(raw: Mapping[str, Any], where: str) -> Service:
    for key in ("id", "name", "kind", "help", "source_url", "last_checked", "row"):
        if not raw.get(key):
            raise DirectoryError(f"{where}: missing '{key}'")
    if raw["kind"] not in KINDS:
        raise DirectoryError(f"{where}: kind '{raw['kind']}' is not one of {KINDS}")
    if not _DATE.match(str(raw["last_checked"])):
        raise DirectoryError(f"{where}: last_checked must be a quoted YYYY-MM-DD date")
    if not str(raw["source_url"]).startswith("https://"):
        raise DirectoryError(f"{where}: source_url must be an https:// address")
    if not (raw.get("phone") or raw.get("url") or raw.get("whatsapp")):
        raise DirectoryError(f"{where}: a service needs a phone, WhatsApp or url")
    schedule = _schedule(raw, where)
    phone = str(raw["phone"]) if raw.get("phone") else None
    dials = raw.get("dial") or []
    if dials and not phone:
        raise DirectoryError(f"{where}: 'dial' needs a main phone number")
    return Service(
        id=str(raw["id"]),
        name=_localised(raw["name"], f"{where}.name"),
        kind=str(raw["kind"]),
        help=_localised(raw["help"], f"{where}.help"),
        source_url=str(raw["source_url"]),
        last_checked=str(raw["last_checked"]),
        row=str(raw["row"]),
        phone=phone,
        phone_alt=tuple(str(p) for p in raw.get("phone_alt", [])),
        whatsapp=str(raw["whatsapp"]) if raw.get("whatsapp") else None,
        email=raw.get("email"),
        url=raw.get("url"),
        hours=_localised(raw["hours"], f"{where}.hours") if raw.get("hours") else {},
        languages=tuple(raw.get("languages", [])),
        schedule=schedule,
        dial=tuple(_dial(item, f"{where}.dial[{i}]") for i, item in enumerate(dials)),
    )


def _schedule(raw: Mapping[str, Any], where: str) -> Schedule:
    """The `open:` of a row: required for a line one can call or message."""
    if "open" not in raw:
        if raw.get("phone") or raw.get("whatsapp"):
            raise DirectoryError(
                f"{where}: missing 'open' ('24/7', 'unstated' or hours windows)"
            )
        schedule = UNSTATED
    else:
        try:
            schedule = parse_schedule(raw["open"], f"{where}.open")
        except OpeningError as error:
            raise DirectoryError(str(error)) from error
    if schedule.limited and not raw.get("hours"):
        raise DirectoryError(f"{where}: limited hours need an 'hours' text to show")
    if raw.get("hours") and not schedule.limited:
        raise DirectoryError(
            f"{where}: 'hours' text only for lines open at some hours "
            "(a 24/7 line shows 24/7)"
        )
    return schedule


def _dial(raw: Any, where: str) -> Dial:
    if not isinstance(raw, Mapping) or not all(
        raw.get(key) for key in ("number", "networks", "row")
    ):
        raise DirectoryError(f"{where}: needs number, networks and row")
    return Dial(str(raw["number"]), str(raw["networks"]), str(raw["row"]))


class Directory:
    """All countries of the helpline file, with lookups by country and kind."""

    def __init__(self, countries: Mapping[str, Country]) -> None:
        self.countries = dict(countries)

    @classmethod
    def parse(cls, data: Any) -> "Directory":
        """Validate the parsed YAML of the helpline file.

        Raises:
            DirectoryError: When a field is missing or malformed.
        """
        table = data.get("helplines") if isinstance(data, Mapping) else None
        if not isinstance(table, Mapping) or INTERNATIONAL not in table:
            raise DirectoryError(
                "the file needs a 'helplines' mapping with an INT entry"
            )
        countries = {}
        for code, entry in table.items():
            where = f"helplines.{code}"
            services = tuple(
                _service(raw, f"{where}.services[{i}]")
                for i, raw in enumerate(entry.get("services") or [])
            )
            if not services:
                raise DirectoryError(f"{where}: no services")
            names = _localised(entry.get("names"), f"{where}.names")
            zone = None
            if entry.get("time_zone"):
                try:
                    zone = time_zone(entry["time_zone"], f"{where}.time_zone")
                except OpeningError as error:
                    raise DirectoryError(str(error)) from error
            elif any(s.schedule.limited for s in services):
                raise DirectoryError(
                    f"{where}: a line with limited hours needs the country's time_zone"
                )
            countries[str(code)] = Country(str(code), names, services, zone)
        return cls(countries)

    def known(self, country: Optional[str]) -> bool:
        """Whether a country has its own entry."""
        return bool(country) and country != INTERNATIONAL and country in self.countries

    def country_services(self, country: str, kinds: Iterable[str]) -> list[Service]:
        """A known country's own services of given kinds, ordered by kind."""
        own = self.countries[country].services if self.known(country) else ()
        return [s for kind in kinds for s in own if s.kind == kind]

    def services(self, country: Optional[str], kinds: Iterable[str]) -> list[Service]:
        """The services of given kinds for a country, then the international ones.

        Args:
            country: ISO code; unknown or None gives the international ones only.
            kinds: Kinds to include, in the order to list them.

        Returns:
            Services ordered by kind, the country's before the international ones.
        """
        wanted = list(kinds)
        own = self.country_services(country, wanted) if country else []
        everywhere = self.countries[INTERNATIONAL].services
        return own + [s for kind in wanted for s in everywhere if s.kind == kind]

    def country_name(self, country: Optional[str], language: str) -> str:
        """The country's name in a language; "anywhere" for unknown countries."""
        key = country if self.known(country) else INTERNATIONAL
        return self.countries[key].name(language)  # type: ignore[index]

    def translated(
        self, texts: Mapping[str, Mapping[str, Mapping[str, str]]]
    ) -> "Directory":
        """A copy with service texts in more languages.

        Args:
            texts: {language: {service id: {"name"|"help"|"hours": text}}}, as in
                the `services:` key of data/translations/<lang>.yml.

        Returns:
            The directory whose services also carry those texts.
        """
        countries = {}
        for code, country in self.countries.items():
            services = []
            for service in country.services:
                fields: dict[str, dict[str, str]] = {
                    "name": dict(service.name),
                    "help": dict(service.help),
                    "hours": dict(service.hours),
                }
                for language, table in texts.items():
                    for field_name, text in (table.get(service.id) or {}).items():
                        if field_name in fields and (
                            field_name != "hours" or service.hours
                        ):
                            fields[field_name][language] = str(text)
                services.append(
                    replace(
                        service,
                        name=fields["name"],
                        help=fields["help"],
                        hours=fields["hours"],
                    )
                )
            countries[code] = replace(country, services=tuple(services))
        return Directory(countries)

    def availability(
        self, country: str, service: Service, now: datetime
    ) -> Availability:
        """A service's availability at an instant, in its country's local time.

        Args:
            country: The code of the country the service belongs to.
            service: One of that country's services.
            now: An aware instant (the real clock in actions, any in tests).
        """
        zone = self.countries[country].zone if country in self.countries else None
        return service.schedule.availability(local_time(now, zone))

    def crisis_services(
        self, country: str, now: datetime, kinds: Iterable[str] = CRISIS_KINDS
    ) -> list[Service]:
        """A country's lines for a crisis list, as they stand at an instant.

        Lines with stated hours that are closed at `now` are left out.
        Emergency numbers come first (the answer to danger right now says
        "call the emergency number below"); then the other lines open around
        the clock, then those open now within their hours (shown with them),
        then those whose source gives no hours; in each group, in the order of
        `kinds`.

        Args:
            country: ISO code of a known country.
            now: An aware instant.
            kinds: Kinds to include, in the order to list them.
        """
        own = self.country_services(country, kinds)
        ranked = [
            (s.kind != "emergency", self.availability(country, s, now).value, i, s)
            for i, s in enumerate(own)
        ]
        return [
            s
            for *_, s in sorted(ranked, key=lambda r: r[:3])
            if self.availability(country, s, now) is not Availability.CLOSED
        ]

    def focus_services(self, country: str, now: datetime) -> list[Service]:
        """The short crisis list of one focus country, at an instant.

        Its emergency numbers and crisis lines open then; when no crisis line
        is open around the clock, also its first 24/7 child line (Malaysia's
        Talian Kasih beside Talian HEAL's limited hours, Vietnam's 111, Laos's
        1554 youth line). Ordered as `crisis_services`.
        """
        urgent = self.crisis_services(country, now, ("emergency", "crisis"))
        shown = {s.id for s in urgent}
        crisis_always = any(
            s.schedule.always for s in self.country_services(country, ("crisis",))
        )
        if not crisis_always:
            children = self.crisis_services(country, now, ("child",))
            shown.update(s.id for s in children[:1] if s.schedule.always)
        return [s for s in self.crisis_services(country, now) if s.id in shown]

    def focus_country_lines(self, language: str, now: datetime) -> str:
        """Emergency and crisis numbers of every focus country, one line each.

        For a person in crisis who has not said where they are (see
        `focus_services`), with "24/7" or the local hours of each line. Used by
        the crisis action and, when the action server fails, by the crisis
        fallback (bot.nlg), both with the real clock.

        Args:
            language: Language of the names and hours.
            now: An aware instant.
        """
        lines = []
        for country in FOCUS_COUNTRIES:
            numbers = ", ".join(
                s.short(language) for s in self.focus_services(country, now) if s.phone
            )
            name = self.country_name(country, language)
            lines.append(f"• {name[:1].upper()}{name[1:]}: {numbers}")
        return "\n".join(lines)

    def talk_services(self, country: str, now: datetime) -> list[Service]:
        """A country's lines where a person answers, open at an instant.

        Its crisis lines and child helplines with a number to call or message,
        24/7 first (`crisis_services`); for "talk to a person".
        """
        return [
            s
            for s in self.crisis_services(country, now, ("crisis", "child"))
            if s.phone or s.whatsapp
        ]

    def talk_lines(self, language: str, now: datetime) -> str:
        """Every focus country's lines where a person answers, one line each.

        Args:
            language: Language of the names and hours.
            now: An aware instant.
        """
        lines = []
        for country in FOCUS_COUNTRIES:
            lines_now = self.talk_services(country, now)
            name = self.country_name(country, language)
            shown = ", ".join(s.short(language) for s in lines_now)
            lines.append(f"• {name[:1].upper()}{name[1:]}: {shown}")
        return "\n".join(lines)

    def all_services(self) -> list[tuple[str, Service]]:
        """Every (country code, service) pair, for checks and tests."""
        return [(c.code, s) for c in self.countries.values() for s in c.services]


@lru_cache(maxsize=4)
def load_directory(path: Path, translations: Optional[Path] = None) -> Directory:
    """Read and validate the helpline file (cached per path).

    Args:
        path: data/helplines.yml.
        translations: data/translations/, whose `services:` keys add the service
            texts in other languages.
    """
    with open(path, encoding="utf-8") as handle:
        book = Directory.parse(yaml.safe_load(handle))
    if translations is None:
        return book
    from bot.content.translations import load_service_texts

    return book.translated(load_service_texts(translations))
