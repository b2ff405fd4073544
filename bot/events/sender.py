"""`BackgroundSender`: the task an event broker sends from, outside Rasa's turns.

Our event brokers (bot/events/rabbit.py, bot/handoff/broker.py) only queue in
`publish`, which Rasa calls inside a turn, and send from one background task
on Rasa's event loop. This holds that task and its two signals:

- `start()` starts the task on the running loop unless it runs (False when no
  loop runs: the broker then drops the event);
- `wake()`, after queueing, says there is work;
- the task's loop awaits `work()`, which returns once something is pending
  and marks the sender idle while nothing is;
- `flush(timeout)` waits until idle (tests, shut-down); `close(budget)`
  flushes within `budget` seconds, then cancels the task.
"""

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, Optional


class BackgroundSender:
    """Starts, wakes, flushes and stops a broker's sending task (module docstring).

    Args:
        run: The sending loop (a coroutine function that awaits `work()`
            before each round and never returns).
        pending: Whether anything is waiting to be sent.
    """

    def __init__(
        self,
        run: Callable[[], Coroutine[Any, Any, None]],
        pending: Callable[[], bool],
    ) -> None:
        self._run = run
        self._pending = pending
        self._wake: Optional[asyncio.Event] = None
        self._idle: Optional[asyncio.Event] = None
        self._task: Optional[asyncio.Task[None]] = None

    def start(self) -> bool:
        """Start the task on the running loop unless it runs.

        Returns:
            False when no event loop runs (nothing can be sent).
        """
        if self._task is not None and not self._task.done():
            return True
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task = asyncio.ensure_future(self._run())
        return True

    def wake(self) -> None:
        """Say there is work (after `start` and queueing)."""
        if self._wake is not None and self._idle is not None:
            self._idle.clear()
            self._wake.set()

    async def work(self) -> None:
        """Return once something is pending; idle while nothing is."""
        assert self._wake is not None and self._idle is not None
        while not self._pending():
            self._idle.set()
            await self._wake.wait()
            self._wake.clear()

    async def flush(self, timeout: float) -> bool:
        """Wait until nothing is pending (or `timeout` seconds passed).

        Returns:
            Whether nothing is left to send.
        """
        if self._idle is None or self._task is None or self._task.done():
            return not self._pending()
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def close(self, budget: float) -> None:
        """Send what is pending within `budget` seconds, then stop the task."""
        await self.flush(budget)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
