"""The console's service: every action of staff and of the Rasa side.

The routes (bot/handoff/api.py, internal.py), the pages and the timers call
`ConsoleService`; it applies the rules of bot/handoff/queue.py, runs the
blocking store calls in one worker thread (never on the event loop), records
the audit log, publishes changes for the live streams and calls Rasa.
Errors for the caller are `ServiceError(status, message)`.
Staff never get a conversation id from here: only pseudonyms.
"""

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from typing import Any, Optional, TypeVar
from zoneinfo import ZoneInfo

from bot.content.opening import Schedule
from bot.handoff import accounts, queue, sessions, webhook
from bot.handoff.accounts import LockState, StaffMember, StaffView
from bot.handoff.bodies import CreateRequest, EventIn
from bot.handoff.hours import within_hours
from bot.handoff.hub import Change, Hub
from bot.handoff.outcomes import Outcome
from bot.handoff.presence import Presence
from bot.handoff.pseudonym import pseudonym
from bot.handoff.queue import Handoff, Message
from bot.handoff.rasa import RasaClient, RasaError
from bot.handoff.store import Store

logger = logging.getLogger(__name__)

#: Outcome of a held conversation closed after HANDOFF_IDLE seconds of silence.
IDLE_OUTCOME = "person_left"

T = TypeVar("T")

CLAIMED = "EXTERNAL_handoff_claimed"
UNANSWERED = "EXTERNAL_handoff_unanswered"
EXPIRED = "EXTERNAL_handoff_expired"
CLOSED = "EXTERNAL_handoff_closed"
ENDED_STATUSES = ("closed", "expired", "cancelled")
#: Most hand-offs a list of ended ones returns.
HISTORY_LIMIT = 200
#: Unknown user names whose failed log-ins are remembered (lock-out).
MAX_UNKNOWN_NAMES = 10_000
#: Largest id a database integer column holds (larger ids do not exist).
MAX_ID = 2**31 - 1


class ServiceError(Exception):
    """A refusal for the caller: HTTP status and a message safe to show.

    Attributes:
        status: 400, 403, 404, 409 or 502.
        message: What went wrong (no conversation id, no stack trace).
    """

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Authenticated:
    """A request's valid session.

    Attributes:
        staff: Who.
        kind: "cookie" or "bearer".
        login: Id of the log-in (logout ends its sessions).
        token: The session token as presented.
    """

    staff: StaffView
    kind: str
    login: str
    token: str


@dataclass(frozen=True)
class LoginOutcome:
    """The result of `ConsoleService.login`.

    Attributes:
        staff: Who signed in, None when refused.
        tokens: Session tokens by kind ("cookie", "bearer").
        error: Why it was refused (safe to show).
        status: 401 (wrong credentials), 403 (disabled), 429 (locked).
    """

    staff: Optional[StaffView] = None
    tokens: Optional[dict[str, str]] = None
    error: Optional[str] = None
    status: int = 200


def view_of(member: StaffMember) -> StaffView:
    """The public view of an account."""
    return StaffView(
        id=member.id,
        username=member.username,
        role=member.role,
        languages=member.languages,
    )


