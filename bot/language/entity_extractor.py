"""`TermEntityExtractor`: finds `country` and `platform` from our term tables.

A thin shell around `bot.language.terms`. It learns its terms from the training
data of every language: the `lookup:` tables named after the entities, the
`synonym:` blocks (surface form -> canonical value, e.g. "Pinas" -> "PH") and the
annotated examples. Matching works on the tokenizer's words, so it also finds
Thai and Lao terms in text without spaces, which a word-boundary regex cannot.
"""

from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.scripts import fold
from bot.language.terms import TermIndex, drop_everyday_words
from bot.training.fingerprint import code_fingerprint

TERMS_FILE = "terms.json"


def training_terms(
    training_data: TrainingData, entities: list[str]
) -> list[tuple[str, str, str]]:
    """Collect (entity, surface form, canonical value) triples from training data.

    Sources: lookup tables named after an entity (values through the synonyms),
    lookup tables named `<entity>_<value>`, and annotated examples.
    """
    synonyms = {fold(k): v for k, v in training_data.entity_synonyms.items()}
    terms: list[tuple[str, str, str]] = []
    for table in training_data.lookup_tables:
        name, elements = str(table.get("name")), table.get("elements")
        if not isinstance(elements, list):
            continue
        entity, _, fixed_value = name.partition("_")
        if name in entities:
            terms += [(name, str(s), str(synonyms.get(fold(s), s))) for s in elements]
        elif entity in entities and fixed_value:
            # A table named <entity>_<value> gives its value directly.
            terms += [(entity, str(s), fixed_value) for s in elements]
    for message in training_data.entity_examples:
        for entity in message.get(ENTITIES) or []:
            if entity.get(ENTITY_ATTRIBUTE_TYPE) in entities:
                surface = message.get(TEXT)[
                    entity[ENTITY_ATTRIBUTE_START] : entity[ENTITY_ATTRIBUTE_END]
                ]
                value = str(entity.get(ENTITY_ATTRIBUTE_VALUE, surface))
                terms.append(
                    (
                        entity[ENTITY_ATTRIBUTE_TYPE],
                        surface,
                        synonyms.get(fold(value), value),
                    )
                )
    return terms


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class TermEntityExtractor(EntityExtractorMixin, GraphComponent):
    """Extracts entities whose values come from closed lists of terms."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Components that should be included in the pipeline before this component."""
        return [Tokenizer]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """Retrain when the term matching code changes.

        Rasa fingerprints this class's own source only, not `TermIndex`.
        """
        return code_fingerprint([cls.__module__])

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Entities whose lookup tables, synonyms and annotations become terms.
            "entities": ["country", "platform"],
            # Surface forms never used as terms: ordinary words in one of our
            # languages ("my" is not Malaysia, Malay "x" means "not", "la" is a
            # particle), whichever file lists them.
            "ambiguous": [],
            # Terms that are also everyday words (Lao "ລາວ" is "Laos" and
            # "he/she"): found only when the classifier says the message answers
            # with one of `answer_intents`.
            "answer_only": [],
            "answer_intents": ["inform_country", "change_language"],
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        index: Optional[TermIndex] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._index = index or TermIndex([])
        self._answer_only = {fold(str(t)) for t in self._config["answer_only"]}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TermEntityExtractor":
        """Creates a new untrained component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "TermEntityExtractor":
        """Loads the trained term index (see parent class for full docstring)."""
        with model_storage.read_from(resource) as directory:
            index = TermIndex.from_json((directory / TERMS_FILE).read_text("utf-8"))
        return cls(config, model_storage, resource, index)

    def train(self, training_data: TrainingData) -> Resource:
        """Builds the term index from the training data."""
        ambiguous = {fold(str(term)) for term in self._config["ambiguous"]}
        terms = training_terms(training_data, self._config["entities"])
        self._index = TermIndex(t for t in terms if fold(t[1]) not in ambiguous)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / TERMS_FILE).write_text(self._index.to_json(), encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the terms found to each message's entities (see parent class)."""
        for message in messages:
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            folded = [fold(token.text) for token in tokens]
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            found = drop_everyday_words(
                self._index.find(folded),
                folded,
                self._answer_only,
                answering=intent in self._config["answer_intents"],
            )
            entities = [
                {
                    ENTITY_ATTRIBUTE_TYPE: match.entity,
                    ENTITY_ATTRIBUTE_VALUE: match.value,
                    ENTITY_ATTRIBUTE_START: tokens[match.first].start,
                    ENTITY_ATTRIBUTE_END: tokens[match.last].end,
                    "confidence_entity": 1.0,
                }
                for match in found
            ]
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name(entities),
                add_to_output=True,
            )
        return messages
