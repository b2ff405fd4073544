"""Deliveries already seen, so a webhook retry is processed once.

Platforms deliver a webhook call again when they got no quick 200 (and
sometimes anyway); each call carries an id (Telegram's `update_id`,
Messenger's message `mid`, a REST `message_id`...). `Deliveries` remembers the
ids seen recently: a bounded LRU (oldest forgotten first) whose entries also
expire, so memory stays small on a busy server. Kept in memory: after a
restart a retry of an old delivery is processed again, which the platforms'
short retry windows make rare. Pure: no Sanic, no Rasa.
"""

import time
from collections import OrderedDict
from collections.abc import Callable

DEFAULT_SIZE = 10_000
DEFAULT_KEEP_SECONDS = 86_400.0


class Deliveries:
    """Ids of deliveries already seen (webhook retries), bounded LRU + TTL.

    Args:
        size: How many ids are remembered at most (the oldest go first).
        keep_seconds: How long an id is remembered.
        clock: Monotonic time in seconds (tests pass their own).
    """

    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        keep_seconds: float = DEFAULT_KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self._size = size
        self._keep = keep_seconds
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str) -> bool:
        """Whether `key` is new; it is remembered either way.

        Args:
            key: The delivery's id (prefix it when ids of several kinds share
                one instance).

        Returns:
            True the first time `key` is seen (or once it has expired); False
            for a repeat.
        """
        now = self._clock()
        self._expire(now)
        if key in self._seen:
            return False
        self._seen[key] = now
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True

    def forget(self, key: str) -> None:
        """Forget `key`, so its next delivery is processed (its handling failed).

        Args:
            key: The delivery's id.
        """
        self._seen.pop(key, None)

    def __len__(self) -> int:
        """How many ids are remembered (expired ones included until next use)."""
        return len(self._seen)

    def _expire(self, now: float) -> None:
        """Forget the ids older than `keep_seconds` (they are in time order)."""
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if now - seen_at < self._keep:
                return
            del self._seen[key]
