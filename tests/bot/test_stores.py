import asyncio
import json
import sqlite3
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.database import DatabaseUnavailableError, restrict_sqlite_files, retry_policy
from bot.erasure import erase_conversation
from bot.settings import ROOT
from bot.store_health import watch_store
from bot.stores import PrivateSQLTrackerStore


def store(tmp_path: Path, **kwargs: float) -> PrivateSQLTrackerStore:
    """A real store on a temporary SQLite file."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    return PrivateSQLTrackerStore(
        domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"), **kwargs
    )


def stored_rows(tmp_path: Path) -> list[tuple[str, dict]]:
    with sqlite3.connect(tmp_path / "t.db") as connection:
        rows = connection.execute(
            "select sender_id, data from events order by id"
        ).fetchall()
    return [(sender, json.loads(data)) for sender, data in rows]


def conversation(
    sender: str, text: str, timestamp: float | None = None
) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, [])
    tracker.update(
        UserUttered(
            text,
            {"name": "greet"},
            parse_data={"text": text},
            metadata={"attachments": ["x"]},
            timestamp=timestamp,
        )
    )
    tracker.update(BotUttered("hi", timestamp=timestamp))
    return tracker


async def test_user_text_is_stored_redacted_without_metadata(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    await tracker_store.save(conversation("a", "call me 0917 123 4567 or a@b.com"))
    user = next(data for _, data in stored_rows(tmp_path) if data["event"] == "user")
    assert user["text"] == "call me [phone] or [email]"
    assert user["parse_data"]["text"] == "call me [phone] or [email]"
    assert not user.get("metadata")
    assert "0917 123" not in json.dumps(stored_rows(tmp_path))


async def test_names_handles_schools_and_addresses_are_stored_redacted(
    tmp_path: Path,
) -> None:
    tracker_store = store(tmp_path)
    text = (
        "my name is Maria Santos, his ig is jake.x99 facebook.com/jake.x99, "
        "she is 14 and goes to St. Scholastica's, Brgy San Isidro, Quezon City, "
        "nhà em ở 25 Lê Lợi, Quận 1"
    )
    await tracker_store.save(conversation("pii", text))
    stored = json.dumps(stored_rows(tmp_path), ensure_ascii=False)
    for secret in ("Maria", "Santos", "jake.x99", "Scholastica", "Isidro", "Lê Lợi"):
        assert secret not in stored
    for kept in ("my name is", "she is 14 and goes to", "Quezon City"):
        assert kept in stored
    for placeholder in ("[name]", "[handle]", "[link]", "[school]", "[address]"):
        assert placeholder in stored


async def test_expired_conversations_are_purged_on_request(tmp_path: Path) -> None:
    tracker_store = store(tmp_path, retention_days=30)
    assert tracker_store.purge_expired() == 0
    old = time.time() - 31 * 86400
    await tracker_store.save(conversation("old", "hello", timestamp=old))
    await tracker_store.save(conversation("new", "hello"))
    assert {sender for sender, _ in stored_rows(tmp_path)} == {"old", "new"}
    assert tracker_store.purge_expired() == 1
    assert {sender for sender, _ in stored_rows(tmp_path)} == {"new"}


async def test_a_turn_never_purges(tmp_path: Path) -> None:
    # Retention runs only in bot.retention (the launcher's schedule, or cron),
    # never inside a person's turn.
    tracker_store = store(tmp_path, retention_days=1)
    await tracker_store.save(
        conversation("old", "hello", timestamp=time.time() - 2 * 86400)
    )
    await tracker_store.save(conversation("new", "hello"))
    assert {sender for sender, _ in stored_rows(tmp_path)} == {"old", "new"}
    assert tracker_store.purge_expired() == 1


class RecordingBroker(EventBroker):
    """An event broker that keeps what is published."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)


async def test_each_turn_reads_once_and_publishes_exactly_its_new_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = RecordingBroker()
    tracker_store = store(tmp_path)
    tracker_store.event_broker = broker
    reads: list[str] = []
    read = tracker_store._read_tracker

    def counted(sender_id: str, all_sessions: bool) -> Any:
        reads.append(sender_id)
        return read(sender_id, all_sessions)

    monkeypatch.setattr(tracker_store, "_read_tracker", counted)
    first = conversation("c", "call me 0917 123 4567")
    await tracker_store.save(first)
    assert [e["event"] for e in broker.published] == ["user", "bot"]
    # brokers redact what they forward themselves (as with Rasa's streaming)
    assert broker.published[0]["text"] == "call me 0917 123 4567"
    assert {e["sender_id"] for e in broker.published} == {"c"}

    broker.published.clear()
    second = await tracker_store.retrieve("c")
    assert second is not None
    second.update(UserUttered("thanks", {"name": "thank"}))
    second.update(BotUttered("you're welcome"))
    await tracker_store.save(second)
    assert [(e["event"], e.get("text")) for e in broker.published] == [
        ("user", "thanks"),
        ("bot", "you're welcome"),
    ]
    assert reads == ["c"]  # the retrieve above; saving read nothing
    assert [d["event"] for _, d in stored_rows(tmp_path)] == [
        "user",
        "bot",
        "user",
        "bot",
    ]


