"""Buttons as numbered text, for platforms that cannot show them.

Rasa gives buttons as `{"title": ..., "payload": ...}`. Where a platform has
no buttons (or the channel chooses not to use them), the message becomes the
text followed by "1. Title", "2. Title"..., and the person answers with the
number (or the title). `ButtonMemory` keeps the buttons last offered to each
recipient so that answer maps back to the button's payload. Pure: no Sanic,
no Rasa.
"""

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_RECIPIENTS = 10_000


def numbered_text(text: str, buttons: Sequence[Mapping[str, Any]]) -> str:
    """The text followed by one numbered line per button.

    Args:
        text: The message text (may be empty).
        buttons: Buttons as Rasa gives them (a `title` each).

    Returns:
        The text, then "1. Title", "2. Title"... on lines of their own (the
        text alone without buttons).
    """
    lines = [f"{number}. {_title(button)}" for number, button in enumerate(buttons, 1)]
    return "\n".join([text, *lines] if text else lines)


Offered = tuple[tuple[str, str], ...]


def offered_pairs(buttons: Sequence[Mapping[str, Any]]) -> Offered:
    """The (title, payload) of each button, as remembered for the reply.

    Args:
        buttons: Buttons as Rasa gives them (a button without payload stands
            for its title).

    Returns:
        One pair per button, in order.
    """
    return tuple(
        (_title(button), str(button.get("payload") or _title(button)))
        for button in buttons
    )


def payload_for(offered: Offered, text: str) -> str:
    """The payload a reply stands for, given the buttons offered.

    Args:
        offered: The pairs of the buttons last offered (`offered_pairs`).
        text: The person's reply.

    Returns:
        The payload of the button whose number (or exact title, case
        insensitive) `text` is; else `text` unchanged (a number with no
        button offered included).
    """
    if not offered:
        return text
    answer = text.strip()
    if answer.isdecimal():  # "2", or "๒" typed on a Thai keyboard
        index = int(answer) - 1
        if 0 <= index < len(offered):
            return offered[index][1]
        return text
    folded = answer.casefold()
    for title, payload in offered:
        if title and title.strip().casefold() == folded:
            return payload
    return text


class ButtonMemory:
    """The buttons last offered to each recipient, so "1"/"2" maps to a payload.

    Args:
        size: How many recipients are remembered at most (oldest forgotten
            first).
    """

    def __init__(self, size: int = DEFAULT_RECIPIENTS) -> None:
        self._size = size
        self._offered: OrderedDict[str, Offered] = OrderedDict()

    def remember(self, recipient: str, buttons: Sequence[Mapping[str, Any]]) -> None:
        """Keep the buttons just offered to a recipient (replacing earlier ones).

        Args:
            recipient: The conversation id.
            buttons: Buttons as Rasa gives them; empty forgets the recipient's.
        """
        self._offered.pop(recipient, None)
        pairs = offered_pairs(buttons)
        if not pairs:
            return
        self._offered[recipient] = pairs
        while len(self._offered) > self._size:
            self._offered.popitem(last=False)

    def forget(self, recipient: str) -> None:
        """Drop the buttons offered to a recipient (they answered).

        Args:
            recipient: The conversation id.
        """
        self._offered.pop(recipient, None)

    def resolve(self, recipient: str, text: str) -> str:
        """The payload a reply stands for (`payload_for` of its buttons).

        Args:
            recipient: The conversation id.
            text: The person's reply.

        Returns:
            The payload, or `text` unchanged.
        """
        return payload_for(self._offered.get(recipient, ()), text)


def _title(button: Mapping[str, Any]) -> str:
    return str(button.get("title") or "")


def text_parts(text: str, limit: int) -> list[str]:
    """Split a text a platform would refuse as too long.

    Args:
        text: The message text.
        limit: The most characters the platform takes in one message.

    Returns:
        The text in order, in parts of at most `limit` characters, cut at a
        paragraph break, else a line break, else a space where there is one;
        `[text]` when it fits (an empty text gives `[""]`).
    """
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0)
        cut = cut or max(window.rfind(" "), 0) or limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [part for part in parts if part] or [""]
