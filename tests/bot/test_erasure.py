import sqlite3
import threading
from pathlib import Path

import pytest

from bot.database import create_engine, retry_policy
from bot.erasure import (
    ErasureFailedError,
    TurnErasure,
    action_policy,
    conversation_engine,
    count_events,
    erase_conversation,
    erasure_of_turn,
)
from bot.settings import Settings
from bot.stores import PrivateSQLTrackerStore


@pytest.mark.parametrize(
    ("steps", "outcome"),
    [
        ([("action", "utter_greet"), ("bot", "utter_greet")], TurnErasure.NONE),
        (
            [
                ("action", "action_delete_conversation"),
                ("bot", "utter_deleted"),
                ("action", "action_listen"),
            ],
            TurnErasure.CONFIRMED,
        ),
        (
            [("action", "action_delete_conversation"), ("action", "action_listen")],
            TurnErasure.ATTEMPTED,
        ),
        (
            [
                ("action", "action_delete_conversation"),
                ("bot", "utter_delete_failed"),
            ],
            TurnErasure.ATTEMPTED,
        ),
        # utter_deleted without the erase action (e.g. sent by something else)
        ([("bot", "utter_deleted")], TurnErasure.NONE),
        # a failed retry after a confirmed one is not a confirmation
        (
            [
                ("action", "action_delete_conversation"),
                ("bot", "utter_deleted"),
                ("action", "action_delete_conversation"),
            ],
            TurnErasure.ATTEMPTED,
        ),
    ],
)
def test_only_a_sent_utter_deleted_confirms(
    steps: list[tuple[str, str]], outcome: TurnErasure
) -> None:
    assert erasure_of_turn(steps) is outcome


def database(tmp_path: Path) -> Path:
    """A real tracker database (made by the store) with two conversations."""
    path = tmp_path / "var" / "rasa.db"
    path.parent.mkdir()
    PrivateSQLTrackerStore(dialect="sqlite", db=str(path))
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "insert into events (sender_id, type_name, timestamp, data) "
            "values (?, 'user', 1.0, ?)",
            [("me", '{"text": "a"}')] * 5 + [("other", '{"text": "b"}')] * 3,
        )
    return path


def test_erasure_deletes_one_conversation_and_verifies(tmp_path: Path) -> None:
    path = database(tmp_path)
    engine = create_engine(f"sqlite:///{path}", busy_timeout=0.5)
    assert erase_conversation(engine, "me", retry_policy(2.0)) == 5
    assert count_events(engine, "me") == 0
    assert count_events(engine, "other") == 3


def test_erasure_under_a_lock_fails_and_deletes_nothing(tmp_path: Path) -> None:
    path = database(tmp_path)
    engine = create_engine(f"sqlite:///{path}", busy_timeout=0.1)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer; readers still read
    try:
        with pytest.raises(ErasureFailedError, match="database is locked"):
            erase_conversation(engine, "me", retry_policy(0.6, waits_per_attempt=2))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert count_events(engine, "me") == 5


def test_erasure_waits_for_a_short_lock(tmp_path: Path) -> None:
    path = database(tmp_path)
    policy = retry_policy(3.0, waits_per_attempt=2)
    engine = create_engine(f"sqlite:///{path}", busy_timeout=policy.busy_timeout)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")

    def release() -> None:
        holder.execute("ROLLBACK")
        holder.close()

    threading.Timer(0.7, release).start()
    assert erase_conversation(engine, "me", policy) == 5
    assert count_events(engine, "me") == 0


def test_erasure_reports_rows_that_remain(tmp_path: Path) -> None:
    path = database(tmp_path)
    engine = create_engine(f"sqlite:///{path}", busy_timeout=0.5)
    with sqlite3.connect(path) as connection:
        # Stands for a write that brings rows back as they are deleted.
        connection.execute(
            "create trigger keep after delete on events when old.sender_id = 'me' "
            "and old.type_name = 'user' begin insert into events "
            "(sender_id, type_name, data) values ('me', 'kept', ''); end"
        )
    with pytest.raises(ErasureFailedError, match="5 rows remain"):
        erase_conversation(engine, "me", retry_policy(1.0))


def test_action_engine_reaches_the_store_database_securely(tmp_path: Path) -> None:
    path = database(tmp_path)
    settings = Settings(tracker_db=path, action_timeout=5)
    policy = action_policy(settings)
    assert policy.worst_case <= 0.7 * settings.action_timeout
    engine = conversation_engine(settings, policy.busy_timeout)
    assert count_events(engine, "me") == 5
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
