import json
import sqlite3
import time
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import ROOT
from bot.stores import PrivateSQLTrackerStore


def store(tmp_path: Path, **kwargs: float) -> PrivateSQLTrackerStore:
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
    assert "0917" not in json.dumps(stored_rows(tmp_path))


async def test_expired_conversations_are_purged_on_request(tmp_path: Path) -> None:
    tracker_store = store(tmp_path, retention_days=30, purge_interval_minutes=10**6)
    assert tracker_store.purge_expired() == 0  # the scheduled purge is now not due
    old = time.time() - 31 * 86400
    await tracker_store.save(conversation("old", "hello", timestamp=old))
    await tracker_store.save(conversation("new", "hello"))
    assert {sender for sender, _ in stored_rows(tmp_path)} == {"old", "new"}
    assert tracker_store.purge_expired() == 1
    assert {sender for sender, _ in stored_rows(tmp_path)} == {"new"}


async def test_expired_conversations_are_purged_on_schedule(tmp_path: Path) -> None:
    tracker_store = store(tmp_path, retention_days=1, purge_interval_minutes=60)
    await tracker_store.save(
        conversation("old", "hello", timestamp=time.time() - 2 * 86400)
    )
    assert stored_rows(tmp_path) == []


async def test_erase_action_deletes_the_whole_conversation(tmp_path: Path) -> None:
    tracker_store = store(tmp_path)
    tracker = conversation("me", "delete my chat")
    await tracker_store.save(tracker)
    await tracker_store.save(conversation("other", "hi"))
    tracker.update(UserUttered("yes", {"name": "affirm"}))
    tracker.update(ActionExecuted("action_delete_conversation"))
    await tracker_store.save(tracker)
    assert {sender for sender, _ in stored_rows(tmp_path)} == {"other"}
