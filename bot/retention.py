"""`python -m bot.retention`: delete conversations past the retention period.

The tracker store also does this on its own at most once an hour (bot/stores.py);
this command is for cron jobs and for checking. It reads the tracker store from
endpoints.yml, so it works on SQLite and on PostgreSQL alike. It waits for a
locked database as the store does (retries within about 5 s per step); if the
database stays unavailable it deletes nothing and exits with status 1.
"""

import argparse
import sys
from collections.abc import Sequence

from bot.settings import ROOT, Settings


def main(argv: Sequence[str] = ()) -> int:
    """Purge expired conversations; prints how many were deleted."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import read_endpoints_from_path

    from bot.database import DatabaseUnavailableError
    from bot.stores import PrivateSQLTrackerStore

    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=settings.retention_days)
    parser.add_argument("--endpoints", default=str(ROOT / "endpoints.yml"))
    args = parser.parse_args(list(argv))
    settings.export()  # endpoints.yml reads ${VARS}
    endpoints = read_endpoints_from_path(args.endpoints)
    store = TrackerStore.create(endpoints.tracker_store)
    if not isinstance(store, PrivateSQLTrackerStore):
        print("The tracker store in endpoints.yml is not PrivateSQLTrackerStore.")
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
