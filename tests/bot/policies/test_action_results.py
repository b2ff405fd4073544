"""Action server answers are checked as Rasa checks them, with one validator."""

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.policies import action_results
from bot.policies.action_results import check_answers_with_one_validator

VALID: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "language", "value": "th"},
            {"event": "pause"},
            {"event": "bot", "text": "hi"},
        ],
        "responses": [{"response": "utter_crisis", "crisis_lines": "x"}],
    },
    {},
]
INVALID: list[dict[str, Any]] = [
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": ["not an object"]},
]


@pytest.fixture
def action(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    monkeypatch.setattr(action_results, "_validators", {})
    check_answers_with_one_validator()
    check_answers_with_one_validator()  # idempotent
    return RemoteAction("action_show_helplines", None)


def rasa_accepts(result: dict[str, Any]) -> bool:
    """What Rasa 3.6's own check (`jsonschema.validate`) says."""
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError:
        return False
    return True


@pytest.mark.parametrize("result", VALID)
def test_valid_answers_pass(action: RemoteAction, result: dict[str, Any]) -> None:
    assert rasa_accepts(result)
    assert action._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_answers_raise_rasas_error(
    action: RemoteAction, result: dict[str, Any]
) -> None:
    assert not rasa_accepts(result)
    with pytest.raises(jsonschema.ValidationError) as raised:
        action._validate_action_result(result)
    assert "Failed to validate Action server response from API" in raised.value.message
    assert "/custom-actions" in raised.value.message


def test_the_schema_is_checked_once_per_action_class(
    action: RemoteAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[Any] = []
    kind = jsonschema.validators.validator_for(
        RemoteAction.action_response_format_spec()
    )
    original = kind.check_schema
    monkeypatch.setattr(
        kind,
        "check_schema",
        classmethod(lambda cls, s: checked.append(s) or original(s)),
    )
    for _ in range(3):
        action._validate_action_result({"events": []})
        RemoteAction("action_answer_country", None)._validate_action_result({})
    assert len(checked) == 1
