"""`PrivateSQLTrackerStore`: the one place every conversation write goes through.

Rasa's SQL tracker store (SQLite by default, PostgreSQL by URL) with three
privacy guarantees, configured in endpoints.yml
(`type: bot.stores.PrivateSQLTrackerStore`):

- **Redaction**: user text is stored with phone numbers, e-mails, handles, card
  and e-wallet numbers, addresses and links replaced by placeholders
  (bot.safety.redact); message metadata (which may carry attachments or channel
  identifiers) is not stored. The NLU saw the original text before this point.
- **Retention**: conversations whose last event is older than `retention_days`
  (default 30) are deleted, at most once per `purge_interval_minutes` on a
  write, and by `python -m bot.retention`.
- **Erasure**: when `action_delete_conversation` has run (after the person
  confirmed "delete my chat"), every stored event of that conversation is deleted
  and nothing more of it is written.
"""

import logging
import time
from collections.abc import Iterator
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.safety.redact import redact

logger = logging.getLogger(__name__)

ERASE_ACTION = "action_delete_conversation"
SECONDS_PER_DAY = 86400


def redacted(event: Event) -> Event:
    """A copy of a user event with personal data redacted and no metadata."""
    if not isinstance(event, UserUttered):
        return event
    parse_data = dict(event.parse_data)
    if event.text is not None:
        parse_data["text"] = redact(event.text)
    parse_data.pop("metadata", None)
    return UserUttered(
        text=redact(event.text) if event.text is not None else None,
        intent=event.intent,
        entities=event.entities,
        parse_data=parse_data,
        timestamp=event.timestamp,
        input_channel=event.input_channel,
        message_id=event.message_id,
        metadata=None,
        use_text_for_featurization=event.use_text_for_featurization,
    )


class PrivateSQLTrackerStore(SQLTrackerStore):
    """SQL tracker store that redacts, expires and erases conversations."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        dialect: str = "sqlite",
        host: Optional[str] = None,
        port: Optional[int] = None,
        db: str = "rasa.db",
        username: Optional[str] = None,
        password: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        login_db: Optional[str] = None,
        query: Optional[dict] = None,
        retention_days: float = 30,
        purge_interval_minutes: float = 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            domain,
            dialect,
            host,
            port,
            db,
            username,
            password,
            event_broker,
            login_db,
            query,
            **kwargs,
        )
        self.retention_days = float(retention_days)
        self.purge_interval = float(purge_interval_minutes) * 60
        self._last_purge = 0.0

    def _additional_events(
        self, session: Any, tracker: DialogueStateTracker
    ) -> Iterator[Event]:
        """The new events, redacted (see parent class for full docstring)."""
        for event in super()._additional_events(session, tracker):
            yield redacted(event)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Saves redacted events, or erases the conversation when asked to."""
        if self._erasure_requested(tracker):
            self.delete_conversations([tracker.sender_id])
            logger.info("A conversation was erased at the person's request.")
            return
        await super().save(tracker)
        if time.time() - self._last_purge >= self.purge_interval:
            self.purge_expired()

    def _erasure_requested(self, tracker: DialogueStateTracker) -> bool:
        """Whether the erase action ran since the last user message."""
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                return False
            if isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION:
                return True
        return False

    def delete_conversations(self, sender_ids: list[str]) -> int:
        """Delete every stored event of the given conversations.

        Returns:
            The number of events deleted.
        """
        if not sender_ids:
            return 0
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id.in_(sender_ids))
                .delete(synchronize_session=False)
            )
            session.commit()
        return int(deleted)

    def purge_expired(self, now: Optional[float] = None) -> int:
        """Delete conversations whose last event is older than the retention period.

        Returns:
            The number of conversations deleted.
        """
        import sqlalchemy as sa

        now = time.time() if now is None else now
        self._last_purge = now
        cutoff = now - self.retention_days * SECONDS_PER_DAY
        with self.session_scope() as session:
            expired = [
                sender_id
                for (sender_id,) in session.query(self.SQLEvent.sender_id)
                .group_by(self.SQLEvent.sender_id)
                .having(sa.func.max(self.SQLEvent.timestamp) < cutoff)
                .all()
            ]
        self.delete_conversations(expired)
        if expired:
            logger.info("Retention: %d expired conversations deleted.", len(expired))
        return len(expired)
