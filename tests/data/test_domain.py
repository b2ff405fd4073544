"""domain.yml agrees with the code: actions, slots, responses."""

import ast
import inspect
from typing import Any

import rasa_sdk

from actions import handoff, helplines, language, safety
from bot.languages import CODES
from bot.settings import ROOT

MODULES = [handoff, helplines, language, safety]


def implemented_actions() -> dict[str, str]:
    """Action name -> class name of every concrete action in actions/."""
    found = {}
    for module in MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            concrete = issubclass(cls, rasa_sdk.Action) and not inspect.isabstract(cls)
            if concrete and cls.__module__ == module.__name__:
                found[cls().name()] = cls.__name__
    return found


def test_domain_actions_are_exactly_the_implemented_ones(
    domain: dict[str, Any],
) -> None:
    assert set(domain["actions"]) == set(implemented_actions())


def test_class_names_match_action_names() -> None:
    for action, cls in implemented_actions().items():
        assert cls == "".join(part.title() for part in action.split("_"))


def test_language_slot_values_are_our_languages(domain: dict[str, Any]) -> None:
    assert domain["slots"]["language"]["values"] == list(CODES)


def test_actions_send_response_names_not_text() -> None:
    for path in (ROOT / "actions").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "utter_message"
            ):
                keywords = {k.arg for k in node.keywords}
                assert "text" not in keywords, (
                    f"{path.name}:{node.lineno} sends literal text"
                )
                assert "response" in keywords, (
                    f"{path.name}:{node.lineno} sends no response"
                )


def test_responses_used_by_actions_exist(domain: dict[str, Any]) -> None:
    for path in (ROOT / "actions").glob("*.py"):
        for name in set(
            __import__("re").findall(r'"(utter_[a-z_]+)"', path.read_text("utf-8"))
        ):
            assert name in domain["responses"], f"{path.name} uses unknown {name}"
