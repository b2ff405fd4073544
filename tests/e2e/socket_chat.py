"""A socket.io user for the end-to-end tests: python-socketio's client, recorded.

The client uses the long-polling transport: python-engineio's websocket client
needs aiohttp >= 3.10, and Rasa 3.6 pins aiohttp < 3.10.
"""

import threading
import time
from typing import Any

import socketio

from bot.launch import Services


class Chat:
    """One socket.io connection that records every event it receives."""

    def __init__(self, services: Services) -> None:
        self.client = socketio.Client(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        for event in ("bot_uttered", "input_error", "session_confirm"):
            self.client.on(event, self._recorder(event))
        self.client.connect(services.rasa_url, transports=["polling"], wait_timeout=30)

    def _recorder(self, event: str) -> Any:
        def record(data: Any = None) -> None:
            with self.lock:
                self.events.append((event, data))

        return record

    def take(self) -> list[tuple[str, Any]]:
        with self.lock:
            events, self.events = self.events, []
        return events

    def start_session(self, session_id: str) -> None:
        self.client.emit("session_request", {"session_id": session_id})
        deadline = time.monotonic() + 30
        while ("session_confirm", session_id) not in self.events:
            assert time.monotonic() < deadline, "no session_confirm"
            time.sleep(0.05)
        self.take()

    def send(self, data: Any) -> tuple[Any, list[tuple[str, Any]]]:
        """Send one `user_uttered`; the acknowledgement and the events it caused."""
        ack = self.client.call("user_uttered", data, timeout=90)
        time.sleep(0.1)  # the events were sent before the acknowledgement
        return ack, self.take()

    def say(self, session_id: str, text: str) -> str:
        ack, events = self.send({"message": text, "session_id": session_id})
        assert ack == {"status": "ok"}, ack
        texts = [d.get("text", "") for e, d in events if e == "bot_uttered"]
        assert texts, f"no bot_uttered for {text!r}: {events}"
        return "\n".join(texts)

    def close(self) -> None:
        # Without waiting for the open long-poll to end (up to the 25 s ping).
        self.client.eio.disconnect(abort=True)

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> list[tuple[str, Any]]:
        """Wait until the events received so far satisfy `predicate`; take them."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if predicate(self.events):
                    events, self.events = self.events, []
                    return events
            if time.monotonic() > deadline:
                with self.lock:
                    seen = list(self.events)
                raise AssertionError(f"timed out; events so far: {seen}")
            time.sleep(0.05)


def texts(events: list[tuple[str, Any]]) -> list[str]:
    """The texts of the `bot_uttered` events."""
    return [str(d.get("text", "")) for e, d in events if e == "bot_uttered"]
