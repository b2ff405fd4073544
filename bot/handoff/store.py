"""The console's database: tables and the blocking operations on them.

SQLAlchemy Core on SQLite (default, file mode 0600) or PostgreSQL
(`DATABASE_URL`). The schema is made by the Alembic migrations in
bot/handoff/migrations (bot/handoff/migrate.py); `METADATA` here describes
the same tables (a test checks they agree). Every method is blocking and runs
in its own transaction: the service calls them in a worker thread, never on
the event loop. Times are epoch seconds passed in by the caller.

Table names start with `console_`, so the console may share a PostgreSQL
database with Rasa's tracker store.
"""

from collections.abc import Iterable, Sequence
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.handoff.accounts import AccountError, LockState, StaffMember
from bot.handoff.queue import OPEN_STATUSES, Handoff, Message
from bot.handoff.sessions import SessionRecord

METADATA = sa.MetaData()

staff = sa.Table(
    "console_staff",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(40), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("languages", sa.String(64), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("failures", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.Float, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

sessions = sa.Table(
    "console_sessions",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "staff_id",
        sa.Integer,
        sa.ForeignKey("console_staff.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("login", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_used", sa.Float, nullable=False),
)

handoffs = sa.Table(
    "console_handoffs",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("pseudonym", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("country", sa.String(8), nullable=True),
    sa.Column("channel", sa.String(32), nullable=True),
    sa.Column("risk", sa.String(10), nullable=False),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False, default=False),
    sa.Column("status", sa.String(10), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("waiting_since", sa.Float, nullable=False),
    sa.Column("claimed_at", sa.Float, nullable=True),
    sa.Column(
        "claimed_by", sa.Integer, sa.ForeignKey("console_staff.id"), nullable=True
    ),
    sa.Column(
        "assigned_to", sa.Integer, sa.ForeignKey("console_staff.id"), nullable=True
    ),
    sa.Column("closed_at", sa.Float, nullable=True),
    sa.Column(
        "closed_by", sa.Integer, sa.ForeignKey("console_staff.id"), nullable=True
    ),
    sa.Column("outcome", sa.String(40), nullable=True),
    sa.Column("told_unanswered", sa.Boolean, nullable=False, default=False),
    sa.Column("was_claimed", sa.Boolean, nullable=False, default=False),
    # At most one open hand-off per conversation, even with two requests at once.
    sa.Index(
        "console_handoffs_one_open",
        "conversation_id",
        unique=True,
        sqlite_where=sa.text("status IN ('waiting', 'active')"),
        postgresql_where=sa.text("status IN ('waiting', 'active')"),
    ),
    # Ids are never reused after retention deletes (the audit log names them).
    sqlite_autoincrement=True,
)

messages = sa.Table(
    "console_messages",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "handoff_id",
        sa.Integer,
        sa.ForeignKey("console_handoffs.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("sender", sa.String(8), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("console_staff.id"), nullable=True),
    sa.Column("delivered", sa.Boolean, nullable=False, default=True),
)

audit = sa.Table(
    "console_audit",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("staff_id", sa.Integer, nullable=True),
    sa.Column("username", sa.String(40), nullable=True),
    sa.Column("action", sa.String(20), nullable=False),
    # No foreign key: the entry outlives the hand-off (retention).
    sa.Column("handoff_id", sa.Integer, nullable=True),
    sa.Column("pseudonym", sa.String(16), nullable=True),
    sa.Column("detail", sa.String(200), nullable=True),
)


def _staff(row: Any) -> StaffMember:
    return StaffMember(
        id=int(row.id),
        username=str(row.username),
        role=str(row.role),
        languages=tuple(code for code in str(row.languages).split(",") if code),
        disabled=bool(row.disabled),
        lock=LockState(failures=int(row.failures or 0), locked_until=row.locked_until),
        password_hash=str(row.password_hash),
        created_at=float(row.created_at),
    )


def _handoff(row: Any) -> Handoff:
    return Handoff(
        id=int(row.id),
        conversation_id=str(row.conversation_id),
        pseudonym=str(row.pseudonym),
        language=row.language,
        country=row.country,
        channel=row.channel,
        risk=str(row.risk),
        reason=str(row.reason),
        urgent=bool(row.urgent),
        status=str(row.status),
        created_at=float(row.created_at),
        claimed_at=row.claimed_at,
        claimed_by=row.claimed_by,
        assigned_to=row.assigned_to,
        closed_at=row.closed_at,
        outcome=row.outcome,
        told_unanswered=bool(row.told_unanswered),
        waiting_since=float(row.waiting_since),
        was_claimed=bool(row.was_claimed),
    )


def _message(row: Any) -> Message:
    return Message(
        id=int(row.id),
        handoff_id=int(row.handoff_id),
        sender=str(row.sender),
        text=str(row.text),
        at=float(row.at),
        staff_id=row.staff_id,
        delivered=bool(row.delivered),
    )


class Store:
    """Blocking operations on the console's tables (call them off the loop).

    Args:
        engine: A SQLAlchemy engine on the migrated database.
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    # -- staff ---------------------------------------------------------------

    def add_staff(
        self,
        username: str,
        password_hash: str,
        role: str,
        languages: Sequence[str],
        now: float,
    ) -> StaffMember:
        """Create an account.

        Raises:
            AccountError: The username is taken.
        """
        try:
            with self.engine.begin() as connection:
                result = connection.execute(
                    staff.insert().values(
                        username=username,
                        password_hash=password_hash,
                        role=role,
                        languages=",".join(languages),
                        disabled=False,
                        failures=0,
                        created_at=now,
                    )
                )
                new_id = int(result.inserted_primary_key[0])
        except sa.exc.IntegrityError:
            raise AccountError(f"the username '{username}' is taken") from None
        member = self.staff_by_id(new_id)
        assert member is not None
        return member

    def staff_by_name(self, username: str) -> Optional[StaffMember]:
        """The account of that username, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(
                staff.select().where(staff.c.username == username)
            ).first()
        return _staff(row) if row is not None else None

    def staff_by_id(self, staff_id: int) -> Optional[StaffMember]:
        """The account of that id, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(
                staff.select().where(staff.c.id == staff_id)
            ).first()
        return _staff(row) if row is not None else None

    def list_staff(self) -> list[StaffMember]:
        """Every account, by username."""
        with self.engine.connect() as connection:
            rows = connection.execute(staff.select().order_by(staff.c.username))
            return [_staff(row) for row in rows]

    def supervisor_exists(self) -> bool:
        """Whether an enabled supervisor account exists."""
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(staff.c.id)
                .where(staff.c.role == "supervisor", staff.c.disabled.is_(False))
                .limit(1)
            ).first()
        return row is not None

    def set_lock(self, staff_id: int, lock: LockState) -> None:
        """Store the failed log-ins and lock of an account."""
        with self.engine.begin() as connection:
            connection.execute(
                staff.update()
                .where(staff.c.id == staff_id)
                .values(failures=lock.failures, locked_until=lock.locked_until)
            )

    def set_password(
        self, username: str, password_hash: str, end_sessions: bool = True
    ) -> bool:
        """New password; unlocks the account and ends its sessions.

        Args:
            username: Whose.
            password_hash: The new argon2id hash.
            end_sessions: False when only the hash's parameters are renewed
                (same password, at log-in).

        Returns:
            False when there is no such account.
        """
        with self.engine.begin() as connection:
            result = connection.execute(
                staff.update()
                .where(staff.c.username == username)
                .values(password_hash=password_hash, failures=0, locked_until=None)
            )
            if not result.rowcount:
                return False
            if end_sessions:
                self._end_sessions_of(connection, username)
        return True

    def set_disabled(self, username: str, disabled: bool) -> bool:
        """Disable (ending its sessions) or enable an account.

        Returns:
            False when there is no such account.
        """
        with self.engine.begin() as connection:
            result = connection.execute(
                staff.update()
                .where(staff.c.username == username)
                .values(disabled=disabled)
            )
            if not result.rowcount:
                return False
            if disabled:
                self._end_sessions_of(connection, username)
        return True

    @staticmethod
    def _end_sessions_of(connection: Connection, username: str) -> None:
        owner = sa.select(staff.c.id).where(staff.c.username == username)
        connection.execute(sessions.delete().where(sessions.c.staff_id.in_(owner)))

    # -- sessions ------------------------------------------------------------

    def create_session(
        self, staff_id: int, token_hash: str, kind: str, login: str, now: float
    ) -> None:
        """Store a new session (its token's hash only)."""
        with self.engine.begin() as connection:
            connection.execute(
                sessions.insert().values(
                    token_hash=token_hash,
                    staff_id=staff_id,
                    kind=kind,
                    login=login,
                    created_at=now,
                    last_used=now,
                )
            )

    def find_session(
        self, token_hash: str
    ) -> Optional[tuple[SessionRecord, StaffMember]]:
        """The session of a token hash and its (enabled) owner, or None."""
        with self.engine.connect() as connection:
            found = connection.execute(
                sessions.select().where(sessions.c.token_hash == token_hash)
            ).first()
            if found is None:
                return None
            owner = connection.execute(
                staff.select().where(
                    staff.c.id == found.staff_id, staff.c.disabled.is_(False)
                )
            ).first()
        if owner is None:
            return None
        record = SessionRecord(
            id=int(found.id),
            staff_id=int(found.staff_id),
            kind=str(found.kind),
            login=str(found.login),
            created_at=float(found.created_at),
            last_used=float(found.last_used),
        )
        member = _staff(owner)
        return record, member

    def touch_session(self, session_id: int, now: float) -> None:
        """Record a use of a session."""
        with self.engine.begin() as connection:
            connection.execute(
                sessions.update()
                .where(sessions.c.id == session_id)
                .values(last_used=now)
            )

    def end_login(self, login: str) -> int:
        """End every session of one log-in; how many ended."""
        with self.engine.begin() as connection:
            result = connection.execute(
                sessions.delete().where(sessions.c.login == login)
            )
        return int(result.rowcount or 0)

    def delete_sessions_before(self, idle_cutoff: float, absolute_cutoff: float) -> int:
        """Delete sessions idle since `idle_cutoff` or made before `absolute_cutoff`."""
        with self.engine.begin() as connection:
            result = connection.execute(
                sessions.delete().where(
                    sa.or_(
                        sessions.c.last_used < idle_cutoff,
                        sessions.c.created_at < absolute_cutoff,
                    )
                )
            )
        return int(result.rowcount or 0)

    # -- hand-offs -----------------------------------------------------------

    def open_handoff(self, conversation_id: str) -> Optional[Handoff]:
        """The waiting or active hand-off of a conversation, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(
                handoffs.select().where(
                    handoffs.c.conversation_id == conversation_id,
                    handoffs.c.status.in_(OPEN_STATUSES),
                )
            ).first()
        return _handoff(row) if row is not None else None

    def create_handoff(
        self,
        conversation_id: str,
        pseudonym: str,
        language: Optional[str],
        country: Optional[str],
        channel: Optional[str],
        risk: str,
        reason: str,
        urgent: bool,
        now: float,
    ) -> tuple[Handoff, bool]:
        """Open a waiting hand-off unless the conversation has one open.

        Returns:
            The open hand-off and whether it was created now.
        """
        try:
            with self.engine.begin() as connection:
                result = connection.execute(
                    handoffs.insert().values(
                        conversation_id=conversation_id,
                        pseudonym=pseudonym,
                        language=language,
                        country=country,
                        channel=channel,
                        risk=risk,
                        reason=reason,
                        urgent=urgent,
                        status="waiting",
                        created_at=now,
                        waiting_since=now,
                        told_unanswered=False,
                        was_claimed=False,
                    )
                )
                new_id = int(result.inserted_primary_key[0])
        except sa.exc.IntegrityError:
            existing = self.open_handoff(conversation_id)
            if existing is None:
                raise
            return existing, False
        created = self.handoff(new_id)
        assert created is not None
        return created, True

    def handoff(self, handoff_id: int) -> Optional[Handoff]:
        """The hand-off of that id, or None."""
        with self.engine.connect() as connection:
            row = connection.execute(
                handoffs.select().where(handoffs.c.id == handoff_id)
            ).first()
        return _handoff(row) if row is not None else None

    def list_handoffs(self, statuses: Iterable[str], limit: int = 500) -> list[Handoff]:
        """Hand-offs with these statuses, newest first (at most `limit`)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                handoffs.select()
                .where(handoffs.c.status.in_(list(statuses)))
                .order_by(handoffs.c.created_at.desc(), handoffs.c.id.desc())
                .limit(limit)
            )
            return [_handoff(row) for row in rows]

    def update_handoff(self, handoff_id: int, **values: Any) -> Optional[Handoff]:
        """Set columns of a hand-off; the hand-off afterwards (None if missing)."""
        with self.engine.begin() as connection:
            connection.execute(
                handoffs.update().where(handoffs.c.id == handoff_id).values(**values)
            )
        return self.handoff(handoff_id)

    def claim(self, handoff_id: int, staff_id: int, now: float) -> bool:
        """Take a waiting hand-off; False when it is not waiting any more.

        One conditional UPDATE: of two staff claiming at once, one wins.
        """
        with self.engine.begin() as connection:
            result = connection.execute(
                handoffs.update()
                .where(handoffs.c.id == handoff_id, handoffs.c.status == "waiting")
                .values(
                    status="active",
                    claimed_by=staff_id,
                    claimed_at=now,
                    assigned_to=None,
                    was_claimed=True,
                )
            )
        return bool(result.rowcount)

    def finish(
        self,
        handoff_id: int,
        status: str,
        now: float,
        staff_id: Optional[int] = None,
        outcome: Optional[str] = None,
    ) -> bool:
        """End an open hand-off (closed, expired, cancelled); False if not open."""
        with self.engine.begin() as connection:
            result = connection.execute(
                handoffs.update()
                .where(
                    handoffs.c.id == handoff_id,
                    handoffs.c.status.in_(OPEN_STATUSES),
                )
                .values(
                    status=status, closed_at=now, closed_by=staff_id, outcome=outcome
                )
            )
        return bool(result.rowcount)

    def transfer(
        self,
        handoff_id: int,
        to: Optional[int],
        language: Optional[str],
        now: float,
    ) -> bool:
        """Put an open hand-off back in the queue, for `to` and/or a language.

        Returns:
            False when it is not open.
        """
        values: dict[str, Any] = {
            "status": "waiting",
            "claimed_by": None,
            "claimed_at": None,
            "assigned_to": to,
            "waiting_since": now,
        }
        if language is not None:
            values["language"] = language
        with self.engine.begin() as connection:
            current = connection.execute(
                sa.select(handoffs.c.was_claimed).where(
                    handoffs.c.id == handoff_id, handoffs.c.status.in_(OPEN_STATUSES)
                )
            ).first()
            if current is None:
                return False
            if current.was_claimed:
                # The person was told someone joined: no "nobody yet" message.
                values["told_unanswered"] = True
            connection.execute(
                handoffs.update()
                .where(
                    handoffs.c.id == handoff_id, handoffs.c.status.in_(OPEN_STATUSES)
                )
                .values(**values)
            )
        return True

    def mark_told_unanswered(self, handoff_id: int) -> bool:
        """Note the person was told nobody has taken it; False if done already."""
        with self.engine.begin() as connection:
            result = connection.execute(
                handoffs.update()
                .where(
                    handoffs.c.id == handoff_id,
                    handoffs.c.status == "waiting",
                    handoffs.c.told_unanswered.is_(False),
                )
                .values(told_unanswered=True)
            )
        return bool(result.rowcount)

    def claim_delays(self, limit: int) -> list[float]:
        """Seconds from queueing to claim of the last `limit` claimed hand-offs."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(handoffs.c.waiting_since, handoffs.c.claimed_at)
                .where(handoffs.c.claimed_at.is_not(None))
                .order_by(handoffs.c.claimed_at.desc())
                .limit(limit)
            )
            delays = [float(r.claimed_at) - float(r.waiting_since) for r in rows]
        return list(reversed(delays))

    def delete_finished_before(self, cutoff: float) -> int:
        """Delete hand-offs that ended before `cutoff`, with their messages.

        Returns:
            How many hand-offs were deleted.
        """
        ended = sa.select(handoffs.c.id).where(
            handoffs.c.status.not_in(OPEN_STATUSES), handoffs.c.closed_at < cutoff
        )
        with self.engine.begin() as connection:
            connection.execute(
                messages.delete().where(messages.c.handoff_id.in_(ended))
            )
            result = connection.execute(
                handoffs.delete().where(handoffs.c.id.in_(ended))
            )
        return int(result.rowcount or 0)

    # -- messages ------------------------------------------------------------

    def add_message(
        self,
        handoff_id: int,
        sender: str,
        text: str,
        at: float,
        staff_id: Optional[int] = None,
        delivered: bool = True,
    ) -> Message:
        """Add a line to a hand-off's transcript."""
        with self.engine.begin() as connection:
            result = connection.execute(
                messages.insert().values(
                    handoff_id=handoff_id,
                    sender=sender,
                    text=text,
                    at=at,
                    staff_id=staff_id,
                    delivered=delivered,
                )
            )
            new_id = int(result.inserted_primary_key[0])
        return Message(new_id, handoff_id, sender, text, at, staff_id, delivered)

    def add_lines(
        self, handoff_id: int, lines: Sequence[tuple[str, str, float]]
    ) -> None:
        """Add (sender, text, at) lines to a transcript in one transaction."""
        if not lines:
            return
        with self.engine.begin() as connection:
            connection.execute(
                messages.insert(),
                [
                    {
                        "handoff_id": handoff_id,
                        "sender": sender,
                        "text": text,
                        "at": at,
                        "staff_id": None,
                        "delivered": True,
                    }
                    for sender, text, at in lines
                ],
            )

    def set_delivered(self, message_id: int, delivered: bool) -> None:
        """Mark a staff message delivered or not."""
        with self.engine.begin() as connection:
            connection.execute(
                messages.update()
                .where(messages.c.id == message_id)
                .values(delivered=delivered)
            )

    def last_message_at(self, handoff_id: int) -> Optional[float]:
        """When the last line of a hand-off's transcript was written (None: none)."""
        with self.engine.connect() as connection:
            value = connection.execute(
                sa.select(sa.func.max(messages.c.at)).where(
                    messages.c.handoff_id == handoff_id
                )
            ).scalar()
        return float(value) if value is not None else None

    def transcript(self, handoff_id: int) -> list[Message]:
        """The lines of a hand-off, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                messages.select()
                .where(messages.c.handoff_id == handoff_id)
                .order_by(messages.c.at, messages.c.id)
            )
            return [_message(row) for row in rows]

    # -- audit ---------------------------------------------------------------

    def add_audit(
        self,
        at: float,
        action: str,
        staff_id: Optional[int] = None,
        username: Optional[str] = None,
        handoff_id: Optional[int] = None,
        pseudonym: Optional[str] = None,
        detail: Optional[str] = None,
    ) -> None:
        """Record who did what to which hand-off."""
        with self.engine.begin() as connection:
            connection.execute(
                audit.insert().values(
                    at=at,
                    action=action,
                    staff_id=staff_id,
                    username=username,
                    handoff_id=handoff_id,
                    pseudonym=pseudonym,
                    detail=(detail or None) and detail[:200],
                )
            )

    def audit_entries(
        self, limit: int = 200, handoff_id: Optional[int] = None
    ) -> list[dict[str, Any]]:
        """Newest audit entries first (optionally of one hand-off)."""
        query = audit.select().order_by(audit.c.at.desc(), audit.c.id.desc())
        if handoff_id is not None:
            query = query.where(audit.c.handoff_id == handoff_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query.limit(limit))
            return [
                {
                    "id": int(row.id),
                    "at": float(row.at),
                    "staff": row.username,
                    "action": str(row.action),
                    "handoff_id": row.handoff_id,
                    "pseudonym": row.pseudonym,
                    "detail": row.detail,
                }
                for row in rows
            ]
