"""End-to-end: a locked tracker database never loses a message silently.

Real Rasa and action-server processes on free ports with a temporary tracker
database (as in test_conversations.py). This test opens its own `sqlite3`
connection on that database and holds a lock, as another writer (a backup, a
second process, a long purge) would:

- EXCLUSIVE (nobody may read or write): a message waits and is stored when the
  lock goes within the store's retry window; held longer, the person gets a 503
  with the "send it again" notice, never a 200 with the message missing, and
  the conversation's earlier context survives. Meanwhile `GET /status` answers
  at once: the event loop is not blocked by the waiting turn.
- IMMEDIATE (others may read, not write): "yes" to the delete confirmation
  answers `utter_delete_failed` and every row remains; once the lock is gone
  "delete my chat" + "yes" answers `utter_deleted`, no row of the conversation
  remains, and its text is no longer anywhere in the database file (secure
  delete).
- With the action server dead, "yes" answers `utter_delete_failed` (the
  fallback of config.yml) and every row remains (last test: it kills it).
"""

import json
import sqlite3
import stat
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.launch import Services
from bot.settings import ROOT
from tests.e2e.servers import post, running_services

pytestmark = pytest.mark.e2e


def response_text(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return str(domain["responses"][name][0]["text"])


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    yield from running_services(
        tmp_path_factory, "store_faults", database="var/rasa.db"
    )


class Chat:
    def __init__(self, services: Services) -> None:
        self.url = f"{services.rasa_url}/webhooks/rest/webhook"
        self.sender = f"faults-{uuid.uuid4().hex[:8]}"

    def send(self, text: str) -> tuple[int, list[dict[str, Any]]]:
        return post(self.url, {"sender": self.sender, "message": text})

    def say(self, text: str) -> str:
        status, replies = self.send(text)
        assert status == 200, replies
        assert replies, f"no answer to {text!r}"
        return "\n".join(r.get("text", "") for r in replies)


def stored_texts(services: Services, sender: str) -> list[str]:
    """The user messages stored for a conversation (read without waiting)."""
    with sqlite3.connect(services.settings.tracker_db, timeout=10) as connection:
        rows = connection.execute(
            "select data from events where sender_id = ? order by id", (sender,)
        ).fetchall()
    events = [json.loads(data) for (data,) in rows]
    return [e.get("text") or "" for e in events if e["event"] == "user"]


def row_count(services: Services, sender: str) -> int:
    with sqlite3.connect(services.settings.tracker_db, timeout=10) as connection:
        (count,) = connection.execute(
            "select count(*) from events where sender_id = ?", (sender,)
        ).fetchone()
    return int(count)


class Lock:
    """Another writer holding a lock on the tracker database."""

    def __init__(self, path: Path, mode: str) -> None:
        self.connection = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=10
        )
        self.connection.execute(f"BEGIN {mode}")
        self.released = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.connection.execute("ROLLBACK")
            self.connection.close()


def status_latencies(services: Services, until: Any) -> list[float]:
    """Time GET /status repeatedly until the future `until` is done."""
    latencies: list[float] = []
    while not until.done():
        started = time.monotonic()
        with urllib.request.urlopen(f"{services.rasa_url}/status", timeout=30) as r:
            assert r.status == 200
        latencies.append(time.monotonic() - started)
        time.sleep(0.2)
    return latencies


def test_message_waits_for_a_short_lock_and_is_stored(services: Services) -> None:
    chat = Chat(services)
    chat.say("hello")
    lock = Lock(services.settings.tracker_db, "EXCLUSIVE")
    release = threading.Timer(2.0, lock.release)
    release.start()
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(1) as pool:
            turn = pool.submit(chat.send, "how do i report him on instagram")
            latencies = status_latencies(services, turn)
            status, replies = turn.result()
        elapsed = time.monotonic() - started
    finally:
        release.cancel()
        lock.release()
    assert status == 200, replies
    assert replies
    assert elapsed >= 1.5  # it really waited for the lock...
    assert latencies and max(latencies) < 2.0  # ...while the loop kept answering
    assert "how do i report him on instagram" in stored_texts(services, chat.sender)


