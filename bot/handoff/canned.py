"""Canned replies for the staff console, built from the reviewed content.

A counsellor who has taken over a conversation can insert a ready answer into
the send box, edit it and send it. Nothing here is new text: the replies are
the assistant's own responses (English in domain.yml, the other languages in
data/translations/<lang>.yml) and the verified helpline facts of
data/helplines.yml, listed exactly as the assistant lists them
(actions/helplines.py) in the handoff's language and for its country. Each
reply says where it comes from and whether its translation has been reviewed
by a native speaker (the `review:` block of the translation file, see
bot/review/record.py). No number or URL is written here.

Pure: must not import Rasa or Sanic.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from bot.content.helplines import Directory, Service, load_directory
from bot.content.translations import Responses, load_translations
from bot.languages import CODES, DEFAULT
from bot.review import record

# The service kinds of each list, as actions/helplines.py `LISTINGS` has them
# (tests/bot/handoff/test_canned.py keeps the two equal).
HELPLINE_KINDS = ("child", "crisis", "emergency")
REPORT_KINDS = ("report",)
CRISIS_KINDS = ("emergency", "crisis", "child")

# Responses offered as they are: (response name, label shown to staff).
ADVICE: tuple[tuple[str, str], ...] = (
    ("utter_take_it_down", "Take It Down: what it is"),
    ("utter_take_it_down_steps", "Take It Down: the steps"),
    ("utter_take_it_down_limits", "Take It Down: limits, StopNCII for adults"),
    ("utter_evidence", "Keeping evidence safely"),
    ("utter_block_report", "Report, then block the account"),
    ("utter_report_abuse", "Report to NCMEC's CyberTipline"),
    ("utter_first_aid_steps", "First steps against sextortion"),
    ("utter_first_aid_not_your_fault", "It is not your fault"),
)
_COUNTRY = re.compile(r"^[A-Z]{2,3}$")


class CannedError(ValueError):
    """A request for canned replies names an unknown language or a bad country."""


@dataclass(frozen=True)
class CannedReply:
    """One ready answer in one language.

    Attributes:
        key: Stable key: the response name, or "helplines", "crisis_lines",
            "report_routes".
        title: Short English label for staff.
        text: The answer, in `language`.
        language: The language of `text` (English when not translated yet).
        source: Where the text and its facts come from (file, response name,
            helpline rows with the date each was checked).
        review: The translation's review status ("source text" for English).
    """

    key: str
    title: str
    text: str
    language: str
    source: str
    review: str

    def as_json(self) -> dict[str, str]:
        """The reply as a JSON object."""
        return asdict(self)


@dataclass(frozen=True)
class Catalogue:
    """The content canned replies are made of.

    Attributes:
        english: The domain's responses.
        tables: Each other language's translated responses.
        reviews: Each other language's `review:` block.
        directory: The helpline directory with its translated texts.
    """

    english: Responses
    tables: Mapping[str, Responses]
    reviews: Mapping[str, Any]
    directory: Directory

    @classmethod
    def load(cls, domain: Path, translations: Path, helplines: Path) -> "Catalogue":
        """Read the domain, the translation files and the helpline directory.

        Args:
            domain: domain.yml.
            translations: The folder of data/translations/<lang>.yml.
            helplines: data/helplines.yml.

        Raises:
            ValueError: When a file is malformed or a response is missing.
        """
        with open(domain, encoding="utf-8") as handle:
            data: Any = yaml.safe_load(handle) or {}
        english = {
            str(name): list(variations)
            for name, variations in (data.get("responses") or {}).items()
        }
        needed = [name for name, _ in ADVICE] + [
            "utter_helplines",
            "utter_report_routes",
            "utter_no_local_helplines",
            "utter_crisis_lines",
            "utter_crisis_lines_all",
        ]
        missing = [name for name in needed if not english.get(name)]
        if missing:
            raise ValueError(f"{domain}: responses missing: {', '.join(missing)}")
        reviews = {}
        for code in CODES:
            path = translations / f"{code}.yml"
            if code != DEFAULT and path.exists():
                with open(path, encoding="utf-8") as handle:
                    reviews[code] = (yaml.safe_load(handle) or {}).get("review")
        return cls(
            english=english,
            tables=load_translations(translations),
            reviews=reviews,
            directory=load_directory(helplines, translations),
        )

    def response(self, name: str, language: str) -> tuple[str, str, str, str]:
        """A response's text in a language, falling back to English.

        Args:
            name: The response name.
            language: The wanted language.

        Returns:
            (text, language of the text, source, review status).
        """
        variations = self.tables.get(language, {}).get(name)
        index, text = _first_plain(variations or [])
        if language != DEFAULT and text:
            source = f"data/translations/{language}.yml: {name}"
            status = record.status(
                self.reviews.get(language), f"{name}/{index + 1}", text
            )
            return text, language, source, f"translation {status}"
        _, text = _first_plain(self.english[name])
        review = "source text" if language == DEFAULT else "not translated yet"
        return text, DEFAULT, f"domain.yml: {name}", review

    def replies(
        self, language: str, country: Optional[str], now: datetime
    ) -> list[CannedReply]:
        """Every canned reply for a handoff, helplines first.

        Args:
            language: The handoff's language (one of bot.languages.CODES).
            country: Its country code (ISO, or "INT"); None when not known.
            now: An aware instant: crisis lists hold the lines open then.

        Returns:
            The helplines, crisis lines and report routes of the country (the
            ones that work from anywhere when it has no entry), then the advice
            responses.

        Raises:
            CannedError: For a language the assistant does not speak or a
                malformed country code.
        """
        if language not in CODES:
            raise CannedError(f"language must be one of {', '.join(CODES)}")
        if country is not None and not _COUNTRY.match(country):
            raise CannedError("country must be an ISO code such as PH, or INT")
        listings = [
            self._helplines(language, country),
            self._crisis_lines(language, country, now),
            self._report_routes(language, country),
        ]
        found = [reply for reply in listings if reply is not None]
        for name, title in ADVICE:
            text, used, source, review = self.response(name, language)
            found.append(CannedReply(name, title, text, used, source, review))
        return found

    def _listing(
        self,
        key: str,
        title: str,
        response: str,
        services: Sequence[Service],
        language: str,
        country: Optional[str],
    ) -> Optional[CannedReply]:
        """A framing response filled with a list of services, as the bot sends it.

        None when there is no service to list (a country without an entry has
        no international line of some kinds).
        """
        if not services:
            return None
        book = self.directory
        if not book.known(country):
            response = "utter_no_local_helplines"
        text, used, source, review = self.response(response, language)
        filled = _fill(
            text,
            country_name=book.country_name(country, used),
            helpline_list="\n".join(s.describe(used) for s in services),
        )
        rows = "; ".join(f"{s.row} (checked {s.last_checked})" for s in services)
        return CannedReply(
            key,
            title,
            filled,
            used,
            f"{source}; data/helplines.yml: {rows}",
            review,
        )

    def _helplines(
        self, language: str, country: Optional[str]
    ) -> Optional[CannedReply]:
        services = self.directory.services(country, HELPLINE_KINDS)
        return self._listing(
            "helplines",
            f"Helplines: {self._where(country)}",
            "utter_helplines",
            services,
            language,
            country,
        )

    def _report_routes(
        self, language: str, country: Optional[str]
    ) -> Optional[CannedReply]:
        services = self.directory.services(country, REPORT_KINDS)
        return self._listing(
            "report_routes",
            f"Where to report: {self._where(country)}",
            "utter_report_routes",
            services,
            language,
            country,
        )

    def _crisis_lines(
        self, language: str, country: Optional[str], now: datetime
    ) -> Optional[CannedReply]:
        book = self.directory
        if not book.known(country):
            text, used, source, review = self.response(
                "utter_crisis_lines_all", language
            )
            filled = _fill(text, helpline_list=book.focus_country_lines(used, now))
            return CannedReply(
                "crisis_lines",
                "Crisis lines open now: every focus country",
                filled,
                used,
                f"{source}; data/helplines.yml: emergency and crisis lines "
                "of the focus countries",
                review,
            )
        assert country is not None  # known() is False for None
        own = book.crisis_services(country, now, CRISIS_KINDS)
        everywhere = [
            s
            for s in book.services(country, CRISIS_KINDS)
            if s not in book.countries[country].services
        ]
        return self._listing(
            "crisis_lines",
            f"Crisis lines open now: {self._where(country)}",
            "utter_crisis_lines",
            own + everywhere,
            language,
            country,
        )

    def _where(self, country: Optional[str]) -> str:
        if self.directory.known(country):
            return self.directory.country_name(country, DEFAULT)
        return "lines that work from anywhere"


def _first_plain(variations: Sequence[Any]) -> tuple[int, str]:
    """The first variation without a condition or channel: (index, text)."""
    plain = [
        (i, v)
        for i, v in enumerate(variations)
        if isinstance(v, Mapping) and v.get("text")
    ]
    for index, variation in plain:
        if not variation.get("condition") and not variation.get("channel"):
            return index, str(variation["text"])
    return (plain[0][0], str(plain[0][1]["text"])) if plain else (0, "")


def _fill(text: str, **values: str) -> str:
    """Fill {placeholders} the way Rasa's templates do, for the given names."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


@lru_cache(maxsize=2)
def load_catalogue(domain: Path, translations: Path, helplines: Path) -> Catalogue:
    """The catalogue for these files (read once per process).

    Args:
        domain: domain.yml.
        translations: The folder of data/translations/<lang>.yml.
        helplines: data/helplines.yml.
    """
    return Catalogue.load(domain, translations, helplines)
