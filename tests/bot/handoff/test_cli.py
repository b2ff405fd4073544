"""`python -m bot.handoff`: account commands (in-process) and `serve` (a real process)."""

import io
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.handoff import __main__ as cli
from bot.handoff import accounts
from bot.handoff.migrate import open_engine
from bot.handoff.store import Store
from bot.settings import ROOT
from tests.bot.handoff.console import free_port, request


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings from the environment, with a temporary console database."""
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "var" / "rasa.db"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path / "var" / "console.db"


@pytest.fixture
def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run one command in-process: exit status, standard output and error."""

    def command(args: list[str], stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = cli.main(args)
        except SystemExit as exit:  # argparse usage errors
            code = int(exit.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return command


def test_account_commands(env: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = run(
        [
            "add-staff",
            "Maria",
            "--role",
            "counsellor",
            "--languages",
            "tl,en",
            "--password-stdin",
        ],
        "a-long-password-1\n",
    )
    assert code == 0 and out.strip() == "Added counsellor 'maria' (tl, en)."
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    store = Store(open_engine(f"sqlite:///{env}"))
    member = store.staff_by_name("maria")
    assert member is not None and member.languages == ("tl", "en")
    assert accounts.verify_password(member.password_hash, "a-long-password-1")

    for args, stdin, expected_code, message in [
        (
            [
                "add-staff",
                "maria",
                "--role",
                "counsellor",
                "--languages",
                "tl",
                "--password-stdin",
            ],
            "another-password-2\n",
            1,
            "taken",
        ),
        (
            [
                "add-staff",
                "ana",
                "--role",
                "counsellor",
                "--languages",
                "tl,fr",
                "--password-stdin",
            ],
            "another-password-2\n",
            1,
            "unknown language",
        ),
        (
            [
                "add-staff",
                "ana",
                "--role",
                "counsellor",
                "--languages",
                "th",
                "--password-stdin",
            ],
            "short\n",
            1,
            "at least",
        ),
        (
            [
                "add-staff",
                "ana",
                "--role",
                "counsellor",
                "--languages",
                "th",
                "--password-stdin",
            ],
            "",
            1,
            "no password",
        ),
        (
            ["add-staff", "ana", "--role", "boss", "--languages", "th"],
            "",
            2,
            "invalid choice",
        ),
        (
            ["set-password", "nobody", "--password-stdin"],
            "x" * 12 + "\n",
            1,
            "no account",
        ),
        (["disable-staff", "nobody"], "", 1, "no account"),
        (["fly"], "", 2, "invalid choice"),
    ]:
        code, out, err = run(args, stdin)
        assert code == expected_code, (args, out, err)
        assert message in err, (args, err)

    code, out, _ = run(
        ["set-password", "maria", "--password-stdin"], "new-long-password-3\n"
    )
    assert code == 0 and "New password" in out
    member = store.staff_by_name("maria")
    assert member is not None
    assert accounts.verify_password(member.password_hash, "new-long-password-3")

    assert run(["disable-staff", "maria"])[0] == 0
    code, out, _ = run(["list-staff"])
    assert code == 0 and "maria" in out and "disabled" in out and "tl,en" in out
    assert run(["disable-staff", "maria", "--enable"])[0] == 0
    member = store.staff_by_name("maria")
    assert member is not None and not member.disabled
    store.engine.dispose()


def test_interactive_password_is_asked_twice(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[..., tuple[int, str, str]],
) -> None:
    answers = iter(["first-password-1", "second-password-2"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(answers))
    code, _, err = run(
        ["add-staff", "tess", "--role", "supervisor", "--languages", "en"]
    )
    assert code == 1 and "differ" in err


def test_serve_runs_the_console_as_a_process(tmp_path: Path) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "TRACKER_DB": str(tmp_path / "var" / "rasa.db"),
        "DATABASE_URL": "",
        "CONSOLE_PORT": str(port),
        "CONSOLE_ADMIN_USER": "chief",
        "CONSOLE_ADMIN_PASSWORD": "chief-password-1",
        "SERVICE_TOKEN": "",
        "CONSOLE_SECRET": "",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.handoff", "serve"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/health", timeout=1
                ):
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the console did not start"
                time.sleep(0.2)
        status, _, body = request(
            "POST",
            f"http://127.0.0.1:{port}/api/login",
            {"username": "chief", "password": "chief-password-1"},
        )
        assert status == 200 and body["role"] == "supervisor"
        status, _, _ = request(
            "POST", f"http://127.0.0.1:{port}/internal/events", {"events": []}
        )
        assert status == 401  # no SERVICE_TOKEN: /internal stays closed
        for name in ("console.db", "console.secret"):
            assert stat.S_IMODE((tmp_path / "var" / name).stat().st_mode) == 0o600
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0, output
    assert "SERVICE_TOKEN is not set" in output
    assert "chief-password-1" not in output