async def test_a_failed_write_publishes_nothing(tmp_path: Path) -> None:
    broker = RecordingBroker()
    tracker_store = store(tmp_path, budget_seconds=0.3)
    tracker_store.event_broker = broker
    locker = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        await tracker_store.save(conversation("locked", "hello"))
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert broker.published == []
    assert stored_rows(tmp_path) == []


# Erasure: the store writes nothing of a confirmed erasure and erases nothing itself.


def erase_turn(tracker: DialogueStateTracker, response: str | None) -> None:
    tracker.update(UserUttered("yes", {"name": "affirm"}))
    tracker.update(ActionExecuted("action_delete_conversation"))
    if response:
        tracker.update(BotUttered("...", metadata={"utter_action": response}))
    tracker.update(ActionExecuted("action_listen"))


async def test_confirmed_erasure_turn_is_not_written(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    tracker = conversation("me", "delete my chat")
    await tracker_store.save(tracker)
    await tracker_store.save(conversation("other", "hi"))
    erase_conversation(tracker_store.engine, "me", retry_policy(1.0))  # the action
    erase_turn(tracker, "utter_deleted")
    await tracker_store.save(tracker)
    assert {sender for sender, _ in stored_rows(tmp_path)} == {"other"}


async def test_failed_erase_action_deletes_nothing_and_stores_the_turn(
    tmp_path: Path,
) -> None:
    """The old store erased on ActionExecuted alone, even when the action failed."""
    tracker_store = store(tmp_path)
    tracker = conversation("me", "delete my chat")
    await tracker_store.save(tracker)
    for response in (None, "utter_delete_failed"):
        erase_turn(tracker, response)
        await tracker_store.save(tracker)
        stored = [data for sender, data in stored_rows(tmp_path) if sender == "me"]
        assert len(stored) == len(tracker.events)
        assert stored[-1]["event"] == "action"


async def test_a_conversation_deleted_by_a_timed_out_action_is_not_written_back(
    tmp_path: Path,
) -> None:
    tracker_store = store(tmp_path)
    tracker = conversation("me", "delete my chat")
    await tracker_store.save(tracker)
    erase_conversation(tracker_store.engine, "me", retry_policy(1.0))
    erase_turn(tracker, None)  # the Rasa server gave up on the action
    await tracker_store.save(tracker)
    assert stored_rows(tmp_path) == []


# Locks: wait, retry, report; never block the event loop; never lose silently.


class Lock:
    """Another connection holding a write lock on the database file."""

    def __init__(self, path: Path, mode: str = "EXCLUSIVE") -> None:
        self.connection = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False
        )
        self.connection.execute(f"BEGIN {mode}")

    def release(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()

    def release_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.release)
        timer.start()
        return timer


async def longest_pause_of_loop_during(coroutine: Any) -> tuple[Any, float]:
    """Run `coroutine` while a ticker measures how long the loop was blocked."""
    pauses: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.02)
            now = time.monotonic()
            pauses.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    try:
        result = await coroutine
    except Exception as error:
        result = error
    done.set()
    await ticker
    return result, max(pauses, default=0.0)


async def test_save_waits_for_a_short_lock_and_stores(tmp_path: Path) -> None:
    tracker_store = store(tmp_path, budget_seconds=3)
    await tracker_store.save(conversation("me", "hello"))
    tracker = await tracker_store.retrieve("me")
    assert tracker is not None
    tracker.update(UserUttered("still there?", {"name": "greet"}))
    lock = Lock(tmp_path / "t.db")
    lock.release_after(1.0)
    with watch_store() as failures:
        started = time.monotonic()
        _, pause = await longest_pause_of_loop_during(tracker_store.save(tracker))
    assert failures == []
    assert time.monotonic() - started >= 0.5  # it did wait for the lock
    assert pause < 0.5  # ... without blocking the event loop
    assert "still there?" in json.dumps(stored_rows(tmp_path))


