"""Helpline actions: list the services of the person's country, or ask for it.

Runs after `ask_helpline`, `ask_report_abuse`, `inform_country` (see
data/rules/helplines.yml). Facts come from data/helplines.yml via
bot.content.helplines.
"""

import abc
from typing import Any, ClassVar, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.content.helplines import Directory, Service, load_directory
from bot.languages import DEFAULT
from bot.settings import Settings

AWAITING = "awaiting_country"


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


class CountryListAction(Action, abc.ABC):
    """Base of actions that list services of the person's country.

    Subclasses set `kinds` (service kinds to list, in order), `response` (the
    response that frames the list) and `awaiting` (the `awaiting_country` value
    that brings the person back here once they name their country). When the
    country is unknown the action asks for it; when the directory has no entry
    for it, the services that work from anywhere are listed.
    Returns `SlotSet(awaiting_country)` events.
    """

    kinds: ClassVar[tuple[str, ...]]
    response: ClassVar[str]
    awaiting: ClassVar[str]

    @abc.abstractmethod
    def name(self) -> str:
        """Unique identifier of the action."""

    def list_services(
        self, dispatcher: CollectingDispatcher, country: Optional[str], language: str
    ) -> None:
        """Send the services for a known country (or the international ones)."""
        book = directory()
        services = book.services(country, self.kinds)
        if book.known(country):
            dispatcher.utter_message(
                response=self.response,
                country_name=book.country_name(country, language),
                helpline_list=service_list(services, language),
            )
        else:
            dispatcher.utter_message(
                response="utter_no_local_helplines",
                helpline_list=service_list(services, language),
            )

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Lists the services, or asks for the country (see class docstring)."""
        country = tracker.get_slot("country")
        if not country:
            dispatcher.utter_message(response="utter_ask_country")
            return [SlotSet(AWAITING, self.awaiting)]
        self.list_services(dispatcher, country, language_of(tracker))
        return [SlotSet(AWAITING, None)]


class ActionShowHelplines(CountryListAction):
    """Lists child helplines, crisis lines and emergency numbers.

    Runs for `ask_helpline`, and for `inform_country` when no other list awaits it.
    """

    kinds = ("child", "crisis", "emergency")
    response = "utter_helplines"
    awaiting = "helplines"

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_show_helplines"


class ActionShowReportRoutes(CountryListAction):
    """Lists where to report abuse material or an offender in the country.

    Runs after `utter_report_abuse` (which already names the CyberTipline).
    """

    kinds = ("report",)
    response = "utter_report_routes"
    awaiting = "report"

    def name(self) -> str:
        """Unique identifier of the action."""
        return "action_show_report_routes"
