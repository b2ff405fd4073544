"""The console's background task: wait notices, expiry and retention.

Started by the app when the server starts, stopped when it stops. Every
`interval` seconds it asks the service to tell people nobody has taken their
request yet (after HANDOFF_WAIT, once) and to expire requests older than
HANDOFF_EXPIRY; every `purge_every` seconds it deletes ended hand-offs past
RETENTION_DAYS and dead sessions. A failing round is logged and the loop goes on.
"""

import asyncio
import logging
import time
from typing import Protocol

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 5.0
PURGE_SECONDS = 3600.0


class Ticking(Protocol):
    """What the loop needs of the service."""

    async def tick(self) -> None:
        """One round of wait notices and expiry."""

    async def purge(self) -> int:
        """Delete what is past retention."""


async def run(
    service: Ticking,
    interval: float = INTERVAL_SECONDS,
    purge_every: float = PURGE_SECONDS,
) -> None:
    """Run until cancelled."""
    last_purge = float("-inf")
    while True:
        try:
            await service.tick()
            if time.monotonic() - last_purge >= purge_every:
                last_purge = time.monotonic()
                await service.purge()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # keep the loop alive; never log content
            logger.error("Hand-off timers: %s", type(error).__name__)
        await asyncio.sleep(interval)
