"""Store failures of the turn being handled, for the channel that handles it.

Rasa wraps every tracker store in `FailSafeTrackerStore`, which swallows a
failed read or write and carries on with an in-memory conversation, so the
person would get a normal reply while their message was never stored. Our
store reports each failure here; the channel that received the message
watches the turn and tells the person to send it again. Pure: no Rasa.

The report travels in a context variable: a channel handler awaits Rasa's
message handling in one task, so the store's report reaches exactly the turn
(and the conversation) it belongs to, even with many conversations at once.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Optional

_FAILURES: ContextVar[Optional[list[str]]] = ContextVar("store_failures", default=None)


@contextmanager
def watch_store() -> Iterator[list[str]]:
    """Collect the store failures of the turn handled inside the block.

    Yields:
        The list the store appends to ("retrieve", "save", "erase"...); empty
        when every store call of the turn succeeded.
    """
    failures: list[str] = []
    token = _FAILURES.set(failures)
    try:
        yield failures
    finally:
        _FAILURES.reset(token)


def report_store_failure(operation: str) -> None:
    """Record that a store operation failed for good (after its retries).

    Args:
        operation: What failed, e.g. "retrieve" or "save".
    """
    failures = _FAILURES.get()
    if failures is not None:
        failures.append(operation)
