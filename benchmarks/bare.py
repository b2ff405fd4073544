"""The bare Rasa project of the comparison: `rasa init`, served like ours.

`make_bare` creates it with `rasa init --no-prompt` (which also trains it) in a
folder, timing the whole; `BareServer` serves it with the same command line
as the assistant's Rasa server (`rasa run --enable-api` with the REST channel
of its credentials.yml) on its own port, in-memory tracker store as `rasa init`
leaves it. Also the small process helpers of the benchmarks.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Optional

from bot.training.models import newest


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def resident_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc), 0.0 when unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, all its threads."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def newest_model(folder: Path) -> Optional[Path]:
    """The newest model archive in a folder, if any (the one Rasa loads)."""
    return newest(folder)


def answers(url: str) -> bool:
    """Whether a URL answers with HTTP 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def quiet_environment() -> dict[str, str]:
    """The environment for a Rasa child process: no telemetry, INFO logs."""
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "LOG_LEVEL": "INFO"}


def make_bare(folder: Path) -> float:
    """Create and train the bare project in `folder`; the seconds it took.

    Raises:
        RuntimeError: `rasa init` failed (its output is in folder/init.log).
    """
    folder.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with open(folder.parent / f"{folder.name}-init.log", "wb") as log:
        done = subprocess.run(
            [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", "."],
            cwd=folder,
            env=quiet_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0 or newest_model(folder / "models") is None:
        raise RuntimeError(f"rasa init failed in {folder}")
    return time.monotonic() - began


class BareServer:
    """The bare project's Rasa server on a free port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: Optional[subprocess.Popen[bytes]] = None
        self._log: Optional[IO[bytes]] = None

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start `rasa run` as the assistant's launcher does (output to a log)."""
        model = newest_model(self.folder / "models")
        self._log = open(self.folder / "server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "rasa", "run", "--enable-api"),
                *("--model", str(model), "--interface", "127.0.0.1"),
                *("--port", str(self.port), "--credentials", "credentials.yml"),
                *("--endpoints", "endpoints.yml"),
            ],
            cwd=self.folder,
            env=quiet_environment(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 300.0) -> None:
        """Block until `GET /status` answers, or raise RuntimeError."""
        deadline = time.monotonic() + timeout
        while not answers(f"{self.url}/status"):
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"the bare Rasa server exited; see {self.folder}")
            if time.monotonic() > deadline:
                raise RuntimeError("the bare Rasa server did not start in time")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log:
            self._log.close()
            self._log = None
