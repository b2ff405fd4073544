"""Alembic environment of the console's database.

Run by bot/handoff/migrate.py with a connection in `config.attributes`. For
developers' `alembic` commands without one, the URL comes from
`-x url=...` (e.g. `alembic -c /dev/null -x url=sqlite:///var/console.db ...`
with script_location set) or from Settings (DATABASE_URL).
"""

from alembic import context
from sqlalchemy.engine import Connection

from bot.handoff.migrate import VERSION_TABLE, include_name
from bot.handoff.store import METADATA


def run() -> None:
    """Run the migrations on the given connection (or a new one)."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        from bot.handoff.migrate import open_engine
        from bot.settings import Settings

        url = context.get_x_argument(as_dictionary=True).get("url")
        engine = open_engine(url or Settings.from_env().console_database_url)
        with engine.begin() as new_connection:
            _migrate(new_connection)
        engine.dispose()
        return
    _migrate(connection)


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
