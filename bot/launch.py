"""`python -m bot.launch`: run the assistant locally (what `make run` calls).

Starts the action server, the Rasa server (REST, socket.io and the web chat
page; HTTP API on 127.0.0.1) and the staff console (unless CONSOLE_ENABLED is
false), waits until they answer, prints the URLs, and supervises them
(`Supervisor`): a crashed action server or console is restarted with
exponential backoff (bot.restarts) while the Rasa server keeps answering on its
own; the launcher exits non-zero when it gives up on one of them or when the
Rasa server dies, and stops all cleanly (exit 0) on Ctrl-C or SIGTERM. Once
everything answers it also runs the retention purge (`python -m bot.retention`)
at once and then every hour (`bot.retention.PurgeSchedule`). With
the console, Rasa's HTTP API and the console's /internal routes need tokens:
unless API_TOKEN and SERVICE_TOKEN are set, a random one of each is made per
run (`with_run_tokens`). The end-to-end tests use the same `Services`.
"""

import dataclasses
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Optional

from bot.production import start_problems
from bot.restarts import Backoff, next_restart
from bot.retention import PurgeSchedule
from bot.settings import ROOT, Settings


def with_run_tokens(settings: Settings) -> Settings:
    """The settings with the tokens the console needs, made for this run if unset.

    As soon as the console talks to Rasa's HTTP API, that API needs a token
    (API_TOKEN); the Rasa side talks to the console's /internal routes with
    SERVICE_TOKEN. Both stay unset when the console is disabled.
    """
    if not settings.console_enabled:
        return settings
    return dataclasses.replace(
        settings,
        api_token=settings.api_token or secrets.token_urlsafe(32),
        service_token=settings.service_token or secrets.token_urlsafe(32),
    )


