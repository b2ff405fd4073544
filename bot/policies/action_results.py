"""Check the action server's answers against a schema that is checked once.

Rasa 3.6 checks every answer of the action server with `jsonschema.validate`
(`RemoteAction._validate_action_result`). With jsonschema 4 that function
first checks the schema itself against the JSON Schema meta-schema, every
time: measured on this project, about 40 ms of the Rasa server's CPU per
custom action, nearly half of a turn's (profiled with pyinstrument; README,
"Speed"). `check_answers_with_one_validator` replaces that one method with
one that checks the same schema (still checked, once per action class) with
one validator built once, and raises the same `ValidationError` with the same
message. Called once in the Rasa server process when the model loads
(`ActionFailurePolicy`), like the action timeout; idempotent.
"""

from typing import Any

import rasa.core.actions.action
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_MARK = "_checked_with_one_validator"
_validators: dict[type, Any] = {}


def validator_of(action: RemoteAction) -> Any:
    """The validator of an action class's answers (its schema checked once)."""
    kind = type(action)
    validator = _validators.get(kind)
    if validator is None:
        schema = action.action_response_format_spec()
        cls = validator_for(schema)
        cls.check_schema(schema)
        validator = _validators[kind] = cls(schema)
    return validator


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's check of an action server answer, with a validator built once.

    Raises:
        ValidationError: The answer does not fit the schema (Rasa's message).
    """
    error: ValidationError = best_match(validator_of(self).iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            "For more information about the format visit "
            f"{rasa.core.actions.action.DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def check_answers_with_one_validator() -> None:
    """Make Rasa check action server answers with one validator (idempotent)."""
    if getattr(RemoteAction._validate_action_result, _MARK, False):
        return
    setattr(validate_action_result, _MARK, True)
    RemoteAction._validate_action_result = validate_action_result
