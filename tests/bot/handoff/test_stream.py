"""Live updates: `GET /api/stream` (server-sent events) with per-staff visibility."""

import json
import time
import urllib.request
import uuid
from typing import Any, Optional

from tests.bot.handoff.console import (
    SERVICE_TOKEN,
    Console,
    add_staff,
    admin,
    api,
    bearer,
    create,
    login,
    request,
)


class Stream:
    """A live stream read event by event (blocking, with a timeout)."""

    def __init__(self, console: Console, headers: dict[str, str]):
        prepared = urllib.request.Request(f"{console.url}/api/stream", headers=headers)
        self.reply = urllib.request.urlopen(prepared, timeout=5)
        self.comments: list[str] = []

    @property
    def headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.reply.headers.items()}

    def next(self) -> tuple[str, Any]:
        """The next event's name and data."""
        name, data = "", ""
        while True:
            line = self.reply.fp.readline().decode("utf-8")
            if line == "":
                raise EOFError("stream closed")
            line = line.rstrip("\n")
            if line.startswith(":"):
                self.comments.append(line)
            elif line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data = line[len("data: ") :]
            elif line == "" and name:
                return name, json.loads(data)

    def until(self, name: str, test: Any = lambda data: True, limit: int = 30) -> Any:
        """The data of the next `name` event that passes `test`."""
        for _ in range(limit):
            got, data = self.next()
            if got == name and test(data):
                return data
        raise AssertionError(f"no matching {name} event")

    def close(self) -> None:
        self.reply.close()


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


def test_stream_delivers_queue_handoff_and_message_events(console: Console) -> None:
    stream = Stream(console, admin(console))
    try:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["cache-control"] == "no-store"
        first = stream.until("queue")
        assert isinstance(first, list)
        cid = f"conv-{uuid.uuid4().hex}"
        handoff = create(console, cid, language="th", reason="crisis", risk="high")
        new = stream.until("handoff", lambda d: d["id"] == handoff["id"])
        assert new["status"] == "waiting" and new["urgent"]
        listed = stream.until("queue", lambda d: handoff["id"] in ids(d))
        assert listed[0]["urgent"]
        request(
            "POST",
            f"{console.url}/internal/events",
            {
                "events": [
                    {
                        "conversation_id": cid,
                        "type": "user",
                        "text": "ช่วยด้วย",
                        "at": console.clock(),
                    }
                ]
            },
            headers=bearer(SERVICE_TOKEN),
        )
        message = stream.until("message", lambda d: d["handoff_id"] == handoff["id"])
        assert message["sender"] == "user" and message["text"] == "ช่วยด้วย"
        assert "conversation_id" not in json.dumps(message)
        assert console.service.hub.count == 1
    finally:
        stream.close()
    # The server notices the closed stream and forgets it.
    deadline = time.monotonic() + 5
    while console.service.hub.count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert console.service.hub.count == 0


def test_stream_applies_visibility_and_keeps_alive(console: Console) -> None:
    name = add_staff(console, languages="ms")
    staff = bearer(login(console, name)["token"])
    stream = Stream(console, staff)
    try:
        stream.until("queue")
        hidden = create(console, f"conv-{uuid.uuid4().hex}", language="lo")
        shown = create(console, f"conv-{uuid.uuid4().hex}", language="ms")
        seen: list[tuple[str, Any]] = []
        while True:
            event = stream.next()
            seen.append(event)
            if event[0] == "queue" and shown["id"] in ids(event[1]):
                break
        handoff_ids = [d["id"] for n, d in seen if n == "handoff"]
        assert shown["id"] in handoff_ids and hidden["id"] not in handoff_ids
        assert all(hidden["id"] not in ids(d) for n, d in seen if n == "queue")
        # Nothing happens: keep-alive comments keep the stream open.
        for _ in range(50):
            line = stream.reply.fp.readline().decode()
            if line.startswith(": keep-alive"):
                break
        else:
            raise AssertionError("no keep-alive comment")
        # An open stream counts as online.
        _status, colleagues = api(console, "GET", "/api/staff", admin(console))
        assert [c["online"] for c in colleagues if c["username"] == name] == [True]
    finally:
        stream.close()


def test_stream_ends_when_the_session_ends(console: Console) -> None:
    name = add_staff(console, languages="en")
    session = login(console, name)
    stream = Stream(console, bearer(session["token"]))
    try:
        stream.until("queue")
        api(console, "POST", "/api/logout", bearer(session["token"]))
        ended: Optional[BaseException] = None
        try:
            for _ in range(20):
                stream.next()
        except EOFError as error:
            ended = error
        assert ended is not None
    finally:
        stream.close()
