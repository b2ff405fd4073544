"""`LanguageDetector`: Rasa graph component that adds the message's language.

A thin shell around `bot.language.detect`: it learns the n-gram model from our
training data (each intent block of `data/nlu/<lang>.yml` carries
`metadata: {language: <code>}`) and adds
`"language": {"code", "confidence", "decided"}` to every parse result.
"""

import logging
from pathlib import Path
from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.content.background import fingerprint, read_by_language
from bot.language.detect import DetectorSettings, NgramModel, detect
from bot.languages import CODES, LATIN_CODES
from bot.training.fingerprint import code_fingerprint

logger = logging.getLogger(__name__)

LANGUAGE = "language"
# Every language's probability, for later components (not in the parse output).
LANGUAGE_PROBABILITIES = "language_probabilities"
MODEL_FILE = "ngram_model.json"


def example_language(message: Message) -> Optional[str]:
    """Return the language a training example is labelled with, if any."""
    metadata = message.get(METADATA) or {}
    intent_metadata = metadata.get(METADATA_INTENT) or {}
    code = intent_metadata.get(LANGUAGE) if isinstance(intent_metadata, dict) else None
    return code if code in CODES else None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LanguageDetector(GraphComponent):
    """Adds the detected language of each message to the parse output."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Words (other than "ok", "hi", "lol"...) a message needs before it may
            # change the conversation's language: one word never does.
            "min_words": 2,
            # Confidence needed for the same; below it the conversation keeps its
            # language. Tuned on tests/nlu (see README, Languages).
            "min_confidence": 0.7,
            # Shares of langdetect and py3langid (both limited to our languages,
            # Indonesian counted as Malay) in the blend with our own n-gram
            # model for Latin script. Our model knows how our users type; the
            # libraries know general text. Measured on two-word samples and
            # chat messages (README, "Languages").
            "langdetect_weight": DetectorSettings.langdetect_weight,
            "py3langid_weight": DetectorSettings.py3langid_weight,
            # A word that only Tagalog or only Malay speakers type ("ng", "ayoko",
            # "nak", "je"; learnt from the examples) multiplies every other
            # language's probability but Vietnamese by this: English words
            # borrowed in Taglish and Manglish no longer outweigh it.
            "marker_weight": DetectorSettings.marker_weight,
            # Smoothing of the naive Bayes model.
            "alpha": 0.1,
            # Ordinary text of each language (data/background/<lang>.txt and
            # chat_<lang>.txt) also taught to the n-gram model, each line
            # counting this much against one training example: the general
            # vocabulary our topic-bound examples lack.
            "background": "data/background",
            "background_weight": DetectorSettings.background_weight,
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Any extra python dependencies required for this component to run."""
        return ["langdetect", "py3langid", "pythainlp", "laonlp"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """Retrain when the background set or the code run in training changes.

        Rasa reads neither the background set nor the modules this class calls
        (it fingerprints the class's own source only).
        """
        background = fingerprint(
            Path(config.get("background") or cls.get_default_config()["background"])
        )
        return f"{background}:{code_fingerprint([cls.__module__])}"

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[NgramModel] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._settings = DetectorSettings(
            min_words=int(self._config["min_words"]),
            min_confidence=float(self._config["min_confidence"]),
            langdetect_weight=float(self._config["langdetect_weight"]),
            py3langid_weight=float(self._config["py3langid_weight"]),
            marker_weight=float(self._config["marker_weight"]),
        )
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
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
    ) -> "LanguageDetector":
        """Loads the trained n-gram model (see parent class for full docstring)."""
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / MODEL_FILE
                model = NgramModel.from_json(path.read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("No trained language model found; using the libraries.")
        detector = cls(config, model_storage, resource, model)
        detector.process([Message(data={TEXT: "warm up the libraries"})])
        return detector

    def train(self, training_data: TrainingData) -> Resource:
        """Learns the Latin-script languages from the labelled intent examples."""
        examples = [
            (message.get(TEXT), code)
            for message in training_data.intent_examples
            if (code := example_language(message)) in LATIN_CODES
        ]
        background = [
            (line, code)
            for code, lines in read_by_language(
                Path(self._config["background"])
            ).items()
            if code in LATIN_CODES
            for line in lines
        ]
        self._model = NgramModel.fit(
            examples,
            alpha=float(self._config["alpha"]),
            background=background,
            background_weight=float(self._config["background_weight"]),
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_text(self._model.to_json(), encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds `language` to each message (see parent class for full docstring)."""
        for message in messages:
            text = message.get(TEXT) or ""
            detection = detect(text, self._model, self._settings)
            message.set(LANGUAGE, detection.as_dict(), add_to_output=True)
            message.set(LANGUAGE_PROBABILITIES, dict(detection.probabilities))
        return messages
