"""Per-turn latency of the REST webhook and time to ready (prints figures).

Run: .venv/bin/python -m benchmarks.latency [turns]
Starts the Rasa server and the action server on free ports with a temporary
tracker database, then sends `turns` messages one after another, cycling through
short conversations in all languages.
"""

import json
import socket
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bot.launch import Services
from bot.settings import Settings

MESSAGES = [
    "hi",
    "someone says they will post my pics unless I pay",
    "how do i save proof",
    "may nagbabanta sa akin na ikakalat daw pics ko",
    "toi bi doa tung anh",
    "camne nak report akaun ni",
    "มีคนขู่จะปล่อยรูปของผมครับ",
    "ມີຄົນຂູ່ວ່າຈະໂພສຮູບຂ້ອຍ",
    "is there a hotline i can call",
    "Malaysia",
]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(turns: int = 200) -> None:
    """Start the servers, send the messages, print the figures."""
    work = Path(tempfile.mkdtemp())
    settings = Settings(
        rasa_port=free_port(), actions_port=free_port(), tracker_db=work / "rasa.db"
    )
    services = Services(settings)
    started = time.monotonic()
    services.start(log=work / "servers.log")
    try:
        services.wait_ready()
        print(f"time to ready: {time.monotonic() - started:.1f} s")
        url = f"{services.rasa_url}/webhooks/rest/webhook"
        timings = []
        for turn in range(turns):
            body = {
                "sender": f"bench-{turn // 10}",
                "message": MESSAGES[turn % len(MESSAGES)],
            }
            request = urllib.request.Request(
                url,
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            began = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as reply:
                reply.read()
            timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        p50, p95 = statistics.median(timings), timings[int(len(timings) * 0.95) - 1]
        print(
            f"per-turn latency over {turns} turns: p50 {p50:.0f} ms, "
            f"p95 {p95:.0f} ms, max {timings[-1]:.0f} ms"
        )
    finally:
        services.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
