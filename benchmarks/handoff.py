"""Handoff timings: request to staff queue, staff message to the person.

Run: .venv/bin/python -m benchmarks.handoff [rounds]
Starts Rasa, the action server and the staff console (what `make run` starts)
on free ports with temporary databases. Each round, a new web chat user asks
for a person; the time until the request is listed by `GET /api/handoffs`
(polled every 10 ms) is "request → queue". A supervisor claims it and writes;
the time from sending that message to its arrival at the person's open long
poll (`/webhooks/webchat/updates`) is "staff message → person". Prints the
median, 95th percentile and maximum of each (no pass/fail: figures only).
"""

import json
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Optional

from bot.launch import Services
from bot.settings import Settings

ADMIN = ("bench", "benchmark passphrase")


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(url: str, body: Optional[Any] = None, token: Optional[str] = None) -> Any:
    """GET (no body) or POST JSON; the decoded reply."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def figures(name: str, seconds: list[float]) -> None:
    """Print median, p95 and max in milliseconds."""
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(
        f"{name}: median {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms "
        f"({len(ordered)} rounds)"
    )


def main(rounds: int = 20) -> None:
    """Start the servers, run the rounds, print the figures."""
    work = Path(tempfile.mkdtemp())
    settings = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        console_port=free_port(),
        tracker_db=work / "rasa.db",
        console_admin_user=ADMIN[0],
        console_admin_password=ADMIN[1],
    )
    services = Services(settings)
    services.start(log=work / "servers.log")
    try:
        services.wait_ready()
        console = services.console_url
        token = call(
            f"{console}/api/login", {"username": ADMIN[0], "password": ADMIN[1]}
        )["token"]
        webchat = f"{services.rasa_url}/webhooks/webchat"
        to_queue: list[float] = []
        to_person: list[float] = []
        for n in range(rounds):
            sender = f"bench-{n}-{time.time_ns()}"
            call(f"{webchat}/webhook", {"sender": sender, "message": "hi"})
            asked = time.monotonic()
            call(
                f"{webchat}/webhook",
                {"sender": sender, "message": "can I talk to a real person"},
            )
            handoff = None
            while handoff is None:
                waiting = call(f"{console}/api/handoffs?status=waiting", token=token)
                handoff = next((h for h in waiting if h["channel"] == "webchat"), None)
                if handoff is None:
                    if time.monotonic() - asked > 60:
                        raise RuntimeError("the request never reached the queue")
                    time.sleep(0.01)
            to_queue.append(time.monotonic() - asked)
            base = f"{console}/api/handoffs/{handoff['id']}"
            call(f"{base}/claim", {}, token=token)
            call(f"{webchat}/updates?sender={sender}&wait=0")  # the "joined" note
            arrived: list[float] = []

            def listen(sender: str = sender, arrived: list[float] = arrived) -> None:
                while not arrived:
                    got = call(f"{webchat}/updates?sender={sender}&wait=20")
                    if any(m.get("text") == "benchmark message" for m in got):
                        arrived.append(time.monotonic())

            listener = threading.Thread(target=listen)
            listener.start()
            time.sleep(0.2)  # the long poll is open
            sent = time.monotonic()
            call(f"{base}/messages", {"text": "benchmark message"}, token=token)
            listener.join(timeout=60)
            if arrived:
                to_person.append(arrived[0] - sent)
            call(f"{base}/close", {"outcome": "supported"}, token=token)
        figures("request → queue", to_queue)
        figures("staff message → person", to_person)
    finally:
        services.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
