"""`ActionFailurePolicy` on real Rasa trackers, with the real domain and config."""

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import rasa.core.actions.action
import yaml
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot.policies.action_failure import ActionFailurePolicy
from bot.settings import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def policy_config() -> dict[str, Any]:
    """The policy's entry of config.yml, over its defaults."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    entry = next(
        p for p in config["policies"] if p["name"].endswith("ActionFailurePolicy")
    )
    return {**ActionFailurePolicy.get_default_config(), **entry}


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Creating the policy sets Rasa's action timeout; undo it after the test.
    monkeypatch.setattr(
        rasa.core.actions.action,
        "DEFAULT_REQUEST_TIMEOUT",
        rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT,
    )
    monkeypatch.setenv("ACTION_TIMEOUT", "0.5")
    yield ActionFailurePolicy.create(
        policy_config(),
        LocalModelStorage(tmp_path),
        Resource("action_failure"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def user(text: str, intent: str, language: str, live: bool = True) -> UserUttered:
    return UserUttered(
        text,
        {"name": intent, "confidence": 1.0},
        parse_data={"language": {"code": language, "confidence": 1.0, "decided": True}},
        message_id="m1" if live else None,
    )


def tracker(*events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "t", [ActionExecuted("action_listen"), *events], slots=DOMAIN.slots
    )


def predicted(policy: Any, state: DialogueStateTracker) -> tuple[str, list[Event]]:
    prediction = policy.predict_action_probabilities(state, DOMAIN)
    if prediction.max_confidence == 0:
        return "", prediction.events
    return DOMAIN.action_names_or_texts[prediction.max_confidence_index], list(
        prediction.events
    )


def test_a_failed_crisis_action_gets_the_crisis_fallback_in_crisis_mode(
    policy: Any,
) -> None:
    state = tracker(
        user("ฉันอยากตาย", "crisis_self_harm", "th"),
        ActionExecuted("action_respond_to_crisis", policy="RulePolicy"),
    )
    action, events = predicted(policy, state)
    assert action == "utter_crisis_fallback"
    # crisis mode stays on, and the reply is in the message's language even
    # though the action server's slot extraction did not run
    assert SlotSet("crisis", "active") in events
    assert SlotSet("language", "th") in events


def test_a_failed_crisis_action_keeps_a_chosen_language(policy: Any) -> None:
    state = tracker(
        SlotSet("language", "lo"),
        SlotSet("language_chosen", True),
        user("no", "deny", "en"),
        ActionExecuted("action_respond_to_crisis", policy="RulePolicy"),
    )
    _, events = predicted(policy, state)
    assert SlotSet("language", "lo") in events


def test_other_failed_actions_get_their_fallbacks(policy: Any) -> None:
    for name, response in [
        ("action_show_helplines", "utter_action_failed"),
        ("action_answer_country", "utter_action_failed"),
        ("action_delete_conversation", "utter_delete_failed"),
    ]:
        state = tracker(user("x", "greet", "en"), ActionExecuted(name))
        assert predicted(policy, state)[0] == response


def test_after_the_fallback_it_listens(policy: Any) -> None:
    state = tracker(
        user("I want to die", "crisis_self_harm", "en"),
        ActionExecuted("action_respond_to_crisis"),
        SlotSet("crisis", "active"),
        ActionExecuted("utter_crisis_fallback"),
        BotUttered("You matter..."),
    )
    assert predicted(policy, state) == ("action_listen", [])


def test_an_action_that_ran_is_left_to_the_other_policies(policy: Any) -> None:
    state = tracker(
        user("I want to die", "crisis_self_harm", "en"),
        ActionExecuted("action_respond_to_crisis"),
        BotUttered("I'm really glad you told me."),
        SlotSet("crisis", "active"),
    )
    assert predicted(policy, state) == ("", [])


def test_a_story_replayed_by_rasa_test_is_not_a_failure(policy: Any) -> None:
    state = tracker(
        user("I want to die", "crisis_self_harm", "en", live=False),
        ActionExecuted("action_respond_to_crisis", policy="RulePolicy"),
    )
    assert predicted(policy, state) == ("", [])


def test_a_response_or_the_start_is_left_to_the_other_policies(policy: Any) -> None:
    assert predicted(policy, tracker(user("hi", "greet", "en"))) == ("", [])
    state = tracker(user("hi", "greet", "en"), ActionExecuted("utter_greet"))
    assert predicted(policy, state) == ("", [])


def test_rasa_waits_for_a_hung_action_server_only_the_configured_time(
    policy: Any,
) -> None:
    """A server that accepts but never answers: RasaException after ~0.5 s.

    RasaException (not asyncio.TimeoutError) is what Rasa's slot extraction
    catches, so the turn goes on to the fallback.
    """
    timeout = rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT
    assert isinstance(timeout, aiohttp.ClientTimeout)
    assert timeout.sock_read == 0.5
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)  # the kernel accepts the connection; nobody answers
        port = hung.getsockname()[1]
        action = RemoteAction(
            "action_respond_to_crisis",
            EndpointConfig(f"http://127.0.0.1:{port}/webhook"),
        )
        started = time.monotonic()
        with pytest.raises(RasaException):
            asyncio.run(
                action.run(
                    CollectingOutputChannel(),
                    TemplatedNaturalLanguageGenerator(DOMAIN.responses),
                    tracker(user("x", "greet", "en")),
                    DOMAIN,
                )
            )
        assert 0.4 < time.monotonic() - started < 3
