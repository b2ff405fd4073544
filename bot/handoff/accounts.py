"""Staff accounts: password hashes, what a valid account is, the lock-out rule.

Passwords are hashed with argon2id (argon2-cffi's defaults: RFC 9106 low-memory
profile). Five wrong passwords in a row lock an account for 15 minutes; a
right one resets the count. No Sanic, SQLAlchemy or Rasa here: the store keeps
the numbers, these functions decide.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional, Union

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.handoff.queue import LANGUAGES, ROLES, Viewer

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60.0
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")

_HASHER = PasswordHasher()
# Verified against when the username is unknown, so a wrong name takes as
# long as a wrong password (no user enumeration by timing).
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccountError(ValueError):
    """An account field is not acceptable; the message says why."""


@dataclass(frozen=True)
class LockState:
    """Failed log-ins of one account.

    Attributes:
        failures: Wrong passwords in a row.
        locked_until: Epoch seconds until which log-in is refused (None: not locked).
    """

    failures: int = 0
    locked_until: Optional[float] = None


def is_locked(state: LockState, now: float) -> bool:
    """Whether log-in is refused now."""
    return state.locked_until is not None and now < state.locked_until


def after_failure(state: LockState, now: float) -> LockState:
    """The state after a wrong password: locked at the MAX_FAILURES-th."""
    if is_locked(state, now):
        return state
    # An expired lock starts a fresh count.
    failures = (0 if state.locked_until is not None else state.failures) + 1
    if failures >= MAX_FAILURES:
        return LockState(failures=0, locked_until=now + LOCK_SECONDS)
    return LockState(failures=failures, locked_until=None)


def after_success() -> LockState:
    """The state after a right password."""
    return LockState()


def hash_password(password: str) -> str:
    """The argon2id hash of a password (slow on purpose: call off the event loop).

    Raises:
        AccountError: The password is too short or too long.
    """
    check_password(password)
    return _HASHER.hash(password)


def verify_password(password_hash: Optional[str], password: str) -> bool:
    """Whether a password matches its hash (False for a missing or bad hash).

    With `password_hash` None (unknown user) a dummy hash is checked, so the
    answer takes as long.
    """
    try:
        return bool(_HASHER.verify(password_hash or _DUMMY_HASH, password)) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with older parameters than today's."""
    try:
        return bool(_HASHER.check_needs_rehash(password_hash))
    except InvalidHashError:
        return True


def check_password(password: str) -> None:
    """Refuse passwords that are too short or too long.

    Raises:
        AccountError: With the reason.
    """
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(
            f"the password needs at least {MIN_PASSWORD_CHARS} characters"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(
            f"the password may have at most {MAX_PASSWORD_CHARS} characters"
        )


def check_username(username: str) -> str:
    """The username, lower-cased, if valid.

    Raises:
        AccountError: Not 2-40 of a-z 0-9 . _ - (starting with a letter or digit).
    """
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise AccountError(
            "a username is 2-40 characters: letters a-z, digits, '.', '_' or '-'"
        )
    return name


def check_role(role: str) -> str:
    """The role, if it is one of ROLES.

    Raises:
        AccountError: Unknown role.
    """
    value = role.strip().lower()
    if value not in ROLES:
        raise AccountError(f"the role must be one of: {', '.join(ROLES)}")
    return value


def parse_languages(value: Union[str, Iterable[str]]) -> tuple[str, ...]:
    """Language codes from "tl,en" or a list, checked, in the given order.

    Raises:
        AccountError: A code is not one of the six languages, or none given.
    """
    items = value.split(",") if isinstance(value, str) else list(value)
    codes: list[str] = []
    for item in items:
        code = item.strip().lower()
        if not code:
            continue
        if code not in LANGUAGES:
            raise AccountError(
                f"unknown language '{code}': use codes from {', '.join(LANGUAGES)}"
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise AccountError(f"give at least one language of {', '.join(LANGUAGES)}")
    return tuple(codes)


@dataclass(frozen=True)
class StaffMember:
    """A stored staff account.

    Attributes:
        id: Database id.
        username: Log-in name.
        role: "counsellor" or "supervisor".
        languages: Language codes they answer in.
        disabled: Whether log-in is refused for good.
        lock: Failed log-ins and lock.
        password_hash: argon2id hash.
        created_at: When the account was made (epoch seconds).
    """

    id: int
    username: str
    role: str
    languages: tuple[str, ...]
    disabled: bool
    lock: LockState
    password_hash: str
    created_at: float

    @property
    def viewer(self) -> Viewer:
        """The queue rules' view of this member."""
        return Viewer(id=self.id, role=self.role, languages=self.languages)


@dataclass(frozen=True)
class StaffView:
    """A signed-in staff member as pages and routes see them (no hash).

    Attributes:
        id: Database id.
        username: Log-in name (shown to colleagues).
        role: "counsellor" or "supervisor".
        languages: Language codes they answer in.
    """

    id: int
    username: str
    role: str
    languages: tuple[str, ...]

    @property
    def is_supervisor(self) -> bool:
        """Whether they see every hand-off and the audit log."""
        return self.role == "supervisor"

    @property
    def viewer(self) -> Viewer:
        """The queue rules' view of this member."""
        return Viewer(id=self.id, role=self.role, languages=self.languages)

    def as_json(self) -> dict[str, object]:
        """`{"username", "role", "languages"}`."""
        return {
            "username": self.username,
            "role": self.role,
            "languages": list(self.languages),
        }
