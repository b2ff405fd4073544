"""The retention purge runs on the launcher's schedule, never twice at once."""

import os
import sqlite3
import sys
import time
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.erasure import TurnErasure
from bot.launch import Services, Supervisor
from bot.restarts import Backoff
from bot.retention import PurgeSchedule, purge_due
from bot.settings import ROOT, Settings
from bot.stores import PrivateSQLTrackerStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_purge_due() -> None:
    assert purge_due(None, running=False, now=5.0, every=3600)
    assert not purge_due(None, running=True, now=5.0, every=3600)
    assert not purge_due(0.0, running=False, now=3599.0, every=3600)
    assert purge_due(0.0, running=False, now=3600.0, every=3600)
    assert not purge_due(0.0, running=True, now=9000.0, every=3600)


def wait_finished(schedule: PurgeSchedule, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(schedule.finished) < count and time.monotonic() < deadline:
        assert schedule.process is not None
        schedule.process.wait(timeout=30)
        schedule.tick()


def test_the_schedule_runs_at_once_then_every_interval(tmp_path: Path) -> None:
    marker = tmp_path / "runs"
    clock = Clock()
    schedule = PurgeSchedule(
        dict(os.environ),
        every=3600,
        clock=clock,
        command=[
            sys.executable,
            "-c",
            f"open({str(marker)!r}, 'a').write('x'); import time; time.sleep(0.3)",
        ],
    )
    schedule.tick()  # due at once
    first = schedule.process
    assert first is not None
    clock.now += 7200  # overdue, but the first still runs: no second one
    schedule.tick()
    assert schedule.process is first
    wait_finished(schedule, 1)  # reaped; overdue, so the next one starts
    assert schedule.finished == [0]
    assert schedule.process is not None and schedule.process is not first
    schedule.process.wait(timeout=30)
    schedule.tick()  # reaped; not due again before another hour
    assert schedule.process is None
    clock.now += 3599
    schedule.tick()
    assert schedule.process is None
    assert marker.read_text() == "xx"
    schedule.stop()


def test_stop_ends_a_running_purge() -> None:
    schedule = PurgeSchedule(
        dict(os.environ), command=[sys.executable, "-c", "import time; time.sleep(60)"]
    )
    schedule.tick()
    process = schedule.process
    assert process is not None
    schedule.stop()
    assert process.poll() is not None
    assert schedule.process is None


def test_the_real_command_purges_the_store_of_the_endpoints_file(
    tmp_path: Path,
) -> None:
    settings = Settings(tracker_db=tmp_path / "rasa.db", retention_days=30)
    store = PrivateSQLTrackerStore(
        domain=Domain.load(str(ROOT / "domain.yml")),
        dialect="sqlite",
        db=str(tmp_path / "rasa.db"),
    )
    for sender, age_days in (("old", 40), ("new", 1)):
        tracker = DialogueStateTracker(sender, [])
        tracker.update(UserUttered("hello", timestamp=time.time() - age_days * 86400))
        store._write(tracker, TurnErasure.NONE)
    schedule = PurgeSchedule(Services(settings).settings.child_environment())
    schedule.tick()
    wait_finished(schedule, 1)
    assert schedule.finished == [0]
    with sqlite3.connect(tmp_path / "rasa.db") as connection:
        senders = {row[0] for row in connection.execute("select sender_id from events")}
    assert senders == {"new"}


class ReadyStandIns(Services):
    """Servers that are small sleeping programs and count as ready at once."""

    def commands(self) -> list[list[str]]:
        return [[sys.executable, "-c", "import time; time.sleep(60)"]] * 2

    def ready(self) -> bool:
        return True


def test_the_launcher_purges_once_ready_and_stops_the_purge(tmp_path: Path) -> None:
    marker = tmp_path / "purged"
    purges = PurgeSchedule(
        dict(os.environ),
        command=[sys.executable, "-c", f"open({str(marker)!r}, 'w').write('1')"],
    )
    services = ReadyStandIns(Settings(tracker_db=tmp_path / "rasa.db"))
    supervisor = Supervisor(
        services, Backoff(1), ready_timeout=60, poll=0.05, purges=purges
    )
    deadline = time.monotonic() + 30
    assert supervisor.run(lambda: marker.exists() or time.monotonic() > deadline) == 0
    assert marker.read_text() == "1"
    assert services.processes == []
    assert purges.process is None
