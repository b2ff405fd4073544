"""Helpline actions: list the services of the person's country, or ask for it.

Runs after `ask_helpline`, `ask_report_abuse` and `inform_country` (see
data/rules/helplines.yml). What to list once the person names their country
is remembered in the `awaiting_country` slot ("helplines", "report" or
"crisis"), so one action answers every `inform_country`. Facts come from
data/helplines.yml via bot.content.helplines.
"""

import abc
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, ClassVar, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.content.helplines import Directory, Service, load_directory
from bot.languages import DEFAULT
from bot.settings import Settings

AWAITING = "awaiting_country"


@dataclass(frozen=True)
class Listing:
    """What to list for one purpose.

    Attributes:
        kinds: Service kinds, in the order to list them.
        response: The response that frames the list.
        open_now: Whether to list only lines open at that moment, 24/7 first
            (crisis lists; see `Directory.crisis_services`).
    """

    kinds: tuple[str, ...]
    response: str
    open_now: bool = False


LISTINGS = {
    "helplines": Listing(("child", "crisis", "emergency"), "utter_helplines"),
    "report": Listing(("report",), "utter_report_routes"),
    "crisis": Listing(
        ("emergency", "crisis", "child"), "utter_crisis_lines", open_now=True
    ),
}


def directory() -> Directory:
    """The helpline directory named by the settings, with its translations."""
    settings = Settings.from_env()
    return load_directory(settings.helplines_path, settings.translations_dir)


def language_of(tracker: Tracker) -> str:
    """The conversation's language (English until the slot is set)."""
    return tracker.get_slot("language") or DEFAULT


def service_list(services: list[Service], language: str) -> str:
    """One line per service, as shown in chat."""
    return "\n".join(service.describe(language) for service in services)


def send_listing(
    dispatcher: CollectingDispatcher,
    purpose: str,
    country: Optional[str],
    language: str,
    now: Optional[datetime] = None,
) -> None:
    """Send the services for a purpose and a country.

    A country without its own entry gets the services that work from anywhere.
    A crisis list holds the lines open at `now` (the real clock unless given),
    24/7 lines first, with the local hours of the others.
    """
    listing = LISTINGS[purpose]
    book = directory()
    services = book.services(country, listing.kinds)
    if listing.open_now and country and book.known(country):
        moment = now or datetime.now(timezone.utc)
        services = book.crisis_services(country, moment, listing.kinds) + [
            s for s in services if s not in book.countries[country].services
        ]
    if book.known(country):
        dispatcher.utter_message(
            response=listing.response,
            country_name=book.country_name(country, language),
            helpline_list=service_list(services, language),
        )
    else:
        dispatcher.utter_message(
            response="utter_no_local_helplines",
            helpline_list=service_list(services, language),
        )


def send_helplines(
    dispatcher: CollectingDispatcher, tracker: Tracker, now: datetime
) -> bool:
    """The numbers where a person answers; True if the country is unknown.

    With the country: its helplines. Without: the lines of all five focus
    countries where a person answers; the caller asks the country last.
    """
    language = language_of(tracker)
    country = tracker.get_slot("country")
    if country:
        send_listing(dispatcher, "helplines", country, language, now)
        return False
    dispatcher.utter_message(
        response="utter_request_human_lines",
        helpline_list=directory().talk_lines(language, now),
    )
    return True


class CountryListAction(Action, abc.ABC):
    """Base of actions that list services of the person's country.

    Subclasses set `purpose` (a key of LISTINGS). When the country is unknown the
    action asks for it and remembers the purpose in `awaiting_country`, so that
    `action_answer_country` lists the right services once it is named.
    Returns a `SlotSet(awaiting_country)` event.
    """

    purpose: ClassVar[str]

    @abc.abstractmethod
    def name(self) -> str:
        """Unique identifier of the action."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Lists the services, or asks for the country (see class docstring)."""
        country = tracker.get_slot("country")
        if not country:
            if self.purpose == "helplines":
                # Numbers first: "idk" or silence to the country question
                # must not leave a person who asked for help with none.
                send_helplines(dispatcher, tracker, datetime.now(timezone.utc))
            dispatcher.utter_message(response="utter_ask_country")
            return [SlotSet(AWAITING, self.purpose)]
        send_listing(dispatcher, self.purpose, country, language_of(tracker))
        return [SlotSet(AWAITING, None)]


class ActionShowHelplines(CountryListAction):
    """Lists child helplines, crisis lines and emergency numbers (`ask_helpline`)."""

    purpose = "helplines"

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_show_helplines"


class ActionShowReportRoutes(CountryListAction):
    """Lists where to report in the country (after `utter_report_abuse`)."""

    purpose = "report"

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_show_report_routes"


class ActionAnswerCountry(Action):
    """Answers `inform_country` with what the person was waiting for.

    Lists the services for the purpose in `awaiting_country` (helplines when
    nothing was pending) and clears it. Returns `SlotSet(awaiting_country, None)`.
    """

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_answer_country"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Lists the awaited services for the named country."""
        purpose = tracker.get_slot(AWAITING)
        purpose = purpose if purpose in LISTINGS else "helplines"
        country = tracker.get_slot("country")
        send_listing(dispatcher, purpose, country, language_of(tracker))
        return [SlotSet(AWAITING, None)]
