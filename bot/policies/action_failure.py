"""`ActionFailurePolicy`: an answer even when a custom action fails.

The crisis answer must need nothing but the Rasa server. Two parts:

- A short action timeout. Rasa 3.6's `RemoteAction.run` calls the action server
  with `timeout=DEFAULT_REQUEST_TIMEOUT`, a module-level name of
  `rasa.core.actions.action` (300 s) that no setting changes. This policy is
  built once in the Rasa server process when the model loads, so at that moment
  it replaces that one name with `Settings.action_timeout` (ACTION_TIMEOUT): the
  least invasive change, nothing of Rasa is subclassed or copied. It is an
  `aiohttp.ClientTimeout` on connecting and on reading (no total): aiohttp then
  raises `ServerTimeoutError`, a connection error that Rasa turns into its own
  `RasaException`, which both the action runner (`MessageProcessor._run_action`)
  and the slot extraction (`ActionExtractSlots._run_custom_action`) catch. A
  plain number would raise `asyncio.TimeoutError`, which the slot extraction
  does not catch: the whole turn would be lost.
- One schema validator for the action server's answers
  (bot/policies/action_results.py), also set up here when the model loads:
  Rasa otherwise re-checks the JSON schema itself on every custom action.
- A fallback prediction. After a failed custom action Rasa records
  `ActionExecuted(<action>)` and nothing after it; this policy then predicts
  the action's fallback response (config.yml: the crisis fallback for
  `action_respond_to_crisis`, with `crisis: active` so the next message is
  still answered in crisis mode), then `action_listen`. The decision is
  `bot.policies.failure.decide`; the numbers are filled in by bot.nlg.

Its priority is above RulePolicy's, so its prediction wins whenever it makes
one; otherwise it predicts nothing (all zeros).
"""

import logging
from collections.abc import Mapping
from typing import Any, Optional

import aiohttp
import rasa.core.actions.action
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language.choice import choose_language
from bot.policies.action_results import check_answers_with_one_validator
from bot.policies.failure import ACTION_LISTEN, Decision, Fallbacks, Recent, decide
from bot.settings import Settings

logger = logging.getLogger(__name__)

LANGUAGE = "language"
LANGUAGE_CHOSEN = "language_chosen"
CHANGE_LANGUAGE = "change_language"


def set_action_timeout(seconds: float) -> None:
    """Make Rasa wait at most `seconds` to connect to, or hear from, the action server.

    Process-wide and idempotent (see the module docstring for why here).
    """
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = aiohttp.ClientTimeout(
        total=None, sock_connect=seconds, sock_read=seconds
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class ActionFailurePolicy(Policy):
    """Predicts a fallback response after a failed custom action (module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The default config (config.yml sets every key explicitly).

        Keys:
            priority: Above RulePolicy (4), so a fallback wins over any rule.
            fallbacks: {action: {response: utter_..., slots: {slot: value}}}.
            default: The response after any other failed custom action.
        """
        return {"priority": 5, "fallbacks": {}, "default": "utter_action_failed"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
    ) -> None:
        """Reads the fallbacks; sets the action timeout and the answer check."""
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.fallbacks = Fallbacks.from_config(
            config.get("fallbacks") or {}, str(config.get("default"))
        )
        timeout = Settings.from_env().action_timeout
        set_action_timeout(timeout)
        check_answers_with_one_validator()
        logger.info("Custom actions time out after %.1f s.", timeout)

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
        """The fallback after a failed custom action, else nothing (all zeros)."""
        probabilities = self._default_predictions(domain)
        custom = [a for a in domain.user_actions if not a.startswith("utter_")]
        decision = decide(recent_of(tracker), custom, self.fallbacks)
        if decision is None:
            return self._prediction(probabilities)
        if decision.action not in domain.action_names_or_texts:
            # A fallback response missing from the domain: the default one.
            decision = Decision(self.fallbacks.default.response, decision.slots)
        probabilities[domain.index_for_action(decision.action)] = 1.0
        if decision.action == ACTION_LISTEN:
            return self._prediction(probabilities)
        logger.warning(
            "Custom action '%s' failed; answering with '%s'.",
            tracker.latest_action_name,
            decision.action,
        )
        events = slot_events(decision, tracker, domain)
        return self._prediction(probabilities, events=events)


def recent_of(tracker: DialogueStateTracker) -> Recent:
    """The latest action, whether anything followed it, and whether it is live."""
    followed = False
    action: Optional[str] = None
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            action = event.action_name
            break
        followed = True
    live = any(isinstance(e, UserUttered) and e.message_id for e in tracker.events)
    return Recent(action, followed, live)


def slot_events(
    decision: Decision, tracker: DialogueStateTracker, domain: Domain
) -> list[Event]:
    """The decision's slots, and the conversation's language.

    The language slot is normally already set by `SlotsPolicy` before the
    turn's first action; the same pure rule (`choose_language`) runs here too,
    so the fallback is in the person's language whatever happened before. It
    is idempotent: when the slot is current, the result is its value.
    """
    slots = {slot.name for slot in domain.slots}
    events: list[Event] = [
        SlotSet(name, value) for name, value in decision.slots.items() if name in slots
    ]
    if LANGUAGE in slots:
        message: Mapping[str, Any] = (
            tracker.latest_message.parse_data if (tracker.latest_message) else {}
        )
        requested = None
        if (message.get("intent") or {}).get("name") == CHANGE_LANGUAGE:
            requested = next(tracker.get_latest_entity_values(LANGUAGE), None)
        choice = choose_language(
            current=tracker.get_slot(LANGUAGE),
            chosen=bool(tracker.get_slot(LANGUAGE_CHOSEN)),
            detection=message.get(LANGUAGE),
            text=str(message.get("text") or ""),
            requested=requested,
        )
        events.append(SlotSet(LANGUAGE, choice.language))
        if LANGUAGE_CHOSEN in slots:
            events.append(SlotSet(LANGUAGE_CHOSEN, choice.chosen))
    return events
