"""`CrisisDetector`: Rasa graph component that makes sure no crisis is missed.

A thin shell around `bot.safety` (phrases, crisis, crisis_model, risk). Placed
last in the pipeline, it sets the intent and adds
`"risk": "none" | "elevated" | "high"` to every parse result:

- the curated phrases of data/safety/<lang>.yml (read when the server starts,
  so reviewed phrases apply without retraining), each language's phrases on
  messages in that language (English ones on every Latin-script message);
- a crisis classifier trained here on our examples and the background set of
  ordinary sentences (data/background/), so an off-topic message is not taken
  for a crisis because the intent classifier had nothing better;
- the everyday text it learnt from decides which phrases may also match
  without diacritics;
- a language's everyday expressions (`ordinary:` "mệt muốn chết", dead tired)
  cancel a phrase inside them and are taken out of the message before the
  crisis classifier judges the rest (which then needs the `high` probability).
"""

import json
import logging
from pathlib import Path
from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.content.background import fingerprint, read_background
from bot.language.detector import LANGUAGE, LANGUAGE_PROBABILITIES
from bot.language.segment import words
from bot.safety.crisis import CrisisMatcher, Dictionary
from bot.safety.crisis_model import CRISIS_INTENTS, CrisisModel, ModelSettings
from bot.safety.phrases import load_phrase_book
from bot.safety.risk import Thresholds, assess, phrase_languages
from bot.training.fingerprint import code_fingerprint

logger = logging.getLogger(__name__)

RISK = "risk"
INTENT_RANKING = "intent_ranking"
MODEL_FILE = "crisis_model.pkl"
EVERYDAY_FILE = "everyday.json"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class CrisisDetector(GraphComponent):
    """Sets the crisis intent and the risk level of every message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Folder of the curated phrase files, one per language.
            "phrases": "data/safety",
            # Folder of the background set: ordinary sentences, one per line.
            "background": "data/background",
            # Crisis probability from which a message without a phrase is high
            # risk (the crisis script at once, if the intent classifier gives the
            # crisis intents at least `sure_agreement`; elevated otherwise) ...
            "high_threshold": 0.9,
            "sure_agreement": 0.5,
            # ... and from which it is elevated (a caring question first), if
            # the intent classifier gives the crisis intents at least
            # `agreement`, or the message has `long_message` words or more.
            "elevated_threshold": 0.5,
            "agreement": 0.1,
            "long_message": 20,
            # ... with a crisis probability of at least this (see
            # `Thresholds.long_elevated`).
            "long_threshold": 0.6,
            # ... unless the intent classifier gives one of our topics at least
            # this (see `Thresholds.long_topic`).
            "long_topic": 0.99,
            # Fewer words never make a classifier-only crisis ("no", "ok").
            "min_words": 2,
            # Intent confidence below which a demoted crisis intent becomes
            # nlu_fallback (keep equal to FallbackClassifier's threshold).
            "fallback_threshold": 0.15,
            # Another Latin-script language whose phrases also apply when the
            # language detector gives it at least this probability.
            "language_floor": 0.2,
            # Logistic regression of the crisis classifier.
            "c": 4.0,
            # Weight of one background sentence against one training example.
            "background_weight": 1.0,
        }

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> Optional[str]:
        """Retrain when the background set or the code run in training changes.

        Rasa reads neither the background set nor the modules this class calls
        (it fingerprints the class's own source only). The phrases are not
        part of the model: they are read again whenever the model is loaded.
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
        model: Optional[CrisisModel] = None,
        everyday: Optional[list[str]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._thresholds = Thresholds(
            high=float(self._config["high_threshold"]),
            elevated=float(self._config["elevated_threshold"]),
            fallback=float(self._config["fallback_threshold"]),
            min_words=int(self._config["min_words"]),
            agreement=float(self._config["agreement"]),
            sure_agreement=float(self._config["sure_agreement"]),
            long_message=int(self._config["long_message"]),
            long_elevated=float(self._config["long_threshold"]),
            long_topic=float(self._config["long_topic"]),
        )
        self._matcher = self._build_matcher(everyday)

    def _build_matcher(self, everyday: Optional[list[str]]) -> CrisisMatcher:
        book = load_phrase_book(Path(self._config["phrases"]))
        matcher = CrisisMatcher(book, everyday or None, Dictionary.shipped())
        logger.info("Crisis phrases loaded: %d", len(matcher))
        return matcher

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisDetector":
        """Creates an untrained component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "CrisisDetector":
        """Loads the crisis classifier and everyday text (see parent class)."""
        model, everyday = None, None
        try:
            with model_storage.read_from(resource) as directory:
                model = CrisisModel.load(directory / MODEL_FILE)
                everyday = json.loads(
                    (directory / EVERYDAY_FILE).read_text(encoding="utf-8")
                )
        except (ValueError, FileNotFoundError):
            logger.warning("No trained crisis classifier: phrases only.")
        return cls(config, model_storage, resource, model, everyday)

    def train(self, training_data: TrainingData) -> Resource:
        """Learns crisis vs. not from our examples and the background set."""
        examples = [
            (str(m.get(TEXT)), str(m.get(INTENT)))
            for m in training_data.intent_examples
            if m.get(TEXT)
        ]
        background = read_background(Path(self._config["background"]))
        settings = ModelSettings(
            c=float(self._config["c"]),
            background_weight=float(self._config["background_weight"]),
        )
        self._model = CrisisModel.fit(examples, background, settings)
        everyday = [t for t, intent in examples if intent not in CRISIS_INTENTS]
        everyday += background
        self._matcher = self._build_matcher(everyday)
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory / MODEL_FILE)
            (directory / EVERYDAY_FILE).write_text(
                json.dumps(everyday, ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the crisis intent and the risk (see parent class for full docstring)."""
        for message in messages:
            text = message.get(TEXT) or ""
            intent = message.get(INTENT) or {}
            chosen = (
                str(intent.get(INTENT_NAME_KEY) or ""),
                float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0),
            )
            ranking = [chosen] + [
                (str(r.get(INTENT_NAME_KEY)), float(r.get(PREDICTED_CONFIDENCE_KEY)))
                for r in message.get(INTENT_RANKING) or []
                if r.get(INTENT_NAME_KEY) != chosen[0]
            ]
            languages = phrase_languages(
                message.get(LANGUAGE),
                message.get(LANGUAGE_PROBABILITIES),
                float(self._config["language_floor"]),
            )
            match = self._matcher.match(text, languages) if text else None
            # Everyday expressions ("dying of the heat") are taken out before
            # the crisis classifier judges the rest of the message, which then
            # needs the `high` probability.
            remainder = (
                None if match else self._matcher.without_ordinary(text, languages)
            )
            judged = text if remainder is None else remainder
            crisis = (
                self._model.probabilities([judged])[0] if self._model and judged else {}
            )
            verdict = assess(
                match,
                ranking,
                crisis,
                self._thresholds,
                len(words(judged)),
                ordinary=remainder is not None,
            )
            if verdict.intent != chosen[0]:
                new = {
                    INTENT_NAME_KEY: verdict.intent,
                    PREDICTED_CONFIDENCE_KEY: verdict.confidence,
                }
                rest = [
                    r
                    for r in message.get(INTENT_RANKING) or []
                    if r.get(INTENT_NAME_KEY) != verdict.intent
                ]
                message.set(INTENT, new, add_to_output=True)
                message.set(INTENT_RANKING, [new, *rest], add_to_output=True)
            message.set(RISK, verdict.risk, add_to_output=True)
        return messages
