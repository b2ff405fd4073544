"""The console secret: from settings, else kept in var/console.secret.

The secret keys the pseudonyms and the CSRF tokens. When CONSOLE_SECRET is
unset, one is made on first start and kept (mode 0600) next to the console's
SQLite database (or next to the tracker database when the console uses
PostgreSQL), so pseudonyms stay the same across restarts.
"""

import os
import secrets
from pathlib import Path

from bot.database import sqlite_path
from bot.settings import Settings

FILE_NAME = "console.secret"


def secret_path(settings: Settings) -> Path:
    """Where the generated secret is kept."""
    database = sqlite_path(settings.console_database_url)
    folder = database.parent if database is not None else settings.tracker_db.parent
    return folder / FILE_NAME


def console_secret(settings: Settings) -> str:
    """settings.console_secret, else the kept one (made and stored if missing).

    Raises:
        OSError: The file cannot be read or written.
    """
    if settings.console_secret:
        return settings.console_secret
    path = secret_path(settings)
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return text
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    try:
        # Two processes starting at once: the first file stays.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text(encoding="utf-8").strip()
