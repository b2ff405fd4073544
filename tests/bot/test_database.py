import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from bot.database import (
    DatabaseUnavailableError,
    RetryPolicy,
    backoff_delays,
    create_engine,
    database_url,
    is_transient,
    retry_policy,
    tracker_store_config,
    with_retries,
)
from bot.settings import ROOT, Settings


def operational(message: str) -> sa.exc.OperationalError:
    return sa.exc.OperationalError(
        "DELETE FROM events WHERE sender_id = ?",
        ("secret text",),
        sqlite3.OperationalError(message),
    )


def test_backoff_doubles_up_to_the_cap() -> None:
    assert backoff_delays(1) == ()
    assert backoff_delays(3) == (0.1, 0.2)
    assert backoff_delays(6, first=0.25, cap=1.0) == (0.25, 0.5, 1.0, 1.0, 1.0)


@pytest.mark.parametrize("budget", [1.0, 3.0, 5.0, 10.0])
@pytest.mark.parametrize("waits", [1, 2])
def test_retry_policy_fits_its_budget(budget: float, waits: int) -> None:
    policy = retry_policy(budget, waits_per_attempt=waits)
    assert policy.attempts == 3
    total = policy.attempts * waits * policy.busy_timeout + sum(policy.delays)
    assert total == pytest.approx(budget)


def test_store_budget_keeps_a_turn_near_ten_seconds() -> None:
    """A turn reads once and writes once: two operations of the store's budget."""
    from bot.database import STORE_BUDGET

    assert 2 * retry_policy(STORE_BUDGET).worst_case <= 10.5


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (operational("database is locked"), True),
        (operational("database table is locked"), True),
        (operational("no such table: events"), False),
        (operational("database or disk is full"), False),
        (sa.exc.IntegrityError("x", {}, Exception("UNIQUE constraint failed")), False),
        (sa.exc.TimeoutError("QueuePool limit reached"), True),
        (sqlite3.OperationalError("database is locked"), True),
        (ValueError("database is locked"), False),
    ],
)
def test_which_errors_are_transient(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_postgres_serialization_failure_is_transient() -> None:
    class PgError(Exception):
        pgcode = "40001"

    assert is_transient(sa.exc.DBAPIError("x", {}, PgError("could not serialize")))


def test_with_retries_retries_transient_errors_then_succeeds() -> None:
    calls: list[int] = []
    pauses: list[float] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise operational("database is locked")
        return "ok"

    policy = RetryPolicy(attempts=3, busy_timeout=0.1, delays=(0.1, 0.2))
    assert with_retries(flaky, policy, "save", sleep=pauses.append) == "ok"
    assert pauses == [0.1, 0.2]


def test_with_retries_gives_up_with_a_clean_message() -> None:
    pauses: list[float] = []

    def locked() -> None:
        raise operational("database is locked")

    policy = RetryPolicy(attempts=3, busy_timeout=0.1, delays=(0.1, 0.2))
    with pytest.raises(DatabaseUnavailableError) as raised:
        with_retries(locked, policy, "save", sleep=pauses.append)
    assert len(pauses) == 2
    assert "save failed after 3 attempt(s)" in str(raised.value)
    assert "database is locked" in str(raised.value)
    assert "secret text" not in str(raised.value)
    assert "DELETE" not in str(raised.value)


def test_with_retries_does_not_retry_a_permanent_error() -> None:
    pauses: list[float] = []

    def broken() -> None:
        raise operational("no such table: events")

    with pytest.raises(DatabaseUnavailableError, match="after 1 attempt"):
        with_retries(broken, retry_policy(5), "save", sleep=pauses.append)
    assert pauses == []


@pytest.mark.parametrize(
    "config",
    [
        {"dialect": "sqlite", "db": "var/rasa.db"},
        {
            "dialect": "postgresql",
            "host": "db.internal",
            "port": 5432,
            "db": "rasa",
            "username": "bot",
            "password": "p@ss",
            "query": {"sslmode": "require"},
        },
        {"dialect": "postgresql", "host": "db.internal:6543", "db": "rasa"},
        {"host": "postgresql://u:p@h:1/d"},
    ],
)
def test_database_url_is_the_one_rasa_builds(config: dict) -> None:
    ours = database_url(config)
    rasa = SQLTrackerStore.get_db_url(
        **{key: config.get(key) for key in ("host", "port", "db", "username")},
        dialect=config.get("dialect", "sqlite"),
        password=config.get("password"),
        query=config.get("query"),
    )
    assert str(sa.engine.make_url(ours)) == str(sa.engine.make_url(rasa))


def test_the_project_endpoints_point_at_the_tracker_db(tmp_path: Path) -> None:
    settings = Settings(tracker_db=tmp_path / "x.db")
    config = tracker_store_config(ROOT / "endpoints.yml", settings.child_environment())
    url = sa.engine.make_url(database_url(config))
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "x.db")


def test_an_unset_variable_is_an_error(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  db: ${NOT_SET_ANYWHERE}\n")
    with pytest.raises(ValueError, match="NOT_SET_ANYWHERE"):
        tracker_store_config(endpoints, {})


def test_sqlite_engine_waits_the_busy_timeout_then_fails(tmp_path: Path) -> None:
    import time

    path = tmp_path / "t.db"
    engine = create_engine(f"sqlite:///{path}", busy_timeout=0.3)
    with engine.begin() as connection:
        connection.exec_driver_sql("create table t (x)")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with (
            pytest.raises(sa.exc.OperationalError, match="locked"),
            engine.begin() as connection,
        ):
            connection.exec_driver_sql("insert into t values (1)")
        assert 0.25 <= time.monotonic() - started < 2.0
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    def build_default_off(connection: object, record: object) -> None:
        connection.execute("PRAGMA secure_delete=OFF")  # type: ignore[attr-defined]

    sa.event.listen(engine, "connect", build_default_off, insert=True)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
