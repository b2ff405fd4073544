"""The helpline directory: load, validate, look up and format `data/helplines.yml`.

Every number and URL the assistant gives comes from this file, never from code.
Pure: must not import Rasa.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from bot.languages import CODES, DEFAULT

KINDS = ("emergency", "crisis", "child", "report", "removal")
INTERNATIONAL = "INT"
# Countries we list when a person in crisis has not said where they are.
FOCUS_COUNTRIES = ("PH", "MY", "TH", "VN", "LA")
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
        hours: Opening hours, per language (empty when not stated).
        languages: Language codes the service is known to take.
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

    def contacts(self) -> list[str]:
        """Every way to reach the service, main number first."""
        found = [self.phone, *self.phone_alt]
        if self.whatsapp:
            found.append(f"WhatsApp {self.whatsapp}")
        found += [self.url, self.email]
        return [item for item in found if item]

    def title(self, language: str) -> str:
        """The service's name in a language (English when missing)."""
        return self.name.get(language) or self.name[DEFAULT]

    def describe(self, language: str) -> str:
        """One line for a chat message: name, contacts, hours, what it helps with."""
        hours = self.hours.get(language) or self.hours.get(DEFAULT)
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
    return Service(
        id=str(raw["id"]),
        name=_localised(raw["name"], f"{where}.name"),
        kind=str(raw["kind"]),
        help=_localised(raw["help"], f"{where}.help"),
        source_url=str(raw["source_url"]),
        last_checked=str(raw["last_checked"]),
        row=str(raw["row"]),
        phone=str(raw["phone"]) if raw.get("phone") else None,
        phone_alt=tuple(str(p) for p in raw.get("phone_alt", [])),
        whatsapp=str(raw["whatsapp"]) if raw.get("whatsapp") else None,
        email=raw.get("email"),
        url=raw.get("url"),
        hours=_localised(raw["hours"], f"{where}.hours") if raw.get("hours") else {},
        languages=tuple(raw.get("languages", [])),
    )


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
            countries[str(code)] = Country(str(code), names, services)
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

    def focus_country_lines(self, language: str) -> str:
        """Emergency and crisis numbers of every focus country, one line each.

        For a person in crisis who has not said where they are. A country
        without a crisis line shows its child helpline instead (Vietnam's 111,
        Laos's 1554 youth counselling line). Used by the crisis action and, when
        the action server fails, by the crisis fallback (bot.nlg).
        """
        lines = []
        for country in FOCUS_COUNTRIES:
            own = self.country_services(country, ("emergency", "crisis"))
            if not any(s.kind == "crisis" for s in own):
                own += self.country_services(country, ("child",))[:1]
            numbers = ", ".join(
                f"{s.title(language)} {s.phone}" for s in own if s.phone
            )
            name = self.country_name(country, language)
            lines.append(f"• {name[:1].upper()}{name[1:]}: {numbers}")
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
