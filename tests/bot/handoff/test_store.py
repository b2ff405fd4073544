"""The console database on SQLite and on the local PostgreSQL: migrations and store.

PostgreSQL runs in a schema of its own (search_path), dropped afterwards, so
other users of database `test` are never touched. Skipped with a reason when
no PostgreSQL answers on 127.0.0.1:5432.
"""

import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.handoff import migrate
from bot.handoff.accounts import AccountError, LockState
from bot.handoff.store import METADATA, Store
from tests.bot.handoff.console import FakeRasa, LoopThread

POSTGRES = "postgresql://root@127.0.0.1:5432/test"
TABLES = {
    "console_staff",
    "console_sessions",
    "console_handoffs",
    "console_messages",
    "console_audit",
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, empty console database URL of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store')}/var/console.db"
        return
    schema = f"console_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (database test)")
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def store(database_url: str) -> Iterator[Store]:
    engine = migrate.open_engine(database_url)
    migrate.upgrade(engine)
    yield Store(engine)
    engine.dispose()


def test_migrations_make_the_described_schema(database_url: str) -> None:
    engine = migrate.open_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision() != ""
        assert set(sa.inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "version_table": migrate.VERSION_TABLE,
                    "include_name": migrate.include_name,
                },
            )
            assert compare_metadata(context, METADATA) == []
        migrate.upgrade(engine)  # again: nothing to do
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    engine = migrate.open_engine(f"sqlite:///{tmp_path}/console.db")
    migrate.upgrade(engine)
    migrate.downgrade(engine)
    assert not TABLES & set(sa.inspect(engine).get_table_names())
    assert migrate.current_revision(engine) == ""
    migrate.upgrade(engine)
    assert set(sa.inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_sqlite_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "console.db"
    engine = migrate.open_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_staff_accounts(store: Store) -> None:
    member = store.add_staff("maria", "$argon2id$x", "counsellor", ("tl", "en"), 10.0)
    assert member.languages == ("tl", "en") and not member.disabled
    with pytest.raises(AccountError, match="taken"):
        store.add_staff("maria", "$argon2id$y", "counsellor", ("tl",), 11.0)
    store.set_lock(member.id, LockState(failures=3, locked_until=99.0))
    locked = store.staff_by_name("maria")
    assert locked is not None and locked.lock == LockState(3, 99.0)
    assert store.set_password("maria", "$argon2id$new")
    fresh = store.staff_by_name("maria")
    assert fresh is not None and fresh.lock == LockState()
    assert fresh.password_hash == "$argon2id$new"
    assert not store.set_password("nobody", "h")


def test_supervisor_exists_only_when_enabled(store: Store) -> None:
    assert not store.supervisor_exists()
    store.add_staff("chief", "$argon2id$x", "supervisor", ("en",), 10.0)
    assert store.supervisor_exists()
    store.set_disabled("chief", True)
    assert not store.supervisor_exists()
    store.set_disabled("chief", False)


def test_sessions_end_with_logout_password_change_and_disabling(store: Store) -> None:
    member = store.add_staff("ana", "$argon2id$x", "counsellor", ("th",), 10.0)
    store.create_session(member.id, "a" * 64, "cookie", "login-1", 20.0)
    store.create_session(member.id, "b" * 64, "bearer", "login-1", 20.0)
    found = store.find_session("a" * 64)
    assert found is not None and found[1].username == "ana"
    assert found[0].kind == "cookie" and found[0].login == "login-1"
    assert store.end_login("login-1") == 2
    assert store.find_session("b" * 64) is None
    store.create_session(member.id, "c" * 64, "cookie", "login-2", 30.0)
    assert store.set_disabled("ana", True)
    assert store.find_session("c" * 64) is None
    store.set_disabled("ana", False)
    store.create_session(member.id, "d" * 64, "cookie", "login-3", 30.0)
    store.touch_session(store.find_session("d" * 64)[0].id, 500.0)  # type: ignore[index]
    assert store.delete_sessions_before(idle_cutoff=400.0, absolute_cutoff=0.0) == 0
    assert store.delete_sessions_before(idle_cutoff=600.0, absolute_cutoff=0.0) >= 1
    assert store.find_session("d" * 64) is None


def test_one_open_handoff_per_conversation(store: Store) -> None:
    first, created = store.create_handoff(
        "conv-1",
        "C-AAAAAA",
        "tl",
        "PH",
        "socketio",
        "none",
        "request_human",
        False,
        100.0,
    )
    assert created and first.status == "waiting" and first.queued_at == 100.0
    again, created_again = store.create_handoff(
        "conv-1", "C-AAAAAA", "tl", "PH", "socketio", "high", "crisis", True, 101.0
    )
    assert not created_again and again.id == first.id
    assert store.finish(first.id, "cancelled", 102.0)
    assert not store.finish(first.id, "closed", 103.0)
    later, created_later = store.create_handoff(
        "conv-1", "C-AAAAAA", "tl", None, None, "none", "fallback", False, 104.0
    )
    assert created_later and later.id != first.id


def test_claim_is_exclusive_and_transfer_requeues(store: Store) -> None:
    one = store.add_staff("claimer1", "h", "counsellor", ("vi",), 1.0)
    two = store.add_staff("claimer2", "h", "counsellor", ("vi",), 1.0)
    handoff, _ = store.create_handoff(
        "conv-2", "C-BBBBBB", "vi", None, None, "none", "request_human", False, 200.0
    )
    assert store.claim(handoff.id, one.id, 230.0)
    assert not store.claim(handoff.id, two.id, 231.0)
    held = store.handoff(handoff.id)
    assert held is not None and held.claimed_by == one.id and held.was_claimed
    assert store.transfer(handoff.id, two.id, "en", 300.0)
    moved = store.handoff(handoff.id)
    assert moved is not None
    assert (moved.status, moved.claimed_by, moved.assigned_to, moved.language) == (
        "waiting",
        None,
        two.id,
        "en",
    )
    assert moved.told_unanswered and moved.queued_at == 300.0
    assert store.claim(handoff.id, two.id, 310.0)
    assert store.claim_delays(20)[-1] == 10.0  # from the transfer


def test_unanswered_notice_once(store: Store) -> None:
    handoff, _ = store.create_handoff(
        "conv-3", "C-CCCCCC", "ms", None, None, "none", "request_human", False, 1.0
    )
    assert store.mark_told_unanswered(handoff.id)
    assert not store.mark_told_unanswered(handoff.id)


def test_transcript_audit_and_retention(store: Store) -> None:
    handoff, _ = store.create_handoff(
        "conv-4", "C-DDDDDD", "lo", None, None, "none", "request_human", False, 1.0
    )
    store.add_lines(handoff.id, [("user", "sabaidee", 2.0)])
    store.add_lines(handoff.id, [])
    sent = store.add_message(handoff.id, "staff", "hello", 3.0, None, delivered=False)
    store.set_delivered(sent.id, True)
    lines = store.transcript(handoff.id)
    assert [(m.sender, m.text, m.delivered) for m in lines] == [
        ("user", "sabaidee", True),
        ("staff", "hello", True),
    ]
    store.add_audit(4.0, "closed", None, "boss", handoff.id, "C-DDDDDD", "supported")
    assert store.finish(handoff.id, "closed", 5.0, None, "supported")
    assert store.delete_finished_before(5.0) == 0  # ended at 5.0: not before
    assert store.delete_finished_before(6.0) >= 1
    assert store.handoff(handoff.id) is None
    assert store.transcript(handoff.id) == []
    entries = store.audit_entries(handoff_id=handoff.id)
    assert entries[0]["action"] == "closed" and entries[0]["pseudonym"] == "C-DDDDDD"


def test_the_console_serves_from_postgresql(
    database_url: str,
    tmp_path: Path,
    fake_rasa: FakeRasa,
    loop_thread: LoopThread,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the served flow on SQLite is tests/bot/handoff/test_api.py")
    from tests.bot.handoff.conftest import console_settings
    from tests.bot.handoff.console import (
        Console,
        add_staff,
        api,
        bearer,
        conversation,
        create,
        login,
    )

    settings = console_settings(tmp_path, fake_rasa, database_url=database_url)
    console = Console(settings, fake_rasa, loop_thread).start()
    try:
        # The schema has a supervisor already (no first supervisor is made).
        boss = bearer(login(console, add_staff(console, "supervisor", "en"))["token"])
        cid = conversation()
        handoff = create(console, cid, reason="crisis", risk="high")
        assert handoff["urgent"] and handoff["status"] == "waiting"
        path = f"/api/handoffs/{handoff['id']}"
        assert api(console, "POST", f"{path}/claim", boss)[0] == 200
        assert (
            api(console, "POST", f"{path}/messages", boss, {"text": "hello"})[0] == 200
        )
        status, closed = api(
            console, "POST", f"{path}/close", boss, {"outcome": "emergency"}
        )
        assert status == 200 and closed["outcome"] == "emergency"
        _, detail = api(console, "GET", path, boss)
        assert [line["sender"] for line in detail["transcript"]][:1] == ["user"]
        _, entries = api(console, "GET", "/api/audit", boss)
        assert {"created", "claimed", "message", "closed"} <= {
            e["action"] for e in entries
        }
    finally:
        console.stop()
