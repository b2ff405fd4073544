"""Staff session tokens and CSRF tokens: made, hashed, checked. Pure.

A session token is 32 random bytes (URL-safe text); the database keeps only
its SHA-256, so a copy of the database opens no session. The CSRF token of a
session is an HMAC of its token under the console secret: nothing to store,
and useless without the secret.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Optional

#: A session ends after this long without a request.
IDLE_SECONDS = 12 * 3600.0
#: And this long after log-in, in any case.
ABSOLUTE_SECONDS = 24 * 3600.0
#: Last use is written at most this often (not on every request).
TOUCH_SECONDS = 60.0
KINDS = ("cookie", "bearer")


@dataclass(frozen=True)
class SessionRecord:
    """A stored session.

    Attributes:
        id: Database id.
        staff_id: Whose it is.
        kind: "cookie" (needs CSRF tokens) or "bearer" (API clients).
        login: Id shared by the sessions of one log-in (ended together).
        created_at: Log-in time (epoch seconds).
        last_used: Last request with it.
    """

    id: int
    staff_id: int
    kind: str
    login: str
    created_at: float
    last_used: float


def new_token() -> str:
    """A fresh random session token."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database stores of a token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def csrf_for(secret: str, token: str) -> str:
    """The CSRF token of the session whose token is `token`."""
    return hmac.new(
        secret.encode("utf-8"), b"csrf\0" + token.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def csrf_ok(secret: str, token: str, given: Optional[str]) -> bool:
    """Whether a submitted CSRF token belongs to that session (constant time)."""
    if not given:
        return False
    return hmac.compare_digest(
        csrf_for(secret, token).encode("ascii"),
        given.strip().encode("utf-8", "surrogateescape"),
    )


def is_alive(session: SessionRecord, now: float) -> bool:
    """Whether a session may still be used (idle and absolute limits)."""
    return (
        now - session.last_used < IDLE_SECONDS
        and now - session.created_at < ABSOLUTE_SECONDS
    )


def needs_touch(session: SessionRecord, now: float) -> bool:
    """Whether its last use should be written now."""
    return now - session.last_used >= TOUCH_SECONDS


def bearer(authorization: str) -> Optional[str]:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