class Services:
    """The action server, the Rasa server and the staff console as child processes."""

    #: Names used in the launcher's messages, in the order of `commands()`.
    NAMES = ("action server", "Rasa server", "staff console")
    #: Indexes of the processes restarted when they exit (not the Rasa server).
    RESTARTABLE = (0, 2)

    def __init__(self, settings: Settings, model: Optional[Path] = None) -> None:
        settings = with_run_tokens(settings)
        self.settings = settings
        self.model = model or settings.model_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log: Optional[Path] = None
        self._out: Optional[IO[bytes]] = None

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{self.settings.rasa_host}:{self.settings.rasa_port}"

    @property
    def actions_url(self) -> str:
        """Base URL of the action server."""
        return f"http://127.0.0.1:{self.settings.actions_port}"

    @property
    def console_url(self) -> str:
        """Base URL of the staff console."""
        return self.settings.console_url

    def health_urls(self) -> list[str]:
        """The URLs that answer 200 once each server is ready."""
        urls = [f"{self.actions_url}/health", f"{self.rasa_url}/status"]
        if self.settings.console_enabled:
            urls.append(f"{self.console_url}/health")
        return urls

    def commands(self) -> list[list[str]]:
        """The commands: action server, Rasa server, then the console if enabled."""
        rasa = [sys.executable, "-m", "rasa"]
        console = [[sys.executable, "-m", "bot.handoff", "serve"]]
        return [
            # rasa-sdk's server with our checks (bot/action_server.py).
            [
                sys.executable,
                "-m",
                "bot.action_server",
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
                str(self.settings.endpoints_path),
            ],
            *(console if self.settings.console_enabled else []),
        ]

    def start(self, log: Optional[Path] = None) -> None:
        """Start both processes (output to `log` when given, else the terminal)."""
        self.settings.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        self._out = open(log, "ab") if log else None  # noqa: SIM115 - kept open
        self.processes = [self._spawn(command) for command in self.commands()]

    def _spawn(self, command: list[str]) -> "subprocess.Popen[bytes]":
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.settings.child_environment(),
            stdout=self._out,
            stderr=subprocess.STDOUT if self._out else None,
        )

    @property
    def actions(self) -> "subprocess.Popen[bytes]":
        """The action server process (started by `start`)."""
        return self.processes[0]

    @property
    def rasa(self) -> "subprocess.Popen[bytes]":
        """The Rasa server process (started by `start`)."""
        return self.processes[1]

    @property
    def console(self) -> Optional["subprocess.Popen[bytes]"]:
        """The console process, when it is enabled and started."""
        return self.processes[2] if len(self.processes) > 2 else None

    def restart(self, index: int) -> None:
        """Start process `index` again (after it exited; it is reaped first)."""
        process = self.processes[index]
        if process.poll() is None:
            process.kill()
        process.wait()
        self.processes[index] = self._spawn(self.commands()[index])

    def restart_actions(self) -> None:
        """Start the action server again (after it exited; it is reaped first)."""
        self.restart(0)

    def ready(self) -> bool:
        """Whether every server answers now."""
        return all(answers(url) for url in self.health_urls())

    def wait_ready(self, timeout: float = 300.0) -> None:
        """Block until every server answers, or raise RuntimeError."""
        deadline = time.monotonic() + timeout
        for url in self.health_urls():
            while not answers(url):
                if any(p.poll() is not None for p in self.processes):
                    raise RuntimeError(
                        "a server exited during start-up; see its output"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
                time.sleep(0.5)

    def stop(self) -> None:
        """Stop every process (SIGTERM, then SIGKILL after 20 s)."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if self._out:
            self._out.close()
            self._out = None


def answers(url: str) -> bool:
    """Whether a URL answers with HTTP 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class Supervisor:
    """Runs both servers until stopped; restarts a crashed action server.

    Decisions are `bot.restarts.next_restart`; this class only watches the
    processes (every `poll` seconds), waits, restarts and reports.
    """

    def __init__(
        self,
        services: Services,
        backoff: Backoff,
        log: Optional[Path] = None,
        ready_timeout: float = 300.0,
        poll: float = 0.5,
        purges: Optional[PurgeSchedule] = None,
    ) -> None:
        """Keeps what to supervise and how.

        Args:
            services: The two servers (not yet started).
            backoff: Restart spacing and limit.
            log: Where the servers' output goes (None: the terminal).
            ready_timeout: Seconds allowed for start-up.
            poll: Seconds between checks.
            purges: The retention purge, run once everything answers (None:
                no purge).
        """
        self.services = services
        self.log = log
        self.backoff = backoff
        self.ready_timeout = ready_timeout
        self.poll = poll
        self.purges = purges

    def run(self, stopping: Callable[[], bool]) -> int:
        """Start the servers and supervise them until `stopping()` or a failure.

        Returns:
            0 after a requested stop; 1 when the Rasa server died, the action
            server or the console could not be kept running, or start-up took
            too long.
        """
        services = self.services
        started = time.monotonic()
        services.start(self.log)
        since = {index: started for index in services.RESTARTABLE}
        restarts = {index: 0 for index in services.RESTARTABLE}
        ready = False
        while True:
            if stopping():
                return self._stop("Stopped.", 0)
            if services.rasa.poll() is not None:
                if stopping():
                    continue
                return self._stop(
                    f"Rasa server exited with code {services.rasa.returncode}; "
                    "stopping the assistant.",
                    1,
                )
            exited = [
                index
                for index in services.RESTARTABLE
                if index < len(services.processes)
                and services.processes[index].poll() is not None
            ]
            if exited:
                if stopping():  # Ctrl-C reaches the children too
                    continue
                index = exited[0]
                name = services.NAMES[index]
                code = services.processes[index].returncode
                restart = next_restart(
                    restarts[index], time.monotonic() - since[index], self.backoff
                )
                if restart is None:
                    return self._stop(
                        f"{name} exited with code {code}; giving up after "
                        f"{restarts[index]} restart(s) (ACTION_RESTARTS="
                        f"{self.backoff.max_restarts}). See its output above.",
                        1,
                    )
                report(
                    f"{name} exited with code {code}; restarting in "
                    f"{restart.delay:g} s (attempt {restart.attempt} of "
                    f"{self.backoff.max_restarts})"
                )
                if self._wait(restart.delay, stopping):
                    services.restart(index)
                    restarts[index], since[index] = restart.attempt, time.monotonic()
                    report(f"{name} restarted (pid {services.processes[index].pid})")
                continue
            if not ready:
                if services.ready():
                    ready = True
                    announce(services, time.monotonic() - started)
                elif time.monotonic() - started > self.ready_timeout:
                    return self._stop(
                        f"Could not start the assistant: no answer within "
                        f"{self.ready_timeout:.0f} s.",
                        1,
                    )
            if ready and self.purges is not None:
                self.purges.tick()
            time.sleep(self.poll)

    def _wait(self, seconds: float, stopping: Callable[[], bool]) -> bool:
        """Sleep, unless a stop or the Rasa server's death comes first."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if stopping() or self.services.rasa.poll() is not None:
                return False
            time.sleep(min(self.poll, max(0.0, deadline - time.monotonic())))
        return True

    def _stop(self, message: str, status: int) -> int:
        if self.purges is not None:
            self.purges.stop()
        self.services.stop()
        report(message)
        return status


def report(message: str) -> None:
    """A launcher message, on stderr (the servers' own output is on stdout)."""
    print(f"[launch] {message}", file=sys.stderr, flush=True)


def announce(services: Services, seconds: float) -> None:
    """Print the URLs once every server answers."""
    base = services.rasa_url
    console = services.console
    print(
        f"\nReady in {seconds:.0f} s.\n"
        f"  Web chat:       {base}/webhooks/webchat/\n"
        f"  Website widget: {base}/webhooks/widget/demo "
        "(to embed it: README, 'Website widget')\n"
        f"  REST webhook:   {base}/webhooks/rest/webhook\n"
        f"  HTTP API:       {base}/model/parse (127.0.0.1 only)\n"
        f"  Action server:  {services.actions_url}/health "
        f"(pid {services.actions.pid})\n"
        + (
            f"  Staff console:  {services.console_url}/ (pid {console.pid}; "
            "staff accounts: README, 'Human handoff and the staff console')\n"
            if console
            else ""
        )
        + "Press Ctrl-C to stop.\n",
        flush=True,
    )


def main(argv: Sequence[str] = ()) -> int:
    """Run until Ctrl-C or SIGTERM; returns the exit status (see `Supervisor`)."""
    settings = Settings.from_env()
    problems = start_problems(settings)
    for problem in problems:
        report(f"Not starting: {problem}")
    if problems:
        return 2
    services = Services(settings)
    supervisor = Supervisor(
        services,
        Backoff(settings.action_restarts),
        purges=PurgeSchedule(services.settings.child_environment()),
    )
    stopping = False

    def stop(signum: int, frame: Optional[FrameType]) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return supervisor.run(lambda: stopping)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
