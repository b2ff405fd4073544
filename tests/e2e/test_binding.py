"""Both servers bind loopback unless told otherwise, also when started by hand.

Before: an action server started by hand in the Makefile's environment
(`rasa run actions`) listened on 0.0.0.0. The listening address is read from
the kernel's socket table (/proc/net/tcp), not from our own settings.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.settings import ROOT
from tests.e2e.servers import free_port

pytestmark = pytest.mark.e2e


def listening(port: int) -> set[str]:
    """The IPv4/IPv6 addresses (hex, as the kernel writes them) listening on port."""
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


def wait_listening(port: int, process: "subprocess.Popen[bytes]") -> set[str]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = listening(port)
        if found:
            return found
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        time.sleep(0.5)
    raise AssertionError(f"nothing listens on {port}")


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1


def run(command: list[str], env: dict[str, str]) -> "subprocess.Popen[bytes]":
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def clean_environment() -> dict[str, str]:
    """This environment without any of our host settings."""
    names = ("SANIC_HOST", "ACTIONS_HOST", "RASA_HOST")
    return {k: v for k, v in os.environ.items() if k not in names}


@pytest.mark.parametrize(
    "how",
    ["python -m bot.action_server", "rasa run actions in the Makefile's environment"],
)
def test_an_action_server_started_by_hand_listens_on_loopback_only(how: str) -> None:
    port = free_port()
    if how.startswith("python"):
        command = [sys.executable, "-m", "bot.action_server", "--port", str(port)]
    else:
        # What a developer types after `make install`: the Makefile's
        # environment (exported variables) around a plain `rasa run actions`.
        recipe = f"$(RASA) run actions --actions actions --port {port}"
        command = ["make", "-s", "--eval", f"by-hand:\n\t{recipe}", "by-hand"]
    process = run(command, clean_environment())
    try:
        addresses = wait_listening(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    assert addresses <= LOOPBACK, addresses
