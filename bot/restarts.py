"""When to restart a crashed action server, and when to give up.

`make run` (bot.launch) keeps the Rasa server up while it restarts a crashed
action server with exponential backoff: 1 s, 2 s, 4 s... up to
`MAX_DELAY`. A server that ran for `STABLE_AFTER` seconds before it crashed
starts a fresh count; after `Settings.action_restarts` restarts in a row the
launcher gives up and exits non-zero. Meanwhile the Rasa server answers on its
own (bot.policies: the crisis numbers need no action server).

Pure: must not import Rasa.
"""

from dataclasses import dataclass
from typing import Optional

BASE_DELAY = 1.0
MAX_DELAY = 30.0
STABLE_AFTER = 60.0


@dataclass(frozen=True)
class Backoff:
    """How restarts are spaced.

    Attributes:
        max_restarts: Restarts in a row before giving up (0: never restart).
        base_delay: Seconds before the first restart; doubled each time.
        max_delay: Longest wait between restarts.
        stable_after: Seconds of running after which a crash starts a new count.
    """

    max_restarts: int
    base_delay: float = BASE_DELAY
    max_delay: float = MAX_DELAY
    stable_after: float = STABLE_AFTER


@dataclass(frozen=True)
class Restart:
    """One restart to make.

    Attributes:
        attempt: Its number in the current run of crashes (1 = first).
        delay: Seconds to wait before it.
    """

    attempt: int
    delay: float


def next_restart(
    restarts_so_far: int, ran_for: float, backoff: Backoff
) -> Optional[Restart]:
    """Decide what to do after the action server exited.

    Args:
        restarts_so_far: Restarts already made in the current run of crashes.
        ran_for: Seconds the server ran before this exit.
        backoff: The spacing and the limit.

    Returns:
        The restart to make, or None to give up.
    """
    if ran_for >= backoff.stable_after:
        restarts_so_far = 0
    attempt = restarts_so_far + 1
    if attempt > backoff.max_restarts:
        return None
    delay = min(backoff.max_delay, backoff.base_delay * 2 ** (attempt - 1))
    return Restart(attempt, delay)
