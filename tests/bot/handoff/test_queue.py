"""The queue's pure rules: order, visibility, availability, wait estimate."""

from dataclasses import replace

import pytest

from bot.handoff import queue
from bot.handoff.queue import Handoff, Viewer

BASE = Handoff(
    id=1,
    conversation_id="c1",
    pseudonym="C-000001",
    language="tl",
    country="PH",
    channel="socketio",
    risk="none",
    reason="request_human",
    urgent=False,
    status="waiting",
    created_at=1000.0,
)
COUNSELLOR = Viewer(id=7, role="counsellor", languages=("tl", "en"))
SUPERVISOR = Viewer(id=9, role="supervisor", languages=("en",))


def make(id: int, **fields: object) -> Handoff:
    return replace(BASE, id=id, conversation_id=f"c{id}", **fields)  # type: ignore[arg-type]


def test_urgent_first_then_longest_waiting() -> None:
    old = make(1, created_at=100.0)
    new = make(2, created_at=200.0)
    urgent_new = make(3, created_at=300.0, urgent=True)
    urgent_old = make(4, created_at=250.0, urgent=True)
    ordered = queue.in_queue_order([new, urgent_new, old, urgent_old])
    assert [h.id for h in ordered] == [4, 3, 1, 2]


def test_a_transfer_puts_it_back_at_the_time_of_the_transfer() -> None:
    transferred = make(1, created_at=100.0, waiting_since=500.0)
    waiting = make(2, created_at=300.0)
    assert [h.id for h in queue.in_queue_order([transferred, waiting])] == [2, 1]


def test_counsellors_see_their_languages_assigned_and_held_only() -> None:
    thai = make(1, language="th")
    assert queue.can_see(COUNSELLOR, make(2, language="tl"))
    assert not queue.can_see(COUNSELLOR, thai)
    assert queue.can_see(COUNSELLOR, replace(thai, assigned_to=COUNSELLOR.id))
    assert queue.can_see(COUNSELLOR, replace(thai, claimed_by=COUNSELLOR.id))
    assert not queue.can_see(COUNSELLOR, make(3, language=None))
    assert queue.can_see(SUPERVISOR, thai)
    assert queue.can_see(SUPERVISOR, make(3, language=None))


def test_visible_filters_and_orders() -> None:
    items = [make(1, language="th"), make(2, created_at=5.0), make(3, urgent=True)]
    assert [h.id for h in queue.visible(COUNSELLOR, items)] == [3, 2]
    assert [h.id for h in queue.visible(SUPERVISOR, items)] == [3, 2, 1]


def test_only_holder_or_supervisor_acts() -> None:
    held = make(1, status="active", claimed_by=COUNSELLOR.id)
    other = Viewer(id=8, role="counsellor", languages=("tl",))
    assert queue.can_act(COUNSELLOR, held)
    assert not queue.can_act(other, held)
    assert queue.can_act(SUPERVISOR, held)


def test_staff_online_counts_recent_and_language() -> None:
    thai = Viewer(id=1, role="counsellor", languages=("th",))
    tagalog = Viewer(id=2, role="counsellor", languages=("tl",))
    boss = Viewer(id=3, role="supervisor", languages=("en",))
    seen = {1: 1000.0, 2: 1000.0 - queue.ONLINE_SECONDS - 1, 3: 990.0}
    staff = [thai, tagalog, boss]
    assert queue.staff_online(staff, seen, 1000.0) == 2
    assert queue.staff_online(staff, seen, 1000.0, "th") == 2  # thai + supervisor
    assert queue.staff_online(staff, seen, 1000.0, "tl") == 1  # tagalog is away
    assert queue.staff_online(staff, {}, 1000.0) == 0


def test_position_counts_only_the_same_language_in_queue_order() -> None:
    a = make(1, created_at=100.0)
    b = make(2, created_at=200.0)
    thai = make(3, created_at=50.0, language="th")
    urgent = make(4, created_at=300.0, urgent=True)
    waiting = [a, b, thai, urgent]
    assert queue.position(urgent, waiting) == 1
    assert queue.position(a, waiting) == 2
    assert queue.position(b, waiting) == 3
    assert queue.position(thai, waiting) == 1
    assert queue.position(replace(a, status="active"), waiting) == 0


@pytest.mark.parametrize(
    ("delays", "place", "expected"),
    [
        ([], 1, None),
        ([60.0, 120.0, 90.0], 1, 90),
        ([60.0, 120.0, 90.0], 3, 270),
        ([1.0, 2.0], 1, queue.MIN_ESTIMATE_S),
        ([3000.0], 5, 3600),
        ([60.0], 0, None),
    ],
)
def test_wait_estimate(delays: list[float], place: int, expected: object) -> None:
    assert queue.wait_estimate(delays, place, ceiling=3600.0) == expected


def test_wait_estimate_uses_the_last_twenty_claims() -> None:
    delays = [1000.0] * 30 + [60.0] * 20
    assert queue.wait_estimate(delays, 1, 3600.0) == 60


def test_risk_is_only_raised() -> None:
    assert queue.raised_risk("none", "high") == "high"
    assert queue.raised_risk("high", "elevated") == "high"
    assert queue.raised_risk("elevated", None) == "elevated"
    assert queue.raised_risk("none", "bogus") == "none"
    assert queue.makes_urgent("elevated") and queue.makes_urgent("high")
    assert not queue.makes_urgent("none") and not queue.makes_urgent(None)


def test_timers_rules() -> None:
    waiting = make(1, created_at=1000.0, waiting_since=1000.0)
    assert not queue.due_unanswered(waiting, 1179.0, 180.0)
    assert queue.due_unanswered(waiting, 1180.0, 180.0)
    assert not queue.due_unanswered(
        replace(waiting, told_unanswered=True), 2000.0, 180.0
    )
    assert not queue.due_unanswered(replace(waiting, status="active"), 2000.0, 180.0)
    assert not queue.due_expiry(waiting, 4599.0, 3600.0)
    assert queue.due_expiry(waiting, 4600.0, 3600.0)
    assert not queue.due_expiry(replace(waiting, status="active"), 9999.0, 3600.0)
    assert queue.expires_in(waiting, 1600.0, 3600.0) == 3000
    assert queue.expires_in(waiting, 9999.0, 3600.0) == 0
