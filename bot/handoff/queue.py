"""The hand-off queue's rules: order, visibility, availability, wait estimate.

Pure: no Sanic, SQLAlchemy or Rasa. The store gives `Handoff` records; the
service and the routes ask these functions what to show and allow.
"""

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Optional

from bot.languages import CODES

STATUSES = ("waiting", "active", "closed", "expired", "cancelled")
OPEN_STATUSES = ("waiting", "active")
RISKS = ("none", "elevated", "high")
REASONS = ("request_human", "fallback", "crisis")
ROLES = ("counsellor", "supervisor")
LANGUAGES = CODES
#: Staff seen (a request or an open live stream) this recently are online.
ONLINE_SECONDS = 90.0
#: How many recent claims the wait estimate looks at.
ESTIMATE_HISTORY = 20
#: Shortest wait ever announced (a person is never promised "now").
MIN_ESTIMATE_S = 30


@dataclass(frozen=True)
class Handoff:
    """One hand-off request as the rules see it.

    Attributes:
        id: Database id.
        conversation_id: Rasa's sender id (never shown to staff).
        pseudonym: What staff see instead of the conversation id.
        language: Language code of the conversation (None if unknown).
        country: Country code, if known.
        channel: Channel name (socketio, rest...).
        risk: "none", "elevated" or "high".
        reason: Why it started ("request_human", "fallback", "crisis").
        urgent: Crisis or raised risk: first in the queue.
        status: One of STATUSES.
        created_at: When it was asked for (epoch seconds).
        claimed_at: When a staff member took it (None while waiting).
        claimed_by: Staff id of the holder.
        assigned_to: Staff id it was transferred to (None: anyone of the language).
        closed_at: When it ended (closed, expired or cancelled).
        outcome: Outcome code of a closed hand-off.
        told_unanswered: Whether the person was told nobody has taken it yet.
        waiting_since: When it (last) entered the queue: creation or transfer.
        was_claimed: Whether anyone ever held it (Rasa paused the conversation).
    """

    id: int
    conversation_id: str
    pseudonym: str
    language: Optional[str]
    country: Optional[str]
    channel: Optional[str]
    risk: str
    reason: str
    urgent: bool
    status: str
    created_at: float
    claimed_at: Optional[float] = None
    claimed_by: Optional[int] = None
    assigned_to: Optional[int] = None
    closed_at: Optional[float] = None
    outcome: Optional[str] = None
    told_unanswered: bool = False
    waiting_since: Optional[float] = None
    was_claimed: bool = False

    @property
    def is_open(self) -> bool:
        """Waiting or active."""
        return self.status in OPEN_STATUSES

    @property
    def queued_at(self) -> float:
        """When it entered the queue (creation, or its last transfer)."""
        return self.waiting_since if self.waiting_since is not None else self.created_at


@dataclass(frozen=True)
class Viewer:
    """A staff member as the rules see them.

    Attributes:
        id: Staff id.
        role: "counsellor" or "supervisor".
        languages: Language codes they answer in.
    """

    id: int
    role: str
    languages: tuple[str, ...]

    @property
    def is_supervisor(self) -> bool:
        """Supervisors see and may act on every hand-off."""
        return self.role == "supervisor"


def queue_key(handoff: Handoff) -> tuple[int, float, int]:
    """Sort key of the queue: urgent first, then longest waiting, then id."""
    return (0 if handoff.urgent else 1, handoff.queued_at, handoff.id)


def in_queue_order(handoffs: Iterable[Handoff]) -> list[Handoff]:
    """The hand-offs in queue order (see `queue_key`)."""
    return sorted(handoffs, key=queue_key)


def can_see(viewer: Viewer, handoff: Handoff) -> bool:
    """Whether a staff member may see, open and claim a hand-off.

    Supervisors: all. Counsellors: those in their languages, those assigned
    to them and the one they hold. A hand-off of unknown language is
    seen by supervisors only, unless assigned.
    """
    if viewer.is_supervisor:
        return True
    if viewer.id in (handoff.assigned_to, handoff.claimed_by):
        return True
    return handoff.language is not None and handoff.language in viewer.languages


def can_act(viewer: Viewer, handoff: Handoff) -> bool:
    """Whether a staff member may close or transfer it: holder or supervisor."""
    return viewer.is_supervisor or handoff.claimed_by == viewer.id


def visible(viewer: Viewer, handoffs: Iterable[Handoff]) -> list[Handoff]:
    """The hand-offs a staff member may see, in queue order."""
    return in_queue_order(h for h in handoffs if can_see(viewer, h))


