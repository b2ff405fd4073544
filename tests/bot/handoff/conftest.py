"""Fixtures of the console tests: a loop thread, a fake Rasa, a running console."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings
from tests.bot.handoff.console import (
    ADMIN,
    API_TOKEN,
    SERVICE_TOKEN,
    Console,
    FakeRasa,
    LoopThread,
    free_port,
)


@pytest.fixture(scope="session")
def loop_thread() -> Iterator[LoopThread]:
    """One background event loop for the servers of the whole run."""
    thread = LoopThread()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def fake_rasa(loop_thread: LoopThread) -> Iterator[FakeRasa]:
    """A fake Rasa HTTP API recording the console's calls."""
    rasa = FakeRasa()
    loop_thread.run(rasa.start())
    yield rasa
    loop_thread.run(rasa.stop())


def console_settings(work: Path, rasa: FakeRasa, **overrides: Any) -> Settings:
    """Settings of a test console: temporary SQLite database, fake Rasa."""
    values: dict[str, Any] = {
        "tracker_db": work / "var" / "rasa.db",
        "rasa_port": rasa.port,
        "console_port": free_port(),
        "api_token": API_TOKEN,
        "service_token": SERVICE_TOKEN,
        "console_admin_user": ADMIN[0],
        "console_admin_password": ADMIN[1],
        "handoff_wait": 3600.0,
        "handoff_expiry": 7200.0,
        "console_timeout": 2.0,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(scope="module")
def console(
    tmp_path_factory: pytest.TempPathFactory,
    fake_rasa: FakeRasa,
    loop_thread: LoopThread,
) -> Iterator[Console]:
    """A running console (SQLite) with the first supervisor, for one module."""
    work = tmp_path_factory.mktemp("console")
    running = Console(console_settings(work, fake_rasa), fake_rasa, loop_thread)
    running.start()
    yield running
    running.stop()
