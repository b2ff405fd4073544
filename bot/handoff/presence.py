"""Who is online: staff seen recently, or with a live stream open.

In memory (the console is one process). The clock is passed in.
"""

from collections import Counter


class Presence:
    """Last-seen times of staff and their open live streams."""

    def __init__(self) -> None:
        self._seen: dict[int, float] = {}
        self._streams: Counter[int] = Counter()

    def seen(self, staff_id: int, now: float) -> None:
        """Note a request of a staff member."""
        self._seen[staff_id] = max(now, self._seen.get(staff_id, now))

    def stream_opened(self, staff_id: int, now: float) -> None:
        """A live stream of theirs opened."""
        self._streams[staff_id] += 1
        self.seen(staff_id, now)

    def stream_closed(self, staff_id: int, now: float) -> None:
        """A live stream of theirs closed (they were there until now)."""
        self._streams[staff_id] -= 1
        if self._streams[staff_id] <= 0:
            del self._streams[staff_id]
        self.seen(staff_id, now)

    def forget(self, staff_id: int) -> None:
        """They logged out: not online any more (unless a stream is open)."""
        self._seen.pop(staff_id, None)

    def last_seen(self, now: float) -> dict[int, float]:
        """Staff id -> when last seen; staff with an open stream count as now."""
        seen = dict(self._seen)
        for staff_id in self._streams:
            seen[staff_id] = now
        return seen