def test_message_under_a_long_lock_gets_a_503_never_a_silent_200(
    services: Services,
) -> None:
    """Before: 200 with a normal reply while the message was never stored."""
    chat = Chat(services)
    chat.say("someone says they will post my pics unless I pay")
    before = stored_texts(services, chat.sender)
    lock = Lock(services.settings.tracker_db, "EXCLUSIVE")
    try:  # held until the turn has given up: longer than all its retries
        with ThreadPoolExecutor(1) as pool:
            turn = pool.submit(chat.send, "what should i do now")
            latencies = status_latencies(services, turn)
            status, replies = turn.result()
    finally:
        lock.release()
    assert latencies and max(latencies) < 2.0  # GET /status took 4 s before
    assert "what should i do now" not in stored_texts(services, chat.sender)
    # Never a 200 with the message missing: a 503 asking to send it again.
    assert status == 503, replies
    assert replies[-1]["text"] == response_text("utter_store_unavailable")
    log = Path(services.log or "").read_text(errors="replace")
    assert "Conversation store: retrieve failed after 3 attempt(s)" in log
    # The failed turn wrote nothing: the earlier context is intact and goes on.
    assert stored_texts(services, chat.sender) == before
    chat.say("what should i do now")
    assert stored_texts(services, chat.sender) == [*before, "what should i do now"]


def test_delete_is_confirmed_only_when_done_and_verified(services: Services) -> None:
    """Before: "Done... deleted" while 14 rows remained."""
    chat = Chat(services)
    marker = f"zebrafinch{uuid.uuid4().hex[:6]}"
    chat.say(f"someone says they will post my pics unless I pay {marker}")
    assert "delete" in chat.say("delete my chat")
    rows = row_count(services, chat.sender)
    assert rows > 0
    database = Path(services.settings.tracker_db)
    assert marker.encode() in database.read_bytes()
    # Others may read but not write: the action's deletion fails after its
    # retries (within the action timeout); the lock then goes before the
    # store's write of this turn has used up its own retries.
    lock = Lock(services.settings.tracker_db, "IMMEDIATE")
    release = threading.Timer(6.0, lock.release)
    release.start()
    try:
        reply = chat.say("yes")
    finally:
        release.cancel()
        lock.release()
    assert response_text("utter_delete_failed") in reply
    assert response_text("utter_deleted") not in reply
    assert row_count(services, chat.sender) > rows  # nothing deleted, turn stored

    assert "delete" in chat.say("delete my chat")
    reply = chat.say("yes")
    assert response_text("utter_deleted") in reply
    assert row_count(services, chat.sender) == 0
    contents = b"".join(
        Path(f"{database}{suffix}").read_bytes()
        for suffix in ("", "-journal", "-wal")
        if Path(f"{database}{suffix}").exists()
    )
    assert marker.encode() not in contents  # overwritten, not just unlinked


def test_database_file_and_folder_are_private(services: Services) -> None:
    database = Path(services.settings.tracker_db)
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700


def test_delete_with_the_action_server_dead_tells_and_keeps_everything(
    services: Services,
) -> None:
    """Before: the rows were deleted and the person was told nothing.

    Runs last: it kills the action server of this module's services.
    """
    chat = Chat(services)
    chat.say("someone says they will post my pics unless I pay")
    assert "delete" in chat.say("delete my chat")
    rows = row_count(services, chat.sender)
    services.actions.kill()
    services.actions.wait(timeout=30)
    reply = chat.say("yes")
    assert response_text("utter_delete_failed") in reply
    assert response_text("utter_deleted") not in reply
    assert row_count(services, chat.sender) > rows
