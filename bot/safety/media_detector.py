"""`MediaDetector`: a message carrying an image gets the `send_image` intent.

Images must never be stored, logged or forwarded: a link to an image or video,
or an inline image, sets the intent `send_image`, answered by a kind request not
to send images here and how Take It Down works without uploading anything. The
tracker store replaces the link itself with "[image]" (bot/stores.py), and the
channels turn attachments into the `/send_image` intent before anything else
sees them (bot/channels/rest.py). Runs before `CrisisDetector`, so a crisis in
the same message still wins.
"""

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

from bot.safety.redact import contains_image

SEND_IMAGE = "send_image"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class MediaDetector(GraphComponent):
    """Sets `send_image` for messages that carry an image."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MediaDetector":
        """Creates the component (see parent class for full docstring)."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the intent of image messages (see parent class for full docstring)."""
        for message in messages:
            if contains_image(message.get(TEXT) or ""):
                intent = {INTENT_NAME_KEY: SEND_IMAGE, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, intent, add_to_output=True)
                message.set("intent_ranking", [intent], add_to_output=True)
        return messages
