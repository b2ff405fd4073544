"""`python -m bot.launch`: run the assistant locally (what `make run` calls).

Starts the action server and the Rasa server (REST, socket.io and the web chat
page; HTTP API on 127.0.0.1), waits until both answer, prints the URLs, and
stops both cleanly on Ctrl-C. The end-to-end tests use the same `Services`.
"""

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Optional

from bot.settings import ROOT, Settings


class Services:
    """The Rasa server and the action server as child processes."""

    def __init__(self, settings: Settings, model: Optional[Path] = None) -> None:
        self.settings = settings
        self.model = model or settings.model_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log: Optional[Path] = None

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{self.settings.rasa_host}:{self.settings.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Base URL of the action server."""
        return f"http://127.0.0.1:{self.settings.actions_port}"

    def commands(self) -> list[list[str]]:
        """The two commands, action server first."""
        rasa = [sys.executable, "-m", "rasa"]
        return [
            [
                *rasa,
                "run",
                "actions",
                "--actions",
                "actions",
                "--port",
                str(self.settings.actions_port),
            ],
            [
                *rasa,
                "run",
                "--enable-api",
                "--model",
                str(self.model),
                "--interface",
                self.settings.rasa_host,
                "--port",
                str(self.settings.rasa_port),
                "--credentials",
                "credentials.yml",
                "--endpoints",
                "endpoints.yml",
            ],
        ]

    def start(self, log: Optional[Path] = None) -> None:
        """Start both processes (output to `log` when given, else the terminal)."""
        self.settings.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        out = open(log, "ab") if log else None  # noqa: SIM115 - kept open with the child
        for command in self.commands():
            self.processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=self.settings.child_environment(),
                    stdout=out,
                    stderr=subprocess.STDOUT if out else None,
                )
            )

    def wait_ready(self, timeout: float = 300.0) -> None:
        """Block until both servers answer, or raise RuntimeError."""
        deadline = time.monotonic() + timeout
        for url in (f"{self.actions_url}/health", f"{self.rasa_url}/status"):
            while not answers(url):
                if any(p.poll() is not None for p in self.processes):
                    raise RuntimeError(
                        "a server exited during start-up; see its output"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
                time.sleep(0.5)

    def stop(self) -> None:
        """Stop both processes (SIGTERM, then SIGKILL after 20 s)."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def answers(url: str) -> bool:
    """Whether a URL answers with HTTP 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def main(argv: Sequence[str] = ()) -> int:
    """Run until Ctrl-C; returns the exit status."""
    services = Services(Settings.from_env())
    stopping = False

    def stop(signum: int, frame: Optional[FrameType]) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()
    services.start()
    try:
        services.wait_ready()
    except RuntimeError as error:
        print(f"Could not start the assistant: {error}", file=sys.stderr)
        services.stop()
        return 1
    base = services.rasa_url
    print(
        f"\nReady in {time.monotonic() - started:.0f} s.\n"
        f"  Web chat:       {base}/webhooks/webchat/\n"
        f"  REST webhook:   {base}/webhooks/rest/webhook\n"
        f"  HTTP API:       {base}/model/parse (127.0.0.1 only)\n"
        f"  Action server:  {services.actions_url}/health\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )
    while not stopping and all(p.poll() is None for p in services.processes):
        time.sleep(0.5)
    services.stop()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
