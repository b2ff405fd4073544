"""The background sender: started on demand, idle when nothing waits, stopped on close."""

import asyncio
from collections import deque

import pytest

from bot.events.sender import BackgroundSender

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Queue:
    """A broker's queue sent one item at a time, `pause` seconds each."""

    def __init__(self, pause: float = 0.0) -> None:
        self.items: deque[int] = deque()
        self.sent: list[int] = []
        self.pause = pause
        self.sender = BackgroundSender(self.run, lambda: bool(self.items))

    async def run(self) -> None:
        while True:
            await self.sender.work()
            await asyncio.sleep(self.pause)
            self.sent.append(self.items.popleft())

    def put(self, item: int) -> bool:
        if not self.sender.start():
            return False
        self.items.append(item)
        self.sender.wake()
        return True


def test_without_a_running_loop_it_does_not_start() -> None:
    queue = Queue()
    assert queue.put(1) is False
    assert asyncio.run(queue.sender.flush(0.1)) is True  # nothing queued


async def test_it_sends_in_the_background_and_flush_waits() -> None:
    queue = Queue(pause=0.01)
    assert await queue.sender.flush(0.1)  # never started, nothing waits
    for item in range(5):
        assert queue.put(item)
    assert queue.sent == []  # only queued
    assert await queue.sender.flush(5)
    assert queue.sent == [0, 1, 2, 3, 4]
    assert queue.put(5) and await queue.sender.flush(5)  # woken again
    assert queue.sent[-1] == 5
    await queue.sender.close(1)


async def test_flush_gives_up_after_its_timeout_and_close_stops_the_task() -> None:
    queue = Queue(pause=10)
    queue.put(1)
    assert await queue.sender.flush(0.1) is False
    await queue.sender.close(0.1)
    assert queue.sent == [] and list(queue.items) == [1]
    # Started again on demand after close.
    queue.pause = 0
    assert queue.put(2) and await queue.sender.flush(5)
    assert queue.sent == [1, 2]
    await queue.sender.close(1)
