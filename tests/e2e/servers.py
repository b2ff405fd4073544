"""Shared by the end-to-end tests: the real servers on free ports, JSON over HTTP.

Every test module starts its own Rasa and action servers (`Services`, what
`make run` starts) with the model trained by `make train` (the suite never
trains) and a temporary tracker database; the staff console too when a module
asks for it (`console_enabled=True`, its database in the same folder).
"""

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any, Optional

import pytest

from bot.launch import Services
from bot.settings import ROOT, Settings
from bot.training.models import newest


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def running_services(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    database: str = "rasa.db",
    **settings: Any,
) -> Iterator[Services]:
    """Start both servers, yield them once ready, stop them afterwards.

    Args:
        tmp_path_factory: pytest's factory of temporary folders.
        name: Name of this module's temporary folder.
        database: Path of the tracker database inside that folder.
        **settings: Further `Settings` fields (api_token, action_timeout,
            console_enabled...). The console is off unless asked for.

    Yields:
        The running services (use with `yield from` in a fixture).
    """
    model = newest(ROOT / "models")
    assert model, "no trained model in models/: run `make train` (make test does)"
    work = tmp_path_factory.mktemp(name)
    settings.setdefault("console_enabled", False)
    config = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        console_port=free_port(),
        tracker_db=work / database,
        **settings,
    )
    running = Services(config, model=model)
    running.start(log=work / "servers.log")
    try:
        running.wait_ready(timeout=300)
    except RuntimeError:
        running.stop()
        print((work / "servers.log").read_text(errors="replace")[-4000:])
        raise
    yield running
    running.stop()


def post(
    url: str,
    body: Any,
    timeout: float = 60,
    headers: Optional[dict[str, str]] = None,
) -> tuple[int, Any]:
    """POST a JSON body (or raw bytes); the status and the decoded JSON reply."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
