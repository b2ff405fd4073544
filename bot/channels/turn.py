"""Handling one message in any channel, with store failures never hidden.

`handle_turn` awaits Rasa's handling of one message inside
`bot.store_health.watch_store`; when the store reported a failure (or the
handling itself failed), the caller appends the `utter_store_unavailable`
notice from `store_notice()` to whatever replies were produced, so a crisis
answer is still delivered and the person knows to send the message again.
"""

import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.notice import StoreNotice
from bot.settings import ROOT, Settings
from bot.store_health import watch_store

logger = logging.getLogger(__name__)

#: The response sent instead of processing a message over a rate limit, and
#: what `CheckedChannel.process` reports then.
RATE_LIMITED = "utter_rate_limited"


@lru_cache(maxsize=1)
def store_notice() -> StoreNotice:
    """The notice texts (read once, when the first channel is set up)."""
    return StoreNotice.load(ROOT / "domain.yml", Settings.from_env().translations_dir)


@lru_cache(maxsize=1)
def rate_notice() -> StoreNotice:
    """The rate limits' kind answer, `utter_rate_limited` (read once)."""
    return StoreNotice.load(
        ROOT / "domain.yml", Settings.from_env().translations_dir, RATE_LIMITED
    )


async def handle_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
) -> list[str]:
    """Let Rasa handle one message and say what went wrong with the store.

    Args:
        on_new_message: Rasa's handler (given to the channel's blueprint).
        message: The checked message.

    Returns:
        The store operations that failed during the turn ("retrieve", "save"...),
        or ["handling"] when the handling raised; empty when all went well.
    """
    with watch_store() as failures:
        try:
            await on_new_message(message)
        except Exception as error:
            # The type only: an exception's text may quote the message.
            logger.error(
                "Handling a %s message failed: %s",
                message.input_channel,
                type(error).__name__,
            )
            logger.debug("Handling failed", exc_info=True)
            failures.append("handling")
        found = list(failures)
    if found:
        logger.warning(
            "Store failure during a %s turn (%s): the person is asked to resend",
            message.input_channel,
            ", ".join(sorted(set(found))),
        )
    return found
