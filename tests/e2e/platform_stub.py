"""A local HTTP server standing in for a messaging platform's API.

The connector tests start the real Rasa server with the platform's API base URL
(`Settings.telegram_api_url`, `whatsapp_api_url`, `line_api_url`...) pointing
here. Every request is recorded as a `Call` and answered 200 with a JSON body
that satisfies the clients used (`{"ok": true, "result": {}, "status": 0, ...}`:
Telegram's envelope, Viber's and Zalo's success codes); `answer` sets another
reply for paths starting with a prefix.

    with platform_stub() as stub:
        ...  # start Rasa with whatsapp_api_url=stub.url
        call = stub.wait_for(lambda c: c.path.endswith("/messages"))
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qsl, urlsplit

#: What every request gets unless `answer` says otherwise.
DEFAULT_ANSWER: dict[str, Any] = {
    "ok": True,
    "result": {},
    "status": 0,
    "status_message": "ok",
    "error": 0,
    "message": "Success",
    "messages": [{"id": "wamid.stub"}],
    "sentMessages": [{"id": "1", "quoteToken": "stub"}],
}


@dataclass
class Call:
    """One request the stub received.

    Attributes:
        method: HTTP method ("POST", "GET"...).
        path: The path, without the query string.
        headers: Request headers (names as sent).
        body: The JSON-decoded body when it is JSON, a dict of fields when it
            is a URL-encoded form, else the raw bytes (b"" when empty).
        query: The query string's parameters (last value of each).
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    query: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> Optional[str]:
        """A header's value, whatever the case of its name (None when absent)."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


class PlatformStub:
    """The running stub: its URL and the calls it has recorded.

    Attributes:
        url: Base URL, http://127.0.0.1:<port> (no trailing slash).
        calls: Every request received so far, oldest first.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.calls: list[Call] = []
        self._answers: list[tuple[str, int, Any]] = []
        self._changed = threading.Condition()

    def answer(self, path_prefix: str, body: Any, status: int = 200) -> None:
        """Answer requests whose path starts with `path_prefix` with `body`.

        The latest matching prefix wins; `clear()` forgets every answer set.
        """
        with self._changed:
            self._answers.insert(0, (path_prefix, status, body))

    def reply_for(self, path: str) -> tuple[int, Any]:
        """The status and JSON body the stub answers `path` with."""
        with self._changed:
            for prefix, status, body in self._answers:
                if path.startswith(prefix):
                    return status, body
        return 200, DEFAULT_ANSWER

    def record(self, call: Call) -> None:
        """Keep one call and wake whoever waits for it."""
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[Call], bool], timeout: float = 30.0
    ) -> Call:
        """The first recorded call matching `predicate`, waiting for it if need be.

        Raises:
            AssertionError: No such call arrived within `timeout` seconds (the
                message lists the calls that did).
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self.calls:
                    if predicate(call):
                        return call
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.path, c.body) for c in self.calls]
                    raise AssertionError(
                        f"no matching call in {timeout:g} s; got {seen}"
                    )
                self._changed.wait(left)

    def matching(self, predicate: Callable[[Call], bool]) -> list[Call]:
        """The calls recorded so far that match `predicate` (no waiting)."""
        with self._changed:
            return [call for call in self.calls if predicate(call)]

    def clear(self) -> None:
        """Forget the recorded calls and the answers set with `answer`."""
        with self._changed:
            self.calls.clear()
            self._answers.clear()


def _decode(content_type: str, raw: bytes) -> Any:
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        return json.loads(raw) if raw else b""
    except (ValueError, UnicodeDecodeError):
        return raw


def _handler(stub: PlatformStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            stub.record(
                Call(
                    method=self.command,
                    path=parts.path,
                    headers=dict(self.headers.items()),
                    body=_decode(self.headers.get("Content-Type", ""), raw),
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                )
            )
            status, body = stub.reply_for(parts.path)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the calls are in `stub.calls`."""

    return Handler


@contextmanager
def platform_stub() -> Iterator[PlatformStub]:
    """Run a stub on a free loopback port for the duration of the block."""
    stub = PlatformStub("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
