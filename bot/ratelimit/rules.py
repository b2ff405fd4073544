"""The rate-limit decisions: fixed windows, hashed subjects. Pure: no Redis, no Sanic.

A limit allows `count` events per `window` seconds for one subject (a
conversation, an address). Windows are aligned on multiples of `window`
since the epoch, so every replica counts in the same window and a refused
client is told when the window ends (`Retry-After`). A subject is stored only
as a hash, never as a phone number or an address.
"""

import hashlib
import math
from dataclasses import dataclass

#: Kinds of subject.
SENDER = "sender"
ADDRESS = "ip"
#: Paths whose requests count against the per-address limit: the endpoints a
#: person's own device calls. Platform webhooks (Telegram, Messenger, WhatsApp,
#: LINE, Viber, Zalo) are left out: all their users arrive from the platform's
#: few addresses; each conversation is limited by the per-sender limit instead.
ADDRESS_LIMITED_PREFIXES = (
    "/webhooks/rest/",
    "/webhooks/webchat/",
    "/webhooks/widget/",
    "/socket.io/",
)
ADDRESS_LIMITED_PATHS = frozenset(
    {"/model/parse", "/webhooks/rest", "/webhooks/webchat", "/socket.io"}
)
#: Webhook paths whose refusal carries a chat reply (a list of messages).
CHAT_WEBHOOKS = frozenset({"/webhooks/rest/webhook", "/webhooks/webchat/webhook"})


@dataclass(frozen=True)
class Limit:
    """At most `count` events per `window` seconds; `count` 0 means no limit."""

    count: int
    window: float

    @property
    def active(self) -> bool:
        """Whether the limit limits anything."""
        return self.count > 0 and self.window > 0


@dataclass(frozen=True)
class Verdict:
    """Whether an event is allowed, and when to try again if not.

    Attributes:
        allowed: True when the event is within the limit (or the count is
            unknown: a limit never refuses because its store failed).
        retry_after: Whole seconds until the window ends (at least 1).
    """

    allowed: bool
    retry_after: int = 0


ALLOWED = Verdict(True)


def window_index(now: float, window: float) -> int:
    """The number of the window `now` falls in."""
    return int(now // window)


def seconds_left(now: float, window: float) -> int:
    """Whole seconds until the current window ends (at least 1)."""
    end = (window_index(now, window) + 1) * window
    return max(1, math.ceil(end - now))


def counter_key(prefix: str, kind: str, subject: str, index: int) -> str:
    """The counter of one subject in one window (the subject is hashed).

    Args:
        prefix: The assistant's key prefix (REDIS_PREFIX).
        kind: `SENDER` or `ADDRESS`.
        subject: The conversation id (with its channel) or the address.
        index: The window (`window_index`).
    """
    digest = hashlib.sha256(f"{kind}\0{subject}".encode("utf-8", "surrogatepass"))
    return f"{prefix}:rl:{kind}:{digest.hexdigest()[:32]}:{index}"


def decide(count: int, limit: Limit, now: float) -> Verdict:
    """The verdict for the `count`-th event of a window.

    Args:
        count: How many events of the subject this window has seen, this one
            included.
        limit: The limit.
        now: The current time (seconds since the epoch).
    """
    if not limit.active or count <= limit.count:
        return ALLOWED
    return Verdict(False, seconds_left(now, limit.window))


def address_limited(path: str) -> bool:
    """Whether requests to a (normalized) path count against the address limit."""
    return path in ADDRESS_LIMITED_PATHS or path.startswith(ADDRESS_LIMITED_PREFIXES)
