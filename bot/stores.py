"""`PrivateSQLTrackerStore`: the one place every conversation write goes through.

Rasa's SQL tracker store (SQLite by default, PostgreSQL by URL) with these
guarantees, configured in endpoints.yml (`type: bot.stores.PrivateSQLTrackerStore`):

- **Redaction**: user text is stored with phone numbers, e-mails, handles, card
  and e-wallet numbers, names after a name phrase, schools, addresses and links
  replaced by placeholders (bot.safety.redact, words in data/redaction.yml);
  message metadata (which may carry attachments or channel
  identifiers) is not stored. The NLU saw the original text before this point.
- **Retention**: conversations whose last event is older than `retention_days`
  (default 30) are deleted by `purge_expired`, which only `python -m
  bot.retention` calls (the launcher runs it every hour; with several
  replicas, a cron job or scheduled job runs it once): never inside a turn.
- **Erasure**: the action server deletes and verifies the conversation
  (bot/erasure.py) and only then says `utter_deleted`; the store then writes
  nothing of that turn. A turn whose erasure failed is stored as usual, and a
  conversation already deleted is never written back.
- **Nothing lost silently**: every database call runs in a worker thread (the
  event loop keeps serving other people), waits a bounded time for SQLite
  locks, and retries transient errors with backoff (bot/database.py: at most
  about 5 s per read or write). A read or write that still fails is reported
  to the channel handling the turn (bot.store_health), which asks the person
  to send the message again. A failed read raises `DatabaseUnavailableError`
  (Rasa's FailSafeTrackerStore then carries on with an empty conversation)
  and nothing of that turn is written, so the stored conversation is never
  overwritten from an empty one; a failed write is logged (without message
  text) and not raised.
- **Disk**: SQLite files are 0600, their folder 0700, and deleted rows are
  overwritten (`PRAGMA secure_delete=ON`) instead of lingering in free pages.
- **One read, one write per turn**: the write (one transaction in a worker
  thread) counts the stored events, redacts and inserts the new ones, and
  returns them; the event broker then gets exactly those. Rasa's own
  `stream_events` would read and rebuild the whole conversation a second
  time to find them.
- **The console's header**: each turn's events are published with a header
  saying whether the staff console may need them, decided from the tracker
  at hand (`console_headers`, bot/handoff/forwarding.py), so events of
  conversations never handed off cost the console path nothing.
"""

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Iterator
from functools import partial
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import (
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    validate_port,
)
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.database import (
    STORE_BUDGET,
    DatabaseUnavailableError,
    create_engine,
    database_url,
    is_transient,
    reason,
    retry_policy,
    with_retries,
)
from bot.erasure import TurnErasure, delete_events, erasure_of_turn
from bot.events.headers import publish
from bot.handoff.forwarding import (
    CRISIS_SLOT,
    HANDOFF_SLOT,
    console_needs_turn,
    headers_for,
)
from bot.safety.redact import redact
from bot.store_health import report_store_failure

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86400
#: Pause between tries to reach the database at start-up (PostgreSQL may
#: still be starting; Rasa waits for it too).
STARTUP_PAUSE = 2.0


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


def turn_steps(events: Any) -> list[tuple[str, Optional[str]]]:
    """The actions and bot messages since the person's last message, in order.

    The input of `bot.erasure.erasure_of_turn`.
    """
    steps: list[tuple[str, Optional[str]]] = []
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted):
            steps.append(("action", event.action_name))
        elif isinstance(event, BotUttered):
            steps.append(("bot", (event.metadata or {}).get("utter_action")))
    steps.reverse()
    return steps


def console_headers(
    tracker: DialogueStateTracker, bodies: list[dict[str, Any]]
) -> dict[str, str]:
    """The headers a turn's events are published with (bot/handoff/forwarding.py).

    Args:
        tracker: The conversation after the turn (its current session).
        bodies: The turn's events as published.
    """
    actions = (
        event.action_name
        for event in tracker.events
        if isinstance(event, ActionExecuted)
    )
    needed = console_needs_turn(
        tracker.get_slot(HANDOFF_SLOT), tracker.get_slot(CRISIS_SLOT), bodies, actions
    )
    return headers_for(needed)


