"""`SlotsPolicy`: sets the message-derived slots inside the Rasa server.

The `language`, `language_chosen` and `country` slots depend only on the
conversation and the parse output, so Rasa sets them itself: no turn waits
for the action server (a custom slot mapping, `action_validate_slot_mappings`,
used to cost a call to it on every message). The decision is
`bot.policies.message_slots.slot_changes`; this class is a thin shell.

How: Rasa applies the mandatory `events` of every policy's prediction, not
only the winner's, to the tracker before it runs the predicted action
(`MessageProcessor._run_action`) and then stores them. At the first
prediction after one or more user messages this policy returns the slot
changes as `SlotSet` events and predicts nothing (all zeros, lowest
priority), so the first action of the turn, its response in the person's
language included, already sees them. It returns nothing at every later
prediction of the turn.
"""

import logging
from typing import Any, Optional

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.message_slots import (
    COUNTRY,
    LANGUAGE,
    LANGUAGE_CHOSEN,
    MessageFacts,
    facts_of,
    slot_changes,
)

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class SlotsPolicy(Policy):
    """Sets `language`, `language_chosen` and `country` (module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The default config.

        Keys:
            priority: The lowest (0): it never predicts an action.
        """
        return {"priority": 0}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
    ) -> None:
        """A policy without state."""
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn; stores an empty resource so that `load` finds it."""
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """No action; the slot changes after new user messages as events."""
        probabilities = self._default_predictions(domain)
        messages = new_messages(tracker)
        if not messages:
            return self._prediction(probabilities)
        names = {slot.name for slot in domain.slots}
        slots = {
            name: tracker.get_slot(name)
            for name in (LANGUAGE, LANGUAGE_CHOSEN, COUNTRY)
            if name in names
        }
        events: list[Event] = [
            SlotSet(name, value)
            for name, value in slot_changes(slots, messages).items()
            if name in names
        ]
        return self._prediction(probabilities, events=events)


def new_messages(tracker: DialogueStateTracker) -> list[MessageFacts]:
    """The user messages after the conversation's latest action, oldest first.

    Empty once an action ran after them: the slots were set then.
    """
    found: list[MessageFacts] = []
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            break
        if isinstance(event, UserUttered):
            found.append(facts_of(event.parse_data or {}))
    found.reverse()
    return found
