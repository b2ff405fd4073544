"""`LocalizedNLG`: Rasa's templated NLG with one response table per language.

Configured in endpoints.yml (`nlg: type: bot.nlg.LocalizedNLG`, with
`translations: data/translations`). English comes from domain.yml; each other
language from data/translations/<lang>.yml, falling back to English for any
response not yet translated. The table is chosen by the `language` slot, so
conditions, channel variations and slot filling work exactly as in Rasa. Each
language has its own generator: nothing is swapped per call, which keeps
concurrent conversations independent.

It subclasses `TemplatedNaturalLanguageGenerator` because Rasa's `Agent` creates
the NLG before the model's domain is loaded and then assigns
`nlg.responses = domain.responses` only to instances of that class
(rasa/core/agent.py, `Agent.load_model`); the `responses` setter rebuilds the
per-language tables at that moment.

A response may carry `{crisis_lines}`: when the caller (an action) did not
provide it, it is filled here with the emergency and crisis numbers of every
focus country from data/helplines.yml, in the conversation's language. The
crisis fallback (bot/policies) uses it, so the numbers reach the person even
when the action server is down, and no number is written in a response.
"""

import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.content.helplines import load_directory
from bot.content.translations import Responses, load_translations
from bot.languages import DEFAULT
from bot.settings import Settings

logger = logging.getLogger(__name__)

CRISIS_LINES = "crisis_lines"


class LocalizedNLG(TemplatedNaturalLanguageGenerator):
    """Generates responses in the conversation's language."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        domain: Optional[Domain] = None,
    ) -> None:
        kwargs = endpoint_config.kwargs if endpoint_config else {}
        directory = Path(kwargs.get("translations", "data/translations"))
        self._tables = load_translations(directory)
        self._generators: dict[str, TemplatedNaturalLanguageGenerator] = {}
        super().__init__(dict(domain.responses) if domain else {})

    @property
    def responses(self) -> Responses:
        """The English responses (from the domain)."""
        return self._generators[DEFAULT].responses if self._generators else {}

    @responses.setter
    def responses(self, english: Responses) -> None:
        """Rebuilds every language's table on top of the English responses."""
        self._generators = {DEFAULT: TemplatedNaturalLanguageGenerator(dict(english))}
        for code, table in self._tables.items():
            merged = {**english, **{k: v for k, v in table.items() if k in english}}
            self._generators[code] = TemplatedNaturalLanguageGenerator(merged)
        if english:
            logger.info("Responses ready for: %s", ", ".join(self._generators))

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Optional[dict[str, Any]]:
        """Generates the response in the `language` slot's language.

        Fills `{crisis_lines}` when the response has it and the caller did not
        give it (see the module docstring).
        """
        language = tracker.get_slot("language") or DEFAULT
        generator = self._generators.get(language) or self._generators[DEFAULT]
        if CRISIS_LINES not in kwargs and _mentions(
            generator.responses.get(utter_action), CRISIS_LINES
        ):
            kwargs[CRISIS_LINES] = crisis_lines(language)
        return await generator.generate(utter_action, tracker, output_channel, **kwargs)


def crisis_lines(language: str, now: Optional[datetime] = None) -> str:
    """Every focus country's emergency and crisis numbers (data/helplines.yml).

    Lines open at `now` (the real clock unless given), 24/7 lines first.
    """
    settings = Settings.from_env()
    book = load_directory(settings.helplines_path, settings.translations_dir)
    return book.focus_country_lines(language, now or datetime.now(timezone.utc))


def _mentions(variations: Optional[list[dict[str, Any]]], placeholder: str) -> bool:
    """Whether any variation of a response has the `{placeholder}`."""
    marker = "{" + placeholder + "}"
    return any(marker in str(v.get("text") or "") for v in variations or [])
