"""`LogisticRegressionIntentClassifier`: Rasa's classifier, predicting in place.

Rasa's `LogisticRegressionClassifier` unchanged except that its weights are
kept in Fortran order after training and after loading (`bot.linear`), so
classifying a message no longer copies the 17 MB weight matrix. Same
predictions, same model files.
"""

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier,
)
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.linear import predict_in_place


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class LogisticRegressionIntentClassifier(LogisticRegressionClassifier):
    """Rasa's logistic regression intent classifier (module docstring)."""

    def train(self, training_data: TrainingData) -> Resource:
        """Trains as Rasa does, then keeps the weights in Fortran order."""
        resource = super().train(training_data)
        predict_in_place(self.clf)
        return resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LogisticRegressionClassifier":
        """Loads as Rasa does, then keeps the weights in Fortran order."""
        component = super().load(
            config, model_storage, resource, execution_context, **kwargs
        )
        predict_in_place(component.clf)
        return component
