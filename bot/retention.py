"""`python -m bot.retention`: delete conversations past the retention period.

The only place retention runs; never inside a person's turn. `make run` (the
launcher, bot/launch.py) runs this command once at start and then every hour
(`PurgeSchedule`), as a short-lived child process; with several replicas, run
it from one cron job or scheduled job instead. It reads the tracker store from
the endpoints file (`ENDPOINTS`), so it works on SQLite and on PostgreSQL
alike. It waits for a locked database as the store does (retries within about
5 s per step); if the database stays unavailable it deletes nothing and exits
with status 1.
"""

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Optional

from bot.settings import ROOT, Settings

#: Seconds between two purges run by the launcher.
PURGE_EVERY_S = 3600.0


def purge_due(
    last_start: Optional[float], running: bool, now: float, every: float
) -> bool:
    """Whether the launcher should start a purge now.

    Args:
        last_start: When the previous purge started (None: never).
        running: Whether a purge is still running (never two at once).
        now: The current time (same clock as `last_start`).
        every: Seconds between two starts.
    """
    if running:
        return False
    return last_start is None or now - last_start >= every


class PurgeSchedule:
    """Runs `python -m bot.retention` every `every` seconds (the launcher's).

    `tick` is called from the launcher's loop; it starts the command when due
    and reaps it when it has finished. The command's own output (how many
    conversations were deleted, or why none) goes where the servers' does.
    """

    def __init__(
        self,
        environment: Mapping[str, str],
        every: float = PURGE_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        command: Sequence[str] = (sys.executable, "-m", "bot.retention"),
        cwd: Path = ROOT,
    ) -> None:
        self.environment = dict(environment)
        self.every = every
        self.clock = clock
        self.command = list(command)
        self.cwd = cwd
        self.process: Optional[subprocess.Popen[bytes]] = None
        self.last_start: Optional[float] = None
        #: Exit statuses of the finished purges, oldest first.
        self.finished: list[int] = []

    def tick(self) -> None:
        """Reap a finished purge; start one when due."""
        if self.process is not None and self.process.poll() is not None:
            self.finished.append(self.process.returncode)
            self.process = None
        now = self.clock()
        if purge_due(self.last_start, self.process is not None, now, self.every):
            self.last_start = now
            self.process = subprocess.Popen(
                self.command, cwd=self.cwd, env=self.environment
            )

    def stop(self) -> None:
        """Stop a purge still running (it deletes in one transaction per step)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def main(argv: Sequence[str] = ()) -> int:
    """Purge expired conversations; prints how many were deleted."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import read_endpoints_from_path

    from bot.database import DatabaseUnavailableError
    from bot.stores import PrivateSQLTrackerStore

    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=settings.retention_days)
    parser.add_argument("--endpoints", default=str(settings.endpoints_path))
    args = parser.parse_args(list(argv))
    settings.export()  # the endpoints file reads ${VARS}
    endpoints = read_endpoints_from_path(args.endpoints)
    store = TrackerStore.create(endpoints.tracker_store)
    if not isinstance(store, PrivateSQLTrackerStore):
        print("The tracker store in the endpoints file is not PrivateSQLTrackerStore.")
        return 1
    store.retention_days = args.days
    try:
        deleted = store.purge_expired()
    except DatabaseUnavailableError as error:
        print(f"Nothing deleted: {error}. Try again later.", file=sys.stderr)
        return 1
    print(f"Deleted {deleted} conversations older than {args.days:g} days.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