async def test_save_under_a_long_lock_is_reported_not_silently_lost(
    tmp_path: Path,
) -> None:
    tracker_store = store(tmp_path, budget_seconds=1)
    await tracker_store.save(conversation("me", "hello"))
    tracker = await tracker_store.retrieve("me")
    assert tracker is not None
    tracker.update(UserUttered("lost?", {"name": "greet"}))
    lock = Lock(tmp_path / "t.db")
    try:
        with watch_store() as failures:
            started = time.monotonic()
            result, pause = await longest_pause_of_loop_during(
                tracker_store.save(tracker)
            )
        elapsed = time.monotonic() - started
    finally:
        lock.release()
    assert result is None  # not raised: Rasa would log its SQL parameters
    assert failures == ["save"]
    assert elapsed < tracker_store.policy.worst_case + 1.0
    assert pause < 0.5
    assert "lost?" not in json.dumps(stored_rows(tmp_path))


async def test_retrieve_under_a_long_lock_reports_raises_and_writes_nothing(
    tmp_path: Path,
) -> None:
    """Before: FailSafe went on with an empty tracker that then overwrote context."""
    tracker_store = store(tmp_path, budget_seconds=1)
    await tracker_store.save(conversation("me", "hello"))
    before = stored_rows(tmp_path)
    lock = Lock(tmp_path / "t.db")
    try:
        with watch_store() as failures:
            result, pause = await longest_pause_of_loop_during(
                tracker_store.retrieve("me")
            )
    finally:
        lock.release()
    assert isinstance(result, DatabaseUnavailableError)
    assert "database is locked" in str(result)
    assert "SELECT" not in str(result)  # no SQL (nor its parameters) in the log
    assert failures == ["retrieve"]
    assert pause < 0.5
    # Rasa goes on with a new, empty tracker: nothing of it may be written.
    fresh = DialogueStateTracker("me", [])
    fresh.update(UserUttered("second message", {"name": "greet"}))
    await tracker_store.save(fresh)
    assert stored_rows(tmp_path) == before
    # The next successful read lifts this.
    tracker = await tracker_store.retrieve("me")
    assert tracker is not None
    tracker.update(UserUttered("third message", {"name": "greet"}))
    await tracker_store.save(tracker)
    assert "third message" in json.dumps(stored_rows(tmp_path))


async def test_failsafe_store_returns_none_after_the_report(tmp_path: Path) -> None:
    from rasa.core.tracker_store import FailSafeTrackerStore

    tracker_store = store(tmp_path, budget_seconds=0.5)
    await tracker_store.save(conversation("me", "hello"))
    lock = Lock(tmp_path / "t.db")
    try:
        with watch_store() as failures:
            assert await FailSafeTrackerStore(tracker_store).retrieve("me") is None
    finally:
        lock.release()
    assert failures == ["retrieve"]


# Disk: secure delete and file permissions.


def build_default_off(connection: Any, record: Any) -> None:
    """Stands for an SQLite built with secure delete off (ours has it on)."""
    connection.execute("PRAGMA secure_delete=OFF")


async def test_store_connections_use_secure_delete(tmp_path: Path) -> None:
    """Not left to SQLite's build default."""
    import sqlalchemy as sa

    tracker_store = store(tmp_path)
    sa.event.listen(tracker_store.engine, "connect", build_default_off, insert=True)
    with tracker_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


async def test_deleted_text_does_not_linger_in_the_file(tmp_path: Path) -> None:
    import sqlalchemy as sa

    tracker_store = store(tmp_path)
    sa.event.listen(tracker_store.engine, "connect", build_default_off, insert=True)
    marker = "zebrafinchmarker"
    await tracker_store.save(conversation("me", f"{marker} " * 200))
    assert marker.encode() in (tmp_path / "t.db").read_bytes()
    assert tracker_store.delete_conversations(["me"]) > 0
    assert marker.encode() not in (tmp_path / "t.db").read_bytes()


async def test_database_file_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "var"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    path = folder / "rasa.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    PrivateSQLTrackerStore(dialect="sqlite", db=str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_existing_journal_files_are_made_private(tmp_path: Path) -> None:
    path = tmp_path / "rasa.db"
    for suffix in ("", "-journal", "-wal"):
        Path(f"{path}{suffix}").touch()
        Path(f"{path}{suffix}").chmod(0o644)
    restrict_sqlite_files(path)
    for suffix in ("", "-journal", "-wal"):
        assert stat.S_IMODE(Path(f"{path}{suffix}").stat().st_mode) == 0o600


def test_new_database_folder_and_file_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "rasa.db"
    restrict_sqlite_files(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_shared_folder_is_left_alone(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    (tmp_path / "notes.txt").write_text("x")
    restrict_sqlite_files(tmp_path / "rasa.db")
    assert stat.S_IMODE((tmp_path / "rasa.db").stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755
