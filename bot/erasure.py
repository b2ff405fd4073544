"""Erasing a conversation, and checking that it is gone.

When the person confirms "delete my chat", the action server
(`action_delete_conversation`) deletes every stored event of the conversation
from Rasa's `events` table itself, then checks that no row of it remains; only
then does it say it is deleted. The tracker store (bot/stores.py) uses the
same deletion for retention, and does not write the turn of a confirmed
erasure (`erasure_of_turn`). Plain SQLAlchemy, no Rasa: the action server
reaches the database the Rasa server uses through endpoints.yml
(bot/database.py).
"""

import enum
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.database import (
    DatabaseUnavailableError,
    RetryPolicy,
    create_engine,
    database_url,
    retry_policy,
    tracker_store_config,
    with_retries,
)
from bot.settings import Settings

#: The action that erases the conversation, and the answer it gives once the
#: erasure is verified.
ERASE_ACTION = "action_delete_conversation"
ERASED_RESPONSE = "utter_deleted"
#: Share of the action timeout the erasure may use, so the action server
#: always answers before the Rasa server gives up on it.
ACTION_BUDGET_SHARE = 0.6

EVENTS = sa.table(
    "events",
    sa.column("id"),
    sa.column("sender_id"),
    sa.column("timestamp"),
)


class ErasureFailedError(Exception):
    """The conversation could not be deleted, or rows of it remain."""


class TurnErasure(enum.Enum):
    """What a turn did about erasure."""

    NONE = "none"  # the erase action did not run
    ATTEMPTED = "attempted"  # it ran but did not confirm (failed or not verified)
    CONFIRMED = "confirmed"  # it ran, deleted, verified and said so


def erasure_of_turn(steps: Sequence[tuple[str, Optional[str]]]) -> TurnErasure:
    """Whether the turn confirmed an erasure to the person.

    Confirmed only when `utter_deleted` was sent after the erase action ran:
    the action sends it only once the rows are deleted and checked. An erase
    action that failed (action server down, timeout) or answered
    `utter_delete_failed` is merely attempted.

    Args:
        steps: The turn's events since the person's last message, in order:
            ("action", action name) for an executed action, ("bot", response
            name or None) for a bot message; other kinds are ignored.
    """
    ran = confirmed = False
    for kind, name in steps:
        if kind == "action" and name == ERASE_ACTION:
            ran, confirmed = True, False
        elif kind == "bot" and ran and name == ERASED_RESPONSE:
            confirmed = True
    if confirmed:
        return TurnErasure.CONFIRMED
    return TurnErasure.ATTEMPTED if ran else TurnErasure.NONE


def delete_events(engine: Engine, sender_ids: Sequence[str]) -> int:
    """Delete every stored event of the given conversations, in one transaction.

    Returns:
        The number of rows deleted.
    """
    if not sender_ids:
        return 0
    with engine.begin() as connection:
        result = connection.execute(
            EVENTS.delete().where(EVENTS.c.sender_id.in_(list(sender_ids)))
        )
        return int(result.rowcount or 0)


def count_events(engine: Engine, sender_id: str) -> int:
    """How many stored events the conversation has."""
    with engine.connect() as connection:
        query = (
            sa.select(sa.func.count())
            .select_from(EVENTS)
            .where(EVENTS.c.sender_id == sender_id)
        )
        return int(connection.execute(query).scalar() or 0)


def erase_conversation(
    engine: Engine,
    sender_id: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Delete a conversation and check that none of it remains.

    Blocking: call it off the event loop. The deletion is one transaction, so
    a failed attempt deletes nothing; an attempt that deleted but could not
    check is simply run again.

    Args:
        engine: The conversation database (`conversation_engine`).
        sender_id: The conversation.
        policy: Attempts and lock waits (`action_policy`).
        sleep: Pause between attempts (tests replace it).

    Returns:
        The number of rows deleted by the successful attempt.

    Raises:
        ErasureFailedError: The deletion or the check failed after the retries,
            or rows of the conversation remain.
    """

    def attempt() -> tuple[int, int]:
        deleted = delete_events(engine, [sender_id])
        return deleted, count_events(engine, sender_id)

    try:
        deleted, remaining = with_retries(attempt, policy, "erase", sleep=sleep)
    except DatabaseUnavailableError as error:
        raise ErasureFailedError(str(error)) from None
    if remaining:
        raise ErasureFailedError(f"erase: {remaining} rows remain after the deletion")
    return deleted


def action_policy(settings: Settings) -> RetryPolicy:
    """Retries of the erasure in the action server, within its action timeout.

    Each attempt deletes and then counts, so it may wait for a lock twice.
    """
    return retry_policy(
        settings.action_timeout * ACTION_BUDGET_SHARE, waits_per_attempt=2
    )


def conversation_engine(
    settings: Settings, busy_timeout: float, endpoints: Optional[Path] = None
) -> Engine:
    """An engine on the database the tracker store uses.

    Read from the `tracker_store` section of endpoints.yml, with its ${VARS}
    from `settings` (TRACKER_DB...), as the Rasa server reads it.

    Args:
        settings: Runtime settings.
        busy_timeout: Seconds an SQLite statement waits for a lock.
        endpoints: The endpoints file (by default the one Rasa runs with,
            `settings.endpoints_path`).
    """
    config = tracker_store_config(
        endpoints or settings.endpoints_path, settings.child_environment()
    )
    return create_engine(database_url(config), busy_timeout)
