"""`RedisLink`: the Redis server the replicas share, as each part reaches it.

Rate limits, the web chat mailboxes, the channels' memory of deliveries and
buttons keep shared state in Redis when REDIS_HOST is set. Each holds a
`RedisLink`: the connection options, one `redis.asyncio` client per event
loop (a client binds to the loop it was made on), and a warning when Redis
fails, at most once a minute and naming the error's type only (never a key or
a message). What each part does meanwhile is its own affair (a fallback in
the process, or allowing without counting).
"""

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Any, Optional

from bot.settings import Settings

logger = logging.getLogger(__name__)

#: At most one warning this often (seconds), per link.
WARN_EVERY = 60.0


class RedisLink:
    """One Redis server, a client per event loop (module docstring).

    Args:
        host: Redis host.
        port: Redis port.
        db: Redis database number.
        password: Redis password (empty: none).
        timeout: Seconds Redis may take to connect or to answer.
        clock: Monotonic seconds, for the warning interval.

    Attributes:
        failures: How many operations failed so far.
    """

    def __init__(
        self,
        host: str,
        port: int = 6379,
        db: int = 1,
        password: str = "",
        timeout: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._options: dict[str, Any] = {
            "host": host,
            "port": int(port),
            "db": int(db),
            "password": password or None,
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
        }
        self._clients: dict[int, Any] = {}
        self._clock = clock
        self._last_warning = -math.inf
        self.failures = 0

    @classmethod
    def from_settings(
        cls, settings: Settings, timeout: float = 1.0
    ) -> Optional["RedisLink"]:
        """The link to REDIS_HOST, or None when it is not set (one replica)."""
        if not settings.redis_host:
            return None
        return cls(
            settings.redis_host,
            settings.redis_port,
            settings.redis_db,
            settings.redis_password,
            timeout,
        )

    def client(self) -> Any:
        """The client of the running event loop (made on first use)."""
        import redis.asyncio

        loop = id(asyncio.get_running_loop())
        found = self._clients.get(loop)
        if found is None:
            found = self._clients[loop] = redis.asyncio.Redis(**self._options)
        return found

    def failed(self, error: Exception, part: str, meanwhile: str) -> None:
        """Count a failed operation and warn at most once a minute.

        Args:
            error: What Redis raised (only its type is logged).
            part: Who failed ("Rate limits", "Mailbox"...).
            meanwhile: What happens instead, for the log.
        """
        self.failures += 1
        now = self._clock()
        if now - self._last_warning >= WARN_EVERY:
            self._last_warning = now
            logger.warning(
                "%s: Redis unreachable (%s); %s (%d failures so far).",
                part,
                type(error).__name__,
                meanwhile,
                self.failures,
            )
