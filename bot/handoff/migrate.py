"""Open the console's database and bring its schema up to date (Alembic).

The migrations live in bot/handoff/migrations (script_location points there;
no alembic.ini is needed). `upgrade(engine)` runs `alembic upgrade head` on a
connection of that engine; it blocks, so the app runs it in a worker thread
before serving. Alembic's version table is `console_alembic_version`, so the
console can share a PostgreSQL database with other users.
"""

from pathlib import Path
from typing import Any, Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from bot.database import create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "console_alembic_version"
#: Seconds an SQLite statement waits for a lock held by another process (the CLI).
BUSY_TIMEOUT = 5.0


def include_name(name: Optional[str], kind: str, parent: Any) -> bool:
    """Whether autogenerate compares a table: only the console's own.

    Skips SQLite's `sqlite_sequence` and tables of other users of a shared
    PostgreSQL database (Rasa's `events`...).
    """
    return kind != "table" or bool(name and name.startswith("console_"))


def open_engine(url: str) -> Engine:
    """An engine on the console database (SQLite file created 0600)."""
    return create_engine(url, busy_timeout=BUSY_TIMEOUT, pool_pre_ping=True)


def alembic_config() -> Config:
    """Alembic's configuration, built in code."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (blocking)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Undo the migrations down to `revision` (blocking; tests and repairs)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str:
    """The schema's revision ("" when nothing was applied)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        )
        return context.get_current_revision() or ""


def head_revision() -> str:
    """The newest revision in bot/handoff/migrations."""
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())
