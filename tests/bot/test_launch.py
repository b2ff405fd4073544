"""The launcher's supervisor on real child processes (small Python stand-ins).

The real servers are exercised in tests/e2e/test_supervisor.py; here the two
commands are tiny Python programs so every path runs in seconds.
"""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.launch import Services, Supervisor
from bot.restarts import Backoff
from bot.settings import Settings

CRASH = "import sys, time; time.sleep(0.2); sys.exit(3)"
SLEEP = "import time; time.sleep(60)"


class StandIns(Services):
    """Services whose servers are small Python programs."""

    def __init__(self, tmp_path: Path, actions: str, rasa: str) -> None:
        super().__init__(Settings(tracker_db=tmp_path / "rasa.db"))
        self.programs = [actions, rasa]
        self.started: list[int] = []

    def commands(self) -> list[list[str]]:
        return [[sys.executable, "-c", program] for program in self.programs]

    def _spawn(self, command: list[str]) -> "subprocess.Popen[bytes]":
        process = super()._spawn(command)
        if command == self.commands()[0]:
            self.started.append(process.pid)
        return process


def supervise(services: StandIns, restarts: int, stop_after: float = 60.0) -> int:
    backoff = Backoff(restarts, base_delay=0.05, max_delay=0.2, stable_after=30.0)
    deadline = time.monotonic() + stop_after
    supervisor = Supervisor(services, backoff, ready_timeout=120.0, poll=0.05)
    return supervisor.run(lambda: time.monotonic() > deadline)


def test_a_crashing_action_server_is_restarted_then_given_up_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services = StandIns(tmp_path, CRASH, SLEEP)
    assert supervise(services, restarts=3) == 1
    err = capsys.readouterr().err
    assert (
        "action server exited with code 3; restarting in 0.05 s (attempt 1 of 3)" in err
    )
    assert "restarting in 0.1 s (attempt 2 of 3)" in err
    assert "restarting in 0.2 s (attempt 3 of 3)" in err
    assert "giving up after 3 restart(s)" in err
    assert len(set(services.started)) == 4  # the first start and three restarts
    assert services.processes == []  # the Rasa stand-in was stopped too


def test_the_assistant_stops_when_the_rasa_server_dies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services = StandIns(tmp_path, SLEEP, CRASH)
    assert supervise(services, restarts=3) == 1
    assert "Rasa server exited with code 3" in capsys.readouterr().err
    assert services.processes == []


def test_a_requested_stop_stops_both_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    services = StandIns(tmp_path, SLEEP, SLEEP)
    started = time.monotonic()
    assert supervise(services, restarts=3, stop_after=0.5) == 0
    assert time.monotonic() - started < 30
    assert "Stopped." in capsys.readouterr().err
    assert services.processes == []


def test_a_stop_during_the_backoff_wait_exits_zero(tmp_path: Path) -> None:
    services = StandIns(tmp_path, CRASH, SLEEP)
    backoff = Backoff(3, base_delay=30.0, max_delay=30.0)
    deadline = time.monotonic() + 2.0
    supervisor = Supervisor(services, backoff, poll=0.05)
    started = time.monotonic()
    assert supervisor.run(lambda: time.monotonic() > deadline) == 0
    assert time.monotonic() - started < 10  # did not sit out the 30 s wait
    assert len(services.started) == 1
