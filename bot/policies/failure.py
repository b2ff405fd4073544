"""What to answer when a custom action failed: the pure decision.

Rasa runs a custom action by calling the action server. When that call fails
(server down, hung past the timeout, an error inside the action), Rasa logs
the exception and records `ActionExecuted(<action>)` with nothing after it: no
bot message, no slot. Without help the person would get no answer at all.
`ActionFailurePolicy` (bot/policies/action_failure.py) asks `decide` after
every action and, for such a failed action, predicts a fallback response that
needs nothing but the Rasa server (numbers filled in by bot.nlg), then
`action_listen`.

Pure: must not import Rasa.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

ACTION_LISTEN = "action_listen"


@dataclass(frozen=True)
class Fallback:
    """The answer to one action's failure.

    Attributes:
        response: The response to send instead (an `utter_` name).
        slots: Slots to set with it, e.g. {"crisis": "active"} so that the next
            message is still answered in crisis mode.
    """

    response: str
    slots: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fallbacks:
    """Which fallback answers which action.

    Attributes:
        by_action: Fallbacks of particular actions.
        default: The fallback of every other custom action.
    """

    by_action: Mapping[str, Fallback]
    default: Fallback

    def responses(self) -> frozenset[str]:
        """Every fallback response name."""
        return frozenset(
            [self.default.response, *(f.response for f in self.by_action.values())]
        )

    @classmethod
    def from_config(cls, by_action: Mapping[str, Any], default: str) -> "Fallbacks":
        """Build from the policy's config (see config.yml).

        Args:
            by_action: {action: {"response": name, "slots": {slot: value}}}.
            default: Response of every other custom action.

        Raises:
            ValueError: When an entry has no `utter_` response.
        """
        table = {}
        for action, entry in by_action.items():
            response = str((entry or {}).get("response") or "")
            if not response.startswith("utter_"):
                raise ValueError(f"fallback of {action}: 'response' must be utter_...")
            table[str(action)] = Fallback(response, dict(entry.get("slots") or {}))
        if not default.startswith("utter_"):
            raise ValueError("the default fallback must be an utter_ response")
        return cls(table, Fallback(default))


@dataclass(frozen=True)
class Recent:
    """What the tracker shows since the latest action.

    Attributes:
        action: Name of the latest executed action (None before any).
        followed: Whether any event came after it (a bot message, a slot...).
            A custom action that ran returns at least one message; after a
            failure Rasa records nothing.
        live: Whether the conversation came through a channel (its user
            messages carry message ids). Stories replayed by `rasa test` have
            no bot messages at all, so their custom actions must not be taken
            for failures.
    """

    action: Optional[str]
    followed: bool
    live: bool


@dataclass(frozen=True)
class Decision:
    """What to predict next.

    Attributes:
        action: The action (a fallback response or `action_listen`).
        slots: Slots to set with the prediction.
    """

    action: str
    slots: Mapping[str, Any] = field(default_factory=dict)


def decide(
    recent: Recent, custom_actions: Collection[str], fallbacks: Fallbacks
) -> Optional[Decision]:
    """Whether a custom action failed, and what to say instead.

    Args:
        recent: The latest action and what followed it.
        custom_actions: Names of the custom actions (run by the action server).
        fallbacks: The fallback of each action.

    Returns:
        The fallback response (with its slots) right after a failed custom
        action; `action_listen` right after a fallback response; else None
        (the other policies decide).
    """
    if recent.action is None:
        return None
    if recent.action in fallbacks.responses():
        return Decision(ACTION_LISTEN)
    if recent.live and not recent.followed and recent.action in custom_actions:
        fallback = fallbacks.by_action.get(recent.action, fallbacks.default)
        return Decision(fallback.response, fallback.slots)
    return None
