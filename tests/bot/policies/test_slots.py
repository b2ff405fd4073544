"""`SlotsPolicy` on real Rasa trackers, with the real domain and Rasa's ensemble."""

from pathlib import Path
from typing import Any, Optional

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    ConversationResumed,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.slots import SlotsPolicy
from bot.settings import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path: Path) -> SlotsPolicy:
    return SlotsPolicy.create(
        SlotsPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("slots"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def user(
    text: str,
    language: Optional[str],
    intent: str = "greet",
    entities: Optional[list[dict[str, Any]]] = None,
    decided: bool = True,
) -> UserUttered:
    parse: dict[str, Any] = {}
    if language:
        parse["language"] = {"code": language, "confidence": 0.99, "decided": decided}
    return UserUttered(
        text, {"name": intent, "confidence": 1.0}, entities or [], parse_data=parse
    )


def tracker(*events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "t", [ActionExecuted("action_listen"), *events], slots=DOMAIN.slots
    )


def events_of(policy: SlotsPolicy, state: DialogueStateTracker) -> list[Event]:
    prediction = policy.predict_action_probabilities(state, DOMAIN)
    assert prediction.max_confidence == 0.0  # never predicts an action
    return list(prediction.events)


def test_the_first_prediction_after_a_message_sets_the_language(
    policy: SlotsPolicy,
) -> None:
    state = tracker(user("may nagbabanta sa akin na ikakalat daw pics ko", "tl"))
    assert events_of(policy, state) == [SlotSet("language", "tl")]


def test_later_predictions_of_the_turn_set_nothing(policy: SlotsPolicy) -> None:
    state = tracker(
        user("may nagbabanta sa akin na ikakalat daw pics ko", "tl"),
        SlotSet("language", "tl"),
        ActionExecuted("utter_first_aid"),
    )
    assert events_of(policy, state) == []


def test_a_slot_set_by_the_extraction_is_seen(policy: SlotsPolicy) -> None:
    # Rasa's from_entity extraction runs before the policies: a lower-case
    # country code it set is corrected, the language is left as it is.
    state = tracker(
        SlotSet("language", "en"),
        ActionExecuted("action_listen"),
        user("/inform_country", None, "inform_country"),
        SlotSet("country", "ph"),
    )
    assert events_of(policy, state) == [SlotSet("country", "PH")]


def test_a_change_request_marks_the_language_chosen(policy: SlotsPolicy) -> None:
    state = tracker(
        SlotSet("language", "en"),
        ActionExecuted("action_listen"),
        user(
            "can we talk in tagalog",
            "en",
            "change_language",
            [{"entity": "language", "value": "tl", "start": 15, "end": 22}],
        ),
    )
    assert events_of(policy, state) == [
        SlotSet("language", "tl"),
        SlotSet("language_chosen", True),
    ]


def test_messages_while_paused_count_when_the_bot_resumes(
    policy: SlotsPolicy,
) -> None:
    state = tracker(
        SlotSet("language", "en"),
        ActionExecuted("action_handoff_claimed"),
        ConversationPaused(),
        user("may nagbabanta sa akin na ikakalat daw pics ko", "tl"),
        user("ok", "en", decided=False),
        ConversationResumed(),
        UserUttered(None, {"name": "EXTERNAL_handoff_closed", "confidence": 1.0}),
    )
    assert events_of(policy, state) == [SlotSet("language", "tl")]


def test_the_ensemble_applies_the_events_whoever_wins(policy: SlotsPolicy) -> None:
    # Rasa applies the mandatory events of every prediction, not only those
    # of the winning policy: what this policy relies on.
    state = tracker(user("toi bi doa tung anh", "vi"))
    winner = PolicyPrediction.for_action_name(DOMAIN, "utter_first_aid_steps", "Rule")
    ours = policy.predict_action_probabilities(state, DOMAIN)
    ensemble = DefaultPolicyPredictionEnsemble.create(
        {},
        LocalModelStorage(Path(".")),
        Resource("e"),
        ExecutionContext(GraphSchema({}), "t"),
    )
    combined = ensemble.combine_predictions_from_kwargs(
        state, DOMAIN, rule=winner, slots=ours
    )
    assert combined.policy_name == "Rule"
    assert SlotSet("language", "vi") in combined.events
