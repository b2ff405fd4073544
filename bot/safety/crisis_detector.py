"""`CrisisDetector`: Rasa graph component that makes sure no crisis is missed.

A thin shell around `bot.safety.crisis`. Placed last in the pipeline, it checks
every message against the curated phrases of all six languages
(data/safety/<lang>.yml, read when the server starts, so reviewed phrases apply
without retraining) and combines them with the classifier's intent: a matching
phrase sets the crisis intent whatever the classifier said (also over
`nlu_fallback`). It adds `"risk": "none" | "elevated" | "high"` to every parse
result.
"""

import logging
from pathlib import Path
from typing import Any

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

from bot.safety.crisis import CrisisMatcher, assess, load_matcher

logger = logging.getLogger(__name__)

RISK = "risk"
INTENT_RANKING = "intent_ranking"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CrisisDetector(GraphComponent):
    """Overrides the intent with a crisis intent when a crisis phrase matches."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Folder of the curated phrase files, one per language.
            "phrases": "data/safety",
            # Classifier confidence from which a crisis intent alone is high risk.
            "classifier_threshold": 0.5,
        }

    def __init__(self, config: dict[str, Any], matcher: CrisisMatcher) -> None:
        self._config = {**self.get_default_config(), **config}
        self._matcher = matcher

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisDetector":
        """Loads the phrases (see parent class for full docstring)."""
        merged = {**cls.get_default_config(), **config}
        matcher = load_matcher(Path(merged["phrases"]))
        logger.info("Crisis phrases loaded: %d", len(matcher))
        return cls(merged, matcher)

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the crisis intent and the risk (see parent class for full docstring)."""
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY) or ""
            confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            match = self._matcher.match(message.get(TEXT) or "")
            verdict = assess(
                match, name, confidence, self._config["classifier_threshold"]
            )
            if verdict.intent != name:
                new = {INTENT_NAME_KEY: verdict.intent, PREDICTED_CONFIDENCE_KEY: 1.0}
                ranking = [
                    r
                    for r in message.get(INTENT_RANKING) or []
                    if r.get(INTENT_NAME_KEY) != verdict.intent
                ]
                message.set(INTENT, new, add_to_output=True)
                message.set(INTENT_RANKING, [new, *ranking], add_to_output=True)
            message.set(RISK, verdict.risk, add_to_output=True)
        return messages
