"""End-to-end: `python -m bot.launch` (what `make run` runs) supervises its servers.

The launcher runs as a subprocess on free ports with a temporary tracker
database. Killing its action server (kill -9) must not take the assistant
down: the action server is restarted and the country-specific crisis answer,
which needs it, works again. When the action server cannot start at all, the
launcher gives up after ACTION_RESTARTS and exits non-zero with a clear message.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from bot.content.helplines import load_directory
from bot.content.opening import Availability, local_time
from bot.settings import ROOT
from tests.e2e.servers import free_port

pytestmark = pytest.mark.e2e

PID = re.compile(r"\(pid (\d+)\)")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def post(url: str, body: Any) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.status == 200
        return list(json.loads(reply.read()))


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


class Launcher:
    """`python -m bot.launch` with its own ports, database and output file."""

    def __init__(self, work: Path, actions_port: int, restarts: int) -> None:
        self.rasa_port = free_port()
        self.actions_port = actions_port
        self.output = work / "launch.log"
        env = {
            **os.environ,
            "RASA_PORT": str(self.rasa_port),
            "ACTIONS_PORT": str(actions_port),
            "TRACKER_DB": str(work / "rasa.db"),
            "ACTION_RESTARTS": str(restarts),
            "ACTION_TIMEOUT": "2",
        }
        self._out = open(self.output, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.launch"],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    @property
    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def say(self, sender: str, message: str) -> str:
        url = f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"
        replies = post(url, {"sender": sender, "message": message})
        assert replies, f"no answer to {message!r}"
        return "\n".join(str(r.get("text", "")) for r in replies)

    def stop(self) -> Optional[int]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()
        return self.process.returncode


def english(name: str) -> str:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return str(domain["responses"][name][0]["text"])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_action_server_is_restarted_and_the_full_answer_comes_back(
    tmp_path: Path,
) -> None:
    launcher = Launcher(tmp_path, free_port(), restarts=3)
    try:
        wait_for(lambda: "Ready in" in launcher.text, 300, "the launcher to be ready")
        first = int(PID.findall(launcher.text)[0])
        os.kill(first, signal.SIGKILL)
        restarted = wait_for(
            lambda: re.search(r"action server restarted \(pid (\d+)\)", launcher.text),
            60,
            "the restart",
        )
        assert (
            "action server exited with code -9; restarting in 1 s (attempt 1 of 3)"
            in (launcher.text)
        )
        second = int(restarted.group(1))
        assert second != first and not alive(first)
        wait_for(
            lambda: answers(f"http://127.0.0.1:{launcher.actions_port}/health"),
            120,
            "the new action server's /health",
        )
        assert launcher.process.poll() is None  # the assistant never went down
        sender = f"sup-{uuid.uuid4().hex[:8]}"
        # the action's own answer (not the fallback), then the country-specific
        # lines, which only the action server can give
        reply = launcher.say(sender, "honestly i just want to end my life")
        assert english("utter_crisis_care") in reply, reply
        reply = launcher.say(sender, "im in malaysia")
        book = load_directory(ROOT / "data" / "helplines.yml")
        local = local_time(datetime.now(timezone.utc), book.countries["MY"].zone)
        for service in book.country_services("MY", ("emergency", "crisis")):
            if service.schedule.availability(local) != Availability.CLOSED:
                assert str(service.phone) in reply, reply  # HEAL: 8am-midnight
        thai = book.country_services("TH", ("emergency",))
        assert all(str(s.phone) not in reply for s in thai), reply
    finally:
        code = launcher.stop()
    assert code == 0, launcher.text[-3000:]
    assert "Stopped." in launcher.text


def test_an_action_server_that_cannot_start_makes_the_launcher_fail(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # the action server's port, held by us
        launcher = Launcher(tmp_path, int(taken.getsockname()[1]), restarts=1)
        try:
            code = launcher.process.wait(timeout=240)
        finally:
            launcher.stop()
    assert code != 0, launcher.text[-3000:]
    assert "restarting in 1 s (attempt 1 of 1)" in launcher.text
    assert "giving up after 1 restart(s) (ACTION_RESTARTS=1)" in launcher.text
    assert not answers(f"http://127.0.0.1:{launcher.rasa_port}/status")