class ConsoleService:
    """Everything the console does, for routes, pages and timers.

    Args:
        store: The database (blocking; called in `executor`).
        secret: The console secret (pseudonyms, CSRF).
        rasa: Client of Rasa's HTTP API.
        outcomes: Outcome codes of data/handoff.yml.
        schedule: When staff answer (HANDOFF_HOURS).
        zone: Its time zone.
        handoff_wait: Seconds before the person hears nobody has taken it.
        handoff_expiry: Seconds before an unclaimed request expires.
        retention_days: Ended hand-offs are deleted this long after they ended.
        webhook_url: Told of new hand-offs (None: nobody).
        webhook_secret: Key of the webhook's signature.
        timeout: Seconds for outgoing calls (webhook).
        clock: Epoch seconds (replaced in tests).
        handoff_idle: Seconds of silence both ways after which a held
            conversation is closed as "person_left" (HANDOFF_IDLE).
    """

    def __init__(
        self,
        store: Store,
        secret: str,
        rasa: RasaClient,
        outcomes: Sequence[Outcome],
        schedule: Schedule,
        zone: ZoneInfo,
        handoff_wait: float,
        handoff_expiry: float,
        retention_days: float,
        webhook_url: Optional[str] = None,
        webhook_secret: Optional[str] = None,
        timeout: float = 3.0,
        clock: Callable[[], float] = time.time,
        handoff_idle: float = 3000.0,
    ):
        self.store = store
        self.secret = secret
        self.rasa = rasa
        self.outcome_list = tuple(outcomes)
        self.schedule = schedule
        self.zone = zone
        self.handoff_wait = handoff_wait
        self.handoff_expiry = handoff_expiry
        self.handoff_idle = handoff_idle
        self.retention_days = retention_days
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.timeout = timeout
        self.clock = clock
        self.hub = Hub()
        self.presence = Presence()
        self.executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="console-db"
        )
        self._hashing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
        self._usernames: dict[int, str] = {}
        self._unknown_names: dict[str, LockState] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._open_cache: Optional[tuple[int, list[Handoff]]] = None
        self._version = 0

    # -- plumbing ------------------------------------------------------------

    async def db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking store call in the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.executor, partial(function, *args, **kwargs)
        )

    async def _hash(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._hashing, partial(function, *args))

    def shutdown(self) -> None:
        """Stop the worker threads (after the server stopped)."""
        for task in self._background:
            task.cancel()
        self.executor.shutdown(wait=True)
        self._hashing.shutdown(wait=True)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _publish(self, kind: str, handoff: Handoff, data: dict[str, Any]) -> None:
        self._version += 1
        self._open_cache = None
        self.hub.publish(Change(kind, handoff.id, {"record": handoff, **data}))

    @property
    def outcomes(self) -> list[dict[str, str]]:
        """The outcome codes and labels (data/handoff.yml)."""
        return [outcome.as_json() for outcome in self.outcome_list]

    async def _username(self, staff_id: Optional[int]) -> Optional[str]:
        if staff_id is None:
            return None
        if staff_id not in self._usernames:
            members = await self.db(self.store.list_staff)
            self._usernames.update({m.id: m.username for m in members})
        return self._usernames.get(staff_id)

    async def item(self, handoff: Handoff) -> dict[str, Any]:
        """A hand-off as staff see it in lists (no conversation id)."""
        now = self.clock()
        if handoff.status == "waiting":
            end = now
        elif handoff.status == "active":
            end = handoff.claimed_at or now
        else:
            end = handoff.claimed_at or handoff.closed_at or now
        return {
            "id": handoff.id,
            "pseudonym": handoff.pseudonym,
            "language": handoff.language,
            "country": handoff.country,
            "channel": handoff.channel,
            "risk": handoff.risk,
            "urgent": handoff.urgent,
            "status": handoff.status,
            "reason": handoff.reason,
            "waiting_s": max(0, int(end - handoff.created_at)),
            "created_at": handoff.created_at,
            "claimed_by": await self._username(handoff.claimed_by),
            "assigned_to": await self._username(handoff.assigned_to),
            "outcome": handoff.outcome,
            "closed_at": handoff.closed_at,
        }

    async def line(self, message: Message) -> dict[str, Any]:
        """A transcript line as staff see it."""
        shown: dict[str, Any] = {
            "sender": message.sender,
            "text": message.text,
            "at": message.at,
        }
        if message.staff_id is not None:
            shown["staff"] = await self._username(message.staff_id)
        if not message.delivered:
            shown["delivered"] = False
        return shown

    async def _audit(
        self,
        action: str,
        staff: Optional[StaffView] = None,
        handoff: Optional[Handoff] = None,
        detail: Optional[str] = None,
    ) -> None:
        await self.db(
            self.store.add_audit,
            self.clock(),
            action,
            staff.id if staff else None,
            staff.username if staff else None,
            handoff.id if handoff else None,
            handoff.pseudonym if handoff else None,
            detail,
        )

    async def _end(
        self,
        handoff: Handoff,
        status: str,
        action: str,
        line: str,
        staff: Optional[StaffView] = None,
        outcome: Optional[str] = None,
        detail: Optional[str] = None,
    ) -> Optional[Handoff]:
        """End an open hand-off: store, audit, note it in the transcript, publish.

        Returns:
            The ended hand-off, or None when it was no longer open.
        """
        staff_id = staff.id if staff else None
        if not await self.db(
            self.store.finish, handoff.id, status, self.clock(), staff_id, outcome
        ):
            return None
        ended = await self.db(self.store.handoff, handoff.id)
        assert ended is not None
        await self._audit(action, staff, ended, detail)
        await self._system_line(ended, line)
        self._publish("handoff", ended, {})
        return ended

    async def _system_line(self, handoff: Handoff, text: str) -> None:
        message = await self.db(
            self.store.add_message, handoff.id, "system", text, self.clock()
        )
        self._publish(
            "message", handoff, {"message": await self._message_event(message)}
        )

    async def _message_event(self, message: Message) -> dict[str, Any]:
        return {"handoff_id": message.handoff_id, **await self.line(message)}

    async def _visible_handoff(self, staff: StaffView, handoff_id: int) -> Handoff:
        if not 0 < handoff_id <= MAX_ID:
            raise ServiceError(404, "no such hand-off")
        handoff = await self.db(self.store.handoff, handoff_id)
        if handoff is None:
            raise ServiceError(404, "no such hand-off")
        if not queue.can_see(staff.viewer, handoff):
            raise ServiceError(
                403, "this hand-off is in a language you do not answer in"
            )
        return handoff

    # -- accounts and sessions -------------------------------------------------

    async def ensure_admin(
        self, username: Optional[str], password: Optional[str]
    ) -> Optional[str]:
        """Create the first supervisor when none exists (first start).

        Returns:
            The username created, or None (one exists, or none configured).
        """
        if not username or not password:
            return None
        if await self.db(self.store.supervisor_exists):
            return None
        name = accounts.check_username(username)
        if await self.db(self.store.staff_by_name, name) is not None:
            logger.warning(
                "CONSOLE_ADMIN_USER names an existing account that is no "
                "enabled supervisor; no supervisor was created."
            )
            return None
        password_hash = await self._hash(accounts.hash_password, password)
        await self.db(
            self.store.add_staff,
            name,
            password_hash,
            "supervisor",
            queue.LANGUAGES,
            self.clock(),
        )
        logger.info("Created the first supervisor account '%s'.", name)
        return name

    async def login(
        self, username: str, password: str, kinds: Iterable[str] = ("cookie",)
    ) -> LoginOutcome:
        """Check a password (with lock-out) and open sessions.

        Args:
            username: As typed (compared lower-cased).
            password: As typed.
            kinds: Sessions to open: "cookie" and/or "bearer" (one log-in).
        """
        now = self.clock()
        name = username.strip().lower()
        member = await self.db(self.store.staff_by_name, name)
        lock = member.lock if member else self._unknown_names.get(name, LockState())
        if accounts.is_locked(lock, now):
            minutes = max(1, round(((lock.locked_until or now) - now) / 60))
            return LoginOutcome(
                error=f"too many failed log-ins: try again in {minutes} minute(s)",
                status=429,
            )
        right = await self._hash(
            accounts.verify_password, member.password_hash if member else None, password
        )
        if not right or member is None:
            after = accounts.after_failure(lock, now)
            if member is not None:
                await self.db(self.store.set_lock, member.id, after)
                if after.locked_until is not None:
                    await self._audit("locked", view_of(member))
            else:
                self._remember_unknown(name, after)
            return LoginOutcome(error="wrong username or password", status=401)
        if member.disabled:
            return LoginOutcome(error="this account is disabled", status=403)
        if lock.failures or lock.locked_until is not None:
            await self.db(self.store.set_lock, member.id, accounts.after_success())
        if accounts.needs_rehash(member.password_hash):
            new_hash = await self._hash(accounts.hash_password, password)
            await self.db(self.store.set_password, member.username, new_hash, False)
        login = secrets.token_hex(16)
        tokens = {}
        for kind in kinds:
            token = sessions.new_token()
            await self.db(
                self.store.create_session,
                member.id,
                sessions.token_hash(token),
                kind,
                login,
                now,
            )
            tokens[kind] = token
        staff = view_of(member)
        self._usernames[member.id] = member.username
        self.presence.seen(member.id, now)
        await self._audit("login", staff)
        return LoginOutcome(staff=staff, tokens=tokens)

    def _remember_unknown(self, name: str, state: LockState) -> None:
        if len(self._unknown_names) >= MAX_UNKNOWN_NAMES:
            self._unknown_names.pop(next(iter(self._unknown_names)))
        self._unknown_names[name] = state

    async def authenticate(self, token: str) -> Optional[Authenticated]:
        """The valid session of a token (and mark its owner online), or None."""
        if not token or len(token) > 200:
            return None
        found = await self.db(self.store.find_session, sessions.token_hash(token))
        if found is None:
            return None
        record, member = found
        now = self.clock()
        if not sessions.is_alive(record, now):
            await self.db(self.store.end_login, record.login)
            return None
        if sessions.needs_touch(record, now):
            await self.db(self.store.touch_session, record.id, now)
        self.presence.seen(member.id, now)
        self._usernames[member.id] = member.username
        return Authenticated(view_of(member), record.kind, record.login, token)

    async def logout(self, auth: Authenticated) -> None:
        """End the sessions of that log-in (cookie and Bearer twin)."""
        await self.db(self.store.end_login, auth.login)
        self.presence.forget(auth.staff.id)
        await self._audit("logout", auth.staff)

    def csrf(self, token: str) -> str:
        """The CSRF token of a cookie session."""
        return sessions.csrf_for(self.secret, token)

    def csrf_matches(self, token: str, given: Optional[str]) -> bool:
        """Whether a submitted CSRF token is the one of that cookie session."""
        return sessions.csrf_ok(self.secret, token, given)

    async def staff_list(self, staff: StaffView) -> list[dict[str, Any]]:
        """Enabled colleagues (for transfers): name, role, languages, online."""
        now = self.clock()
        seen = self.presence.last_seen(now)
        members = await self.db(self.store.list_staff)
        return [
            {
                "username": m.username,
                "role": m.role,
                "languages": list(m.languages),
                "online": now - seen.get(m.id, float("-inf")) <= queue.ONLINE_SECONDS,
            }
            for m in members
            if not m.disabled
        ]

    # -- staff actions -----------------------------------------------------------

    async def open_handoffs(self) -> list[Handoff]:
        """Waiting and active hand-offs (cached until the next change)."""
        cached = self._open_cache
        if cached is not None and cached[0] == self._version:
            return cached[1]
        version = self._version
        found = await self.db(self.store.list_handoffs, queue.OPEN_STATUSES)
        self._open_cache = (version, found)
        return found

    async def queue(
        self, staff: StaffView, status: Optional[str] = None
    ) -> list[dict[str, Any]]:
        """The hand-offs a staff member may see.

        Args:
            staff: Who asks.
            status: None for waiting and active ones (queue order); or one
                status (ended ones newest first, at most HISTORY_LIMIT).

        Raises:
            ServiceError: 400 for an unknown status.
        """
        if status is None:
            found = await self.open_handoffs()
            return [await self.item(h) for h in queue.visible(staff.viewer, found)]
        if status not in queue.STATUSES:
            raise ServiceError(
                400, f"'status' must be one of {', '.join(queue.STATUSES)}"
            )
        if status in queue.OPEN_STATUSES:
            found = [h for h in await self.open_handoffs() if h.status == status]
            return [await self.item(h) for h in queue.visible(staff.viewer, found)]
        ended = await self.db(self.store.list_handoffs, (status,), HISTORY_LIMIT)
        return [await self.item(h) for h in ended if queue.can_see(staff.viewer, h)]

    async def detail(self, staff: StaffView, handoff_id: int) -> dict[str, Any]:
        """A hand-off with its transcript (audited as "opened").

        Raises:
            ServiceError: 404 unknown, 403 not visible to them.
        """
        handoff = await self._visible_handoff(staff, handoff_id)
        lines = await self.db(self.store.transcript, handoff.id)
        await self._audit("opened", staff, handoff)
        return {
            **await self.item(handoff),
            "transcript": [await self.line(m) for m in lines],
        }

    async def claim(self, staff: StaffView, handoff_id: int) -> dict[str, Any]:
        """Take a waiting hand-off; Rasa tells the person someone joined.

        Raises:
            ServiceError: 404, 403, 409 (held by someone else or ended), 502
                (claimed, but Rasa could not tell the person).
        """
        handoff = await self._visible_handoff(staff, handoff_id)
        if handoff.status == "active" and handoff.claimed_by == staff.id:
            return await self.item(handoff)
        if handoff.status != "waiting" or not await self.db(
            self.store.claim, handoff.id, staff.id, self.clock()
        ):
            current = await self.db(self.store.handoff, handoff.id) or handoff
            holder = await self._username(current.claimed_by)
            if current.status == "active":
                raise ServiceError(
                    409, f"already claimed by {holder or 'someone else'}"
                )
            raise ServiceError(409, f"this hand-off is {current.status}")
        claimed = await self.db(self.store.handoff, handoff.id)
        assert claimed is not None
        await self._audit("claimed", staff, claimed)
        await self._system_line(claimed, f"{staff.username} joined the conversation")
        self._publish("handoff", claimed, {})
        if handoff.was_claimed:
            # Transferred after an earlier claim: the person was told someone
            # joined and the conversation is still paused (Rasa would not run
            # the claim action now).
            return await self.item(claimed)
        try:
            await self.rasa.trigger_intent(claimed.conversation_id, CLAIMED)
        except RasaError as error:
            logger.warning("Claim of hand-off %d: %s", claimed.id, error)
            raise ServiceError(
                502, f"claimed, but the person could not be told: {error}"
            ) from None
        return await self.item(claimed)

    async def send(
        self, staff: StaffView, handoff_id: int, text: str
    ) -> dict[str, Any]:
        """Send a staff message to the person (through Rasa) and record it.

        A message Rasa did not take is kept with `delivered: false` (staff see
        it failed) and answered with 502.

        Raises:
            ServiceError: 404, 403 (not the holder), 409 (not active), 502.
        """
        handoff = await self._visible_handoff(staff, handoff_id)
        if handoff.claimed_by != staff.id:
            raise ServiceError(403, "only the staff member holding it can write")
        if handoff.status != "active":
            raise ServiceError(409, f"this hand-off is {handoff.status}")
        failure: Optional[RasaError] = None
        try:
            await self.rasa.staff_message(handoff.conversation_id, text)
        except RasaError as error:
            failure = error
            logger.warning("Staff message in hand-off %d: %s", handoff.id, error)
        message = await self.db(
            self.store.add_message,
            handoff.id,
            "staff",
            text,
            self.clock(),
            staff.id,
            failure is None,
        )
        await self._audit(
            "message", staff, handoff, None if failure is None else "not delivered"
        )
        event = await self._message_event(message)
        self._publish("message", handoff, {"message": event})
        if failure is not None:
            raise ServiceError(502, f"not delivered: {failure}")
        return event

    async def close(
        self, staff: StaffView, handoff_id: int, outcome: str
    ) -> dict[str, Any]:
        """Close a hand-off with an outcome; the bot resumes.

        Raises:
            ServiceError: 400 unknown outcome, 404, 403 (neither holder nor
                supervisor), 409 (not open), 502 (closed, but Rasa failed).
        """
        if outcome not in {o.code for o in self.outcome_list}:
            raise ServiceError(400, "unknown outcome code (GET /api/outcomes)")
        handoff = await self._visible_handoff(staff, handoff_id)
        if not queue.can_act(staff.viewer, handoff):
            raise ServiceError(403, "only its holder or a supervisor can close it")
        closed = await self._end(
            handoff,
            "closed",
            "closed",
            f"closed by {staff.username} ({outcome})",
            staff,
            outcome,
            outcome,
        )
        if closed is None:
            raise ServiceError(409, f"this hand-off is {handoff.status}")
        try:
            await self.rasa.resume(closed.conversation_id)
            await self.rasa.trigger_intent(closed.conversation_id, CLOSED)
        except RasaError as error:
            logger.warning("Close of hand-off %d: %s", closed.id, error)
            raise ServiceError(
                502, f"closed, but the person's chat could not be resumed: {error}"
            ) from None
        return await self.item(closed)

    async def transfer(
        self,
        staff: StaffView,
        handoff_id: int,
        to: Optional[str],
        language: Optional[str] = None,
    ) -> dict[str, Any]:
        """Put a hand-off back in the queue for a colleague and/or a language.

        Raises:
            ServiceError: 400 unknown colleague, 404, 403 (an active one:
                neither holder nor supervisor), 409 (ended).
        """
        handoff = await self._visible_handoff(staff, handoff_id)
        if handoff.status == "active" and not queue.can_act(staff.viewer, handoff):
            raise ServiceError(403, "only its holder or a supervisor can transfer it")
        target: Optional[StaffMember] = None
        if to is not None:
            target = await self.db(self.store.staff_by_name, to)
            if target is None or target.disabled:
                raise ServiceError(400, "'to' is not an enabled staff member")
        if not await self.db(
            self.store.transfer,
            handoff.id,
            target.id if target else None,
            language,
            self.clock(),
        ):
            raise ServiceError(409, f"this hand-off is {handoff.status}")
        moved = await self.db(self.store.handoff, handoff.id)
        assert moved is not None
        where = ", ".join(
            part
            for part in (
                f"to {target.username}" if target else "to the queue",
                f"language {language}" if language else "",
            )
            if part
        )
        await self._audit("transferred", staff, moved, where)
        await self._system_line(moved, f"transferred by {staff.username} {where}")
        self._publish("handoff", moved, {})
        return await self.item(moved)

    async def audit(self, staff: StaffView, limit: int = 200) -> list[dict[str, Any]]:
        """The newest audit entries (supervisors only).

        Raises:
            ServiceError: 403 for counsellors.
        """
        if not staff.is_supervisor:
            raise ServiceError(403, "the audit log is for supervisors")
        return await self.db(self.store.audit_entries, max(1, min(limit, 1000)))

    # -- the Rasa side (/internal) ---------------------------------------------

    async def availability(self, handoff: Optional[Handoff]) -> dict[str, Any]:
        """Queue position, staff online, hours and wait estimate of a hand-off."""
        now = self.clock()
        members = [m for m in await self.db(self.store.list_staff) if not m.disabled]
        language = handoff.language if handoff else None
        online = queue.staff_online(
            [m.viewer for m in members], self.presence.last_seen(now), now, language
        )
        hours = within_hours(
            self.schedule, self.zone, datetime.fromtimestamp(now, timezone.utc)
        )
        place = 0
        estimate = None
        if handoff is not None and handoff.status == "waiting":
            waiting = [h for h in await self.open_handoffs() if h.status == "waiting"]
            place = queue.position(handoff, waiting)
            delays = await self.db(self.store.claim_delays, queue.ESTIMATE_HISTORY)
            estimate = queue.wait_estimate(delays, place, self.handoff_expiry)
        return {
            "id": handoff.id if handoff else None,
            "status": handoff.status if handoff else "none",
            "urgent": handoff.urgent if handoff else False,
            "position": place,
            "staff_online": online,
            "within_hours": hours,
            "available": hours and online > 0,
            "wait_estimate_s": estimate,
            "expires_in_s": (
                queue.expires_in(handoff, now, self.handoff_expiry) if handoff else 0
            ),
        }

    async def create(self, request: CreateRequest) -> dict[str, Any]:
        """Open a hand-off for a conversation, or return its open one.

        Idempotent per conversation: an open one only gets its risk raised
        (and becomes urgent with elevated or high risk).
        """
        now = self.clock()
        urgent = request.reason == "crisis" or queue.makes_urgent(request.risk)
        handoff, created = await self.db(
            self.store.create_handoff,
            request.conversation_id,
            pseudonym(self.secret, request.conversation_id),
            request.language,
            request.country,
            request.channel,
            request.risk,
            request.reason,
            urgent,
            now,
        )
        if created:
            await self.db(
                self.store.add_lines,
                handoff.id,
                [(line.sender, line.text, line.at) for line in request.transcript],
            )
            await self._audit("created", None, handoff, request.reason)
            self._publish("handoff", handoff, {})
            self._notify_webhook(handoff)
        else:
            handoff = await self._raise(handoff, request.risk, urgent, request.language)
        return await self.availability(handoff)

    async def _raise(
        self,
        handoff: Handoff,
        risk: Optional[str],
        urgent: bool,
        language: Optional[str],
    ) -> Handoff:
        new_risk = queue.raised_risk(handoff.risk, risk)
        values: dict[str, Any] = {}
        if new_risk != handoff.risk:
            values["risk"] = new_risk
        if (urgent or queue.makes_urgent(new_risk)) and not handoff.urgent:
            values["urgent"] = True
        if language and handoff.language is None:
            values["language"] = language
        if not values:
            return handoff
        raised = await self.db(self.store.update_handoff, handoff.id, **values)
        assert raised is not None
        if values.get("urgent"):
            await self._audit("urgent", None, raised, f"risk {new_risk}")
        self._publish("handoff", raised, {})
        return raised

    def _notify_webhook(self, handoff: Handoff) -> None:
        if not self.webhook_url or not self.webhook_secret:
            return
        payload = {
            "event": "handoff.created",
            "id": handoff.id,
            "pseudonym": handoff.pseudonym,
            "language": handoff.language,
            "country": handoff.country,
            "channel": handoff.channel,
            "risk": handoff.risk,
            "urgent": handoff.urgent,
            "reason": handoff.reason,
            "created_at": handoff.created_at,
        }
        self._spawn(
            webhook.send(self.webhook_url, self.webhook_secret, payload, self.timeout)
        )

    async def cancel(self, conversation_id: str) -> bool:
        """The person stopped waiting: the open hand-off ends as cancelled."""
        handoff = await self.db(self.store.open_handoff, conversation_id)
        if handoff is None:
            return False
        ended = await self._end(
            handoff,
            "cancelled",
            "cancelled",
            "the person cancelled waiting",
            detail="by the person",
        )
        return ended is not None

    async def status(self, conversation_id: str) -> dict[str, Any]:
        """The open hand-off's state (`{"status": "none", ...}` without one)."""
        handoff = await self.db(self.store.open_handoff, conversation_id)
        return await self.availability(handoff)

    async def events(self, events: Sequence[EventIn]) -> int:
        """Add user and bot lines to open hand-offs; raise urgency on risk.

        Events of conversations without an open hand-off, and echoes of staff
        messages (stored already), are dropped.

        Returns:
            How many events were added.
        """
        accepted = 0
        found: dict[str, Optional[Handoff]] = {}
        for event in events:
            if event.conversation_id not in found:
                found[event.conversation_id] = await self.db(
                    self.store.open_handoff, event.conversation_id
                )
            handoff = found[event.conversation_id]
            if handoff is None or event.staff:
                continue
            if event.sender == "user" and (event.risk or event.language):
                handoff = await self._raise(
                    handoff, event.risk, queue.makes_urgent(event.risk), event.language
                )
                found[event.conversation_id] = handoff
            if not event.text.strip():
                continue
            message = await self.db(
                self.store.add_message, handoff.id, event.sender, event.text, event.at
            )
            self._publish(
                "message", handoff, {"message": await self._message_event(message)}
            )
            accepted += 1
        return accepted

    # -- timers --------------------------------------------------------------

    async def tick(self) -> None:
        """One round of the timers.

        Tells people nobody has taken their request yet, expires old requests,
        and closes held conversations silent for HANDOFF_IDLE seconds.
        """
        now = self.clock()
        for handoff in await self.open_handoffs():
            if handoff.status == "active":
                last = await self.db(self.store.last_message_at, handoff.id)
                if queue.due_idle(handoff, last, now, self.handoff_idle):
                    await self._close_idle(handoff)
            elif queue.due_expiry(handoff, now, self.handoff_expiry):
                await self._expire(handoff)
            elif queue.due_unanswered(handoff, now, self.handoff_wait):
                await self._unanswered(handoff)

    async def _close_idle(self, handoff: Handoff) -> None:
        """Close a held conversation nobody wrote in for HANDOFF_IDLE seconds.

        Before Rasa's session expiry would start a new session (which ends the
        pause while staff still hold the conversation), the bot resumes and
        tells the person, as when staff close it.
        """
        minutes = round(self.handoff_idle / 60)
        closed = await self._end(
            handoff,
            "closed",
            "closed",
            f"closed: no message for {minutes} minutes",
            outcome=IDLE_OUTCOME,
            detail=IDLE_OUTCOME,
        )
        if closed is None:
            return
        try:
            await self.rasa.resume(closed.conversation_id)
            await self.rasa.trigger_intent(closed.conversation_id, CLOSED)
        except RasaError as error:
            logger.warning("Idle close of hand-off %d: %s", closed.id, error)

    async def _expire(self, handoff: Handoff) -> None:
        ended = await self._end(
            handoff, "expired", "expired", "expired: nobody took it in time"
        )
        if ended is None:
            return
        try:
            if ended.was_claimed:
                # Paused by an earlier claim: trigger_intent predicts nothing then.
                await self.rasa.resume(ended.conversation_id)
            await self.rasa.trigger_intent(ended.conversation_id, EXPIRED)
        except RasaError as error:
            logger.warning("Expiry of hand-off %d: %s", ended.id, error)

    async def _unanswered(self, handoff: Handoff) -> None:
        if not await self.db(self.store.mark_told_unanswered, handoff.id):
            return
        told = replace(handoff, told_unanswered=True)
        self._version += 1
        self._open_cache = None
        await self._audit("unanswered", None, told)
        try:
            await self.rasa.trigger_intent(handoff.conversation_id, UNANSWERED)
        except RasaError as error:
            logger.warning("Wait notice of hand-off %d: %s", handoff.id, error)

    async def purge(self) -> int:
        """Delete ended hand-offs past the retention period, and dead sessions.

        Returns:
            How many hand-offs were deleted.
        """
        now = self.clock()
        deleted = await self.db(
            self.store.delete_finished_before, now - self.retention_days * 86400
        )
        await self.db(
            self.store.delete_sessions_before,
            now - sessions.IDLE_SECONDS,
            now - sessions.ABSOLUTE_SECONDS,
        )
        if deleted:
            logger.info("Deleted %d ended hand-offs past retention.", deleted)
        return deleted
