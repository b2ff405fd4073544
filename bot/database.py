"""The conversation database: where it is, how to connect, how to retry.

Shared by the tracker store (Rasa server, bot/stores.py) and the erasure done
by the action server (bot/erasure.py), so both reach the same database in the
same way, SQLite or PostgreSQL. No Rasa imports: only SQLAlchemy and YAML.

- **Location**: the `tracker_store` section of endpoints.yml with its ${VARS}
  filled from `Settings` (TRACKER_DB...), turned into a URL exactly as Rasa's
  `SQLTrackerStore.get_db_url` does.
- **Connections**: SQLite waits for a lock held by another writer for a
  bounded busy timeout, and every SQLite connection runs
  `PRAGMA secure_delete=ON`, so deleted conversations are overwritten with
  zeros in the file instead of lingering in free pages.
- **File permissions**: the SQLite file (and its -journal/-wal/-shm files) is
  created 0600 and corrected to 0600 at start-up; a folder created for it is
  0700, and an existing folder that holds nothing but the database is
  tightened to 0700.
- **Retries**: transient errors (SQLite "database is locked", a dropped
  PostgreSQL connection, a serialization failure) are retried with backoff
  within a time budget; anything else fails at once.
"""

import logging
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, TypeVar, Union

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import URL, Engine

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds one store operation (a read or a write of one turn) may take in all,
#: lock waits and retries included: a turn reads once and writes once, so it
#: never waits more than about ten seconds for the database.
STORE_BUDGET = 5.0
#: How often an operation is tried before it is given up.
ATTEMPTS = 3
#: The first pause between attempts; it doubles each time, up to MAX_DELAY.
FIRST_DELAY = 0.1
MAX_DELAY = 1.0
#: Files SQLite keeps next to the database.
SQLITE_SUFFIXES = ("", "-journal", "-wal", "-shm")

_TRANSIENT_MESSAGES = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "could not connect",
    "connection refused",
    "server closed the connection",
    "connection reset",
    "connection timed out",
    "terminating connection",
)
# PostgreSQL: serialization failure, deadlock, lock not available, admin
# shutdown, cannot connect now.
_TRANSIENT_PGCODES = frozenset({"40001", "40P01", "55P03", "57P01", "57P03"})
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class DatabaseUnavailableError(Exception):
    """A database operation failed for good (after its retries).

    Its message names the operation and the driver's short reason, never the
    SQL statement or its parameters (they may carry message text).
    """


@dataclass(frozen=True)
class RetryPolicy:
    """How an operation is retried.

    Attributes:
        attempts: How many times it is tried in all.
        busy_timeout: Seconds one SQLite statement waits for a lock held by
            another connection before it fails with "database is locked".
        delays: Pauses between attempts (one fewer than attempts).
    """

    attempts: int
    busy_timeout: float
    delays: tuple[float, ...]

    @property
    def worst_case(self) -> float:
        """Seconds the operation can take at most, with one wait per attempt."""
        return self.attempts * self.busy_timeout + sum(self.delays)


def backoff_delays(
    attempts: int, first: float = FIRST_DELAY, cap: float = MAX_DELAY
) -> tuple[float, ...]:
    """Pauses between attempts: doubling from `first`, at most `cap` each.

    Args:
        attempts: How many attempts there are (pauses are one fewer).
        first: The first pause in seconds.
        cap: The longest pause.

    Returns:
        The pauses, e.g. (0.1, 0.2) for three attempts.
    """
    return tuple(min(cap, first * 2**index) for index in range(max(0, attempts - 1)))


def retry_policy(
    budget: float, attempts: int = ATTEMPTS, waits_per_attempt: int = 1
) -> RetryPolicy:
    """The retry policy that fits a time budget.

    The busy timeout is what is left of the budget after the pauses, shared
    among the lock waits of every attempt.

    Args:
        budget: Seconds the operation may take in all.
        attempts: How many times it is tried.
        waits_per_attempt: How many statements of one attempt may each wait
            for a lock (a delete and its check: two).

    Returns:
        The policy; its busy timeout is at least 0.05 s.
    """
    attempts = max(1, attempts)
    delays = backoff_delays(attempts)
    spare = budget - sum(delays)
    busy_timeout = max(0.05, spare / (attempts * max(1, waits_per_attempt)))
    return RetryPolicy(attempts=attempts, busy_timeout=busy_timeout, delays=delays)


def is_transient(error: BaseException) -> bool:
    """Whether a database error may go away if the operation is tried again.

    Lock and busy errors of SQLite, dropped or refused connections, and
    PostgreSQL serialization failures and deadlocks are transient; a missing
    table, a full disk or a programming error are not.

    Args:
        error: The exception raised by SQLAlchemy or the driver.
    """
    if isinstance(error, sa.exc.TimeoutError):  # no free pooled connection
        return True
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    original = getattr(error, "orig", None) or error
    if getattr(original, "pgcode", None) in _TRANSIENT_PGCODES:
        return True
    operational = isinstance(error, sa.exc.OperationalError) or (
        type(original).__name__ == "OperationalError"
    )
    if not operational:
        return False
    message = str(original).lower()
    return any(part in message for part in _TRANSIENT_MESSAGES)


def reason(error: BaseException) -> str:
    """A short, log-safe description of a database error.

    The driver's message only ("database is locked"): SQLAlchemy's own text
    repeats the SQL statement and its parameters, which may be message text.
    """
    original = getattr(error, "orig", None) or error
    first_line = str(original).strip().splitlines()[:1]
    return f"{type(original).__name__}: {first_line[0] if first_line else ''}"[:200]