def answers_language(viewer: Viewer, language: Optional[str]) -> bool:
    """Whether a staff member could take a hand-off in that language."""
    return viewer.is_supervisor or (
        language is not None and language in viewer.languages
    )


def staff_online(
    staff: Iterable[Viewer],
    last_seen: dict[int, float],
    now: float,
    language: Optional[str] = None,
) -> int:
    """How many staff are online (seen in the last ONLINE_SECONDS).

    Args:
        staff: Enabled staff members.
        last_seen: Staff id -> when they were last seen (epoch seconds).
        now: The clock.
        language: Count only those who answer in it (and supervisors); None
            counts everyone.
    """
    return sum(
        1
        for viewer in staff
        if now - last_seen.get(viewer.id, float("-inf")) <= ONLINE_SECONDS
        and (language is None or answers_language(viewer, language))
    )


def position(handoff: Handoff, waiting: Iterable[Handoff]) -> int:
    """1-based place of a waiting hand-off among those of its language.

    Hand-offs of other languages go to other staff, so they do not count;
    0 when the hand-off is not waiting.
    """
    if handoff.status != "waiting":
        return 0
    same = [
        other
        for other in waiting
        if other.status == "waiting" and other.language == handoff.language
    ]
    if all(other.id != handoff.id for other in same):
        same.append(handoff)
    return 1 + [other.id for other in in_queue_order(same)].index(handoff.id)


def wait_estimate(
    claim_delays: Sequence[float], place: int, ceiling: float
) -> Optional[int]:
    """Seconds a person may wait: median of recent claim delays x place.

    Args:
        claim_delays: Seconds between request and claim of recent hand-offs
            (the last ESTIMATE_HISTORY are used).
        place: Position in the queue (1 = next).
        ceiling: Longest estimate (the expiry: nobody waits longer).

    Returns:
        Whole seconds, at least MIN_ESTIMATE_S and at most `ceiling`; None
        without history (nothing honest to say) or when not waiting.
    """
    recent = [d for d in claim_delays if d >= 0][-ESTIMATE_HISTORY:]
    if not recent or place < 1:
        return None
    estimate = statistics.median(recent) * place
    bounded = min(max(estimate, MIN_ESTIMATE_S), max(ceiling, MIN_ESTIMATE_S))
    return round(bounded)


def raised_risk(current: str, new: Optional[str]) -> str:
    """The higher of two risk levels (risk is only ever raised)."""
    if new not in RISKS:
        return current
    return new if RISKS.index(new) > RISKS.index(current) else current


def makes_urgent(risk: Optional[str]) -> bool:
    """Whether a risk level makes a hand-off urgent."""
    return risk in ("elevated", "high")


def due_unanswered(handoff: Handoff, now: float, wait: float) -> bool:
    """Whether the person should now be told nobody has taken it yet."""
    return (
        handoff.status == "waiting"
        and not handoff.told_unanswered
        and now - handoff.created_at >= wait
    )


def due_expiry(handoff: Handoff, now: float, expiry: float) -> bool:
    """Whether a waiting hand-off has waited too long and expires now."""
    return handoff.status == "waiting" and now - handoff.queued_at >= expiry


def due_idle(
    handoff: Handoff, last_message_at: Optional[float], now: float, idle: float
) -> bool:
    """Whether a held hand-off has been silent both ways for `idle` seconds.

    Args:
        handoff: The hand-off.
        last_message_at: When its last transcript line was written (None: none).
        now: Epoch seconds.
        idle: HANDOFF_IDLE.
    """
    if handoff.status != "active":
        return False
    since = max(last_message_at or 0.0, handoff.claimed_at or handoff.created_at)
    return now - since >= idle


def expires_in(handoff: Handoff, now: float, expiry: float) -> int:
    """Whole seconds until a waiting hand-off expires (0 when not waiting)."""
    if handoff.status != "waiting":
        return 0
    return max(0, int(expiry - (now - handoff.queued_at)))


@dataclass(frozen=True)
class Message:
    """One line of a hand-off's transcript.

    Attributes:
        id: Database id.
        handoff_id: The hand-off.
        sender: "user", "bot", "staff" or "system".
        text: As stored (the Rasa side redacted user and bot text).
        at: Epoch seconds.
        staff_id: The staff member who wrote it (staff lines).
        delivered: False when Rasa did not take a staff message.
    """

    id: int
    handoff_id: int
    sender: str
    text: str
    at: float
    staff_id: Optional[int] = None
    delivered: bool = True