def new_events_of(tracker: DialogueStateTracker, stored: int) -> list[Event]:
    """The tracker's events after the `stored` ones of its current session."""
    return list(itertools.islice(tracker.events, stored, len(tracker.events)))


class PrivateSQLTrackerStore(SQLTrackerStore):
    """SQL tracker store that redacts, expires, erases, and never loses silently.

    Keyword arguments are those of Rasa's SQLTrackerStore, plus
    `retention_days` (used by `purge_expired`) and `budget_seconds` (how long
    one read or write may wait for the database, retries included; 5 s).
    """

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
        budget_seconds: float = STORE_BUDGET,
        **kwargs: Any,
    ) -> None:
        # Same connection as Rasa's SQLTrackerStore, through our engine factory
        # (busy timeout, secure delete, file permissions); see bot/database.py.
        self.policy = retry_policy(float(budget_seconds))
        config = {
            "dialect": dialect,
            "host": host,
            "port": validate_port(port),
            "db": db,
            "username": username,
            "password": password,
            "query": query,
        }
        if login_db:
            self._create_database_from(database_url({**config, "db": login_db}), db)
        url = database_url(config)
        self.engine = create_engine(
            url, self.policy.busy_timeout, **create_engine_kwargs(url)
        )
        self._create_tables()
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        self.retention_days = float(retention_days)
        # Conversations whose last read failed: their turn is not written.
        self._unreadable: set[str] = set()

    def _create_database_from(self, login_url: Any, db: str) -> None:
        """Create database `db` through the login database (PostgreSQL only)."""
        login_engine = sa.create_engine(login_url, **create_engine_kwargs(login_url))
        try:
            if login_engine.dialect.name == "postgresql":
                self._create_database(login_engine, db)
            else:
                logger.warning("login_db is only used with PostgreSQL; ignored.")
        finally:
            login_engine.dispose()

    def _create_tables(self) -> None:
        """Create the events table; wait while the database is unreachable."""
        while True:
            try:
                self.Base.metadata.create_all(self.engine)
                return
            except sa.exc.SQLAlchemyError as error:
                if not is_transient(error):
                    # As Rasa: another process may have created it meanwhile.
                    logger.error("Could not create tables: %s", reason(error))
                    return
                logger.warning("Database not ready (%s); waiting.", reason(error))
                time.sleep(STARTUP_PAUSE)

    # Reading

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """Read a conversation in a worker thread, with retries.

        Raises:
            DatabaseUnavailableError: The read failed after its retries; it was
                reported (bot.store_health) and this turn will not be written.
        """
        read = partial(self._read_tracker, sender_id, fetch_events_from_all_sessions)
        try:
            tracker = await asyncio.to_thread(
                with_retries, read, self.policy, "retrieve"
            )
        except DatabaseUnavailableError as error:
            self._unreadable.add(sender_id)
            report_store_failure("retrieve")
            logger.error(
                "Conversation store: %s; the person is asked to send it again.", error
            )
            raise
        self._unreadable.discard(sender_id)
        return tracker

    def _read_tracker(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """The conversation as stored (blocking; Rasa's reading code)."""
        with self.session_scope() as session:
            rows = self._event_query(
                session,
                sender_id,
                fetch_events_from_all_sessions=fetch_events_from_all_sessions,
            ).all()
            events = [json.loads(row.data) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def keys(self) -> list[str]:
        """The stored conversation IDs (read in a worker thread, with retries)."""
        return await asyncio.to_thread(
            with_retries, self._read_keys, self.policy, "keys"
        )

    def _read_keys(self) -> list[str]:
        with self.session_scope() as session:
            rows = session.query(self.SQLEvent.sender_id).distinct().all()
            return [sender_id for (sender_id,) in rows]

    # Writing

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the new events of a turn, redacted (see the module docstring)."""
        if tracker.sender_id in self._unreadable:
            logger.warning(
                "Conversation store: a turn whose conversation could not be read "
                "is not written."
            )
            return
        erasure = erasure_of_turn(turn_steps(tracker.events))
        if erasure is TurnErasure.CONFIRMED:
            logger.info("A conversation was erased at the person's request.")
            return
        write = partial(self._write, tracker, erasure)
        try:
            new_events = await asyncio.to_thread(
                with_retries, write, self.policy, "save"
            )
        except DatabaseUnavailableError as error:
            report_store_failure("save")
            logger.error(
                "Conversation store: %s; the person is asked to send it again.", error
            )
            return
        if self.event_broker is not None and new_events:
            self._publish_turn(self.event_broker, tracker, new_events)

    def _publish_turn(
        self,
        broker: EventBroker,
        tracker: DialogueStateTracker,
        new_events: list[Event],
    ) -> None:
        """Publish a turn's new events, as Rasa does, with the console's header.

        When the header cannot be decided, the events are forwarded.
        """
        bodies = [
            {"sender_id": tracker.sender_id, **event.as_dict()} for event in new_events
        ]
        try:
            headers = console_headers(tracker, bodies)
        except Exception as error:  # unsure: forward (fail safe)
            logger.error(
                "Console header not decided (%s); forwarded.", type(error).__name__
            )
            headers = headers_for(True)
        for body in bodies:
            publish(broker, body, headers)

    def _write(
        self, tracker: DialogueStateTracker, erasure: TurnErasure
    ) -> list[Event]:
        """Append the events not yet stored (blocking; one transaction).

        Returns:
            The events written (as the turn made them, not redacted: each
            event broker redacts what it forwards); none when the
            conversation must not be written back.
        """
        with self.session_scope() as session:
            stored = self._event_query(
                session, tracker.sender_id, fetch_events_from_all_sessions=False
            ).count()
            earlier_messages = sum(isinstance(e, UserUttered) for e in tracker.events)
            if (
                erasure is TurnErasure.ATTEMPTED
                and stored == 0
                and earlier_messages > 1
            ):
                # The erase action deleted the rows but the turn did not confirm
                # it (e.g. it timed out): never write the conversation back.
                logger.warning("An erased conversation is not written back.")
                return []
            new_events = new_events_of(tracker, stored)
            for event in new_events:
                session.add(self._row(tracker.sender_id, redacted(event)))
            session.commit()
            return new_events

    def _additional_events(
        self, session: Any, tracker: DialogueStateTracker
    ) -> Iterator[Event]:
        """The new events, redacted (see parent class for full docstring)."""
        stored = self._event_query(
            session, tracker.sender_id, fetch_events_from_all_sessions=False
        ).count()
        return (redacted(event) for event in new_events_of(tracker, stored))

    def _row(self, sender_id: str, event: Event) -> Any:
        """The `events` row of one event (as Rasa's SQLTrackerStore writes it)."""
        data = event.as_dict()
        intent = data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=intent,
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    # Deleting

    def delete_conversations(self, sender_ids: list[str]) -> int:
        """Delete every stored event of the given conversations (blocking).

        Returns:
            The number of events deleted.

        Raises:
            DatabaseUnavailableError: The deletion failed after its retries
                (nothing was deleted: it is one transaction).
        """
        delete = partial(delete_events, self.engine, list(sender_ids))
        return int(with_retries(delete, self.policy, "delete"))

    def purge_expired(self, now: Optional[float] = None) -> int:
        """Delete conversations whose last event is older than the retention period.

        Blocking. Returns:
            The number of conversations deleted.

        Raises:
            DatabaseUnavailableError: The database could not be read or written
                after the retries.
        """
        now = time.time() if now is None else now
        cutoff = now - self.retention_days * SECONDS_PER_DAY
        expired = with_retries(partial(self._expired, cutoff), self.policy, "purge")
        self.delete_conversations(expired)
        if expired:
            logger.info("Retention: %d expired conversations deleted.", len(expired))
        return len(expired)

    def _expired(self, cutoff: float) -> list[str]:
        with self.session_scope() as session:
            return [
                sender_id
                for (sender_id,) in session.query(self.SQLEvent.sender_id)
                .group_by(self.SQLEvent.sender_id)
                .having(sa.func.max(self.SQLEvent.timestamp) < cutoff)
                .all()
            ]