def with_retries(
    operation: Callable[[], T],
    policy: RetryPolicy,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run a blocking database operation, retrying transient errors.

    Call it off the event loop (e.g. in `asyncio.to_thread`): it sleeps.

    Args:
        operation: Does the whole operation in its own transaction (it must be
            safe to run again after a failed attempt).
        policy: Attempts and pauses.
        what: Name of the operation, for the log and the error.
        sleep: Pauses (replaced in tests).

    Returns:
        What `operation` returns.

    Raises:
        DatabaseUnavailableError: The last attempt failed, or an error was not
            transient.
    """
    for attempt in range(1, policy.attempts + 1):
        try:
            return operation()
        except sa.exc.SQLAlchemyError as error:
            transient = is_transient(error)
            if not transient or attempt == policy.attempts:
                raise DatabaseUnavailableError(
                    f"{what} failed after {attempt} attempt(s): {reason(error)}"
                ) from None
            logger.warning(
                "Database %s: attempt %d failed (%s); retrying.",
                what,
                attempt,
                reason(error),
            )
            sleep(policy.delays[attempt - 1])
    raise AssertionError("unreachable")  # pragma: no cover


def expand_variables(value: Any, environ: Mapping[str, str]) -> Any:
    """Fill the ${NAME} placeholders of a YAML value, as Rasa does.

    Raises:
        ValueError: A named variable is not set.
    """
    if isinstance(value, dict):
        return {key: expand_variables(item, environ) for key, item in value.items()}
    if isinstance(value, list):
        return [expand_variables(item, environ) for item in value]
    if not isinstance(value, str):
        return value

    def fill(match: "re.Match[str]") -> str:
        name = match.group(1)
        if name not in environ:
            raise ValueError(f"endpoints.yml names ${{{name}}}, which is not set")
        return environ[name]

    return _VARIABLE.sub(fill, value)


def tracker_store_config(endpoints: Path, environ: Mapping[str, str]) -> dict[str, Any]:
    """The `tracker_store` section of endpoints.yml, variables filled.

    Args:
        endpoints: Path of endpoints.yml.
        environ: Values of its ${VARS}: `Settings.child_environment()`.
    """
    content = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    section = content.get("tracker_store") or {}
    return dict(expand_variables(section, environ))


def database_url(config: Mapping[str, Any]) -> Union[str, URL]:
    """The SQLAlchemy URL of a tracker-store configuration.

    Same rules as Rasa's `SQLTrackerStore.get_db_url`: a `host` holding a
    full URL is used as it is; otherwise dialect, host, port, db, username,
    password and query make the URL (the `db` database, which exists once the
    Rasa server has started, also when `login_db` was used to create it).

    Args:
        config: The tracker_store section (or the store's keyword arguments).
    """
    from urllib import parse

    host: Optional[str] = config.get("host") or config.get("url")
    port = config.get("port")
    if host and "://" in host:
        return host
    if host:
        parsed = parse.urlsplit(f"scheme://{host}")
        port = parsed.port or port
        host = parsed.hostname or host
    return URL.create(
        str(config.get("dialect") or "sqlite"),
        username=config.get("username"),
        password=config.get("password"),
        host=host,
        port=int(port) if port not in (None, "") else None,
        database=str(config.get("db") or "rasa.db"),
        query=dict(config.get("query") or {}),
    )


def sqlite_path(url: Union[str, URL]) -> Optional[Path]:
    """The file of an SQLite URL; None for other databases or in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def restrict_sqlite_files(path: Path) -> None:
    """Create the database file 0600 (if missing) and make its files 0600.

    A folder created for it is 0700; an existing folder that holds nothing
    but this database is tightened to 0700. Other folders (a home directory,
    /tmp) are left alone.
    """
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    mask = os.umask(0o077)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(descriptor)
    finally:
        os.umask(mask)
    for suffix in SQLITE_SUFFIXES:
        member = Path(f"{path}{suffix}")
        if member.exists() and stat.S_IMODE(member.stat().st_mode) != 0o600:
            member.chmod(0o600)
    own = {f"{path.name}{suffix}" for suffix in SQLITE_SUFFIXES}
    folder_mode = stat.S_IMODE(folder.stat().st_mode)
    only_database = all(entry.name in own for entry in folder.iterdir())
    if only_database and folder_mode & 0o077:
        folder.chmod(0o700)


def _secure_delete(connection: Any, record: Any) -> None:
    """Overwrite deleted content on disk (connect event of SQLite engines)."""
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def create_engine(url: Union[str, URL], busy_timeout: float, **kwargs: Any) -> Engine:
    """An engine for the conversation database.

    SQLite: the file is prepared with restrictive permissions first, each
    connection waits at most `busy_timeout` seconds for a lock, and runs
    `PRAGMA secure_delete=ON`.

    Args:
        url: Database URL (`database_url`).
        busy_timeout: Seconds an SQLite statement waits for a lock.
        **kwargs: Further `sqlalchemy.create_engine` arguments (pool sizes...).
    """
    path = sqlite_path(url)
    if path is None:
        return sa.create_engine(url, **kwargs)
    restrict_sqlite_files(path)
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args["timeout"] = busy_timeout
    engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
    sa.event.listen(engine, "connect", _secure_delete)
    return engine
