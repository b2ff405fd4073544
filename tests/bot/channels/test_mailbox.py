"""The mailbox of messages pushed to REST and web chat users between requests."""

import asyncio

import pytest

from bot.channels.mailbox import Mailbox, MailboxOutput, poll_seconds


class Clock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_messages_are_taken_once_oldest_first() -> None:
    mailbox = Mailbox()
    mailbox.put("a", {"text": "one"})
    mailbox.put("b", {"text": "other"})
    mailbox.put("a", {"text": "two"})
    assert mailbox.take("a") == [{"text": "one"}, {"text": "two"}]
    assert mailbox.take("a") == []
    assert mailbox.take("b") == [{"text": "other"}]


def test_limits_drop_the_oldest_and_expired_messages() -> None:
    clock = Clock()
    mailbox = Mailbox(per_recipient=2, max_recipients=2, keep_seconds=60, clock=clock)
    for n in range(3):
        mailbox.put("a", {"text": str(n)})
    assert mailbox.take("a") == [{"text": "1"}, {"text": "2"}]
    mailbox.put("a", {"text": "old"})
    clock.now += 61
    mailbox.put("a", {"text": "new"})
    assert mailbox.take("a") == [{"text": "new"}]
    for name in ("x", "y", "z"):
        mailbox.put(name, {"text": name})
    assert mailbox.take("x") == []  # the least recently written recipient went
    assert mailbox.take("z") == [{"text": "z"}]


async def test_a_waiting_poll_is_woken_by_a_message() -> None:
    mailbox = Mailbox()
    waiting = asyncio.create_task(mailbox.wait("a", timeout=10))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await MailboxOutput(mailbox, "webchat").send_text_message(
        "a", "hello", handoff="staff"
    )
    assert await asyncio.wait_for(waiting, 5) == [
        {"recipient_id": "a", "text": "hello", "handoff": "staff"}
    ]
    assert await mailbox.wait("a", timeout=0.05) == []


async def test_buttons_are_kept_and_unknown_keys_dropped() -> None:
    mailbox = Mailbox()
    output = MailboxOutput(mailbox, "rest")
    buttons = [{"title": "Yes", "payload": "/affirm"}]
    await output.send_response("a", {"text": "Sure?", "buttons": buttons, "x": 1})
    assert mailbox.take("a") == [
        {"recipient_id": "a", "text": "Sure?", "buttons": buttons}
    ]
    assert output.name() == "rest"


@pytest.mark.parametrize(
    ("given", "seconds"),
    [
        (None, 25.0),
        ("3", 3.0),
        ("-1", 0.0),
        ("999", 25.0),
        ("abc", 25.0),
        ("nan", 25.0),
    ],
)
def test_poll_seconds_are_bounded(given: object, seconds: float) -> None:
    assert poll_seconds(given) == seconds  # type: ignore[arg-type]
