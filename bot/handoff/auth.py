"""Who is asking: staff sessions (cookie or Bearer token), CSRF and log-in.

The console's pages and the /api routes use these helpers. The guard
(bot/handoff/guard.py) resolves the session of every request once, before any
handler, and checks the CSRF token of cookie requests that change state; the
decisions live in bot/handoff/accounts.py, sessions.py and checks.py.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from sanic.request import Request
from sanic.response import BaseHTTPResponse

from bot.handoff import sessions
from bot.handoff.accounts import StaffView

if TYPE_CHECKING:
    from bot.handoff.service import Authenticated, ConsoleService

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LoginResult",
    "StaffView",
    "csrf_token",
    "login",
    "logout",
    "set_session_cookie",
    "staff_for",
]

COOKIE = "console_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a log-in attempt.

    Attributes:
        staff: Who signed in (None when refused).
        token: The new cookie session's token, None when refused.
        csrf: The CSRF token of that session.
        error: Why it was refused (safe to show).
        status: HTTP status of a refusal (401 wrong credentials, 403
            disabled, 429 locked).
        bearer: A Bearer token of the same log-in, when one was asked for.
    """

    staff: Optional[StaffView] = None
    token: Optional[str] = None
    csrf: Optional[str] = None
    error: Optional[str] = None
    status: int = 200
    bearer: Optional[str] = None


def service_of(request: Request) -> "ConsoleService":
    """The console service of the app serving a request."""
    service: ConsoleService = request.app.ctx.service
    return service


async def authenticate(request: Request) -> Optional["Authenticated"]:
    """The valid session of a request (Bearer header first, then the cookie).

    Resolved once per request and kept on `request.ctx.auth`.
    """
    if hasattr(request.ctx, "auth"):
        found: Optional[Authenticated] = request.ctx.auth
        return found
    service = service_of(request)
    auth = None
    token = sessions.bearer(request.headers.get("authorization", ""))
    if token is not None:
        auth = await service.authenticate(token)
        if auth is not None and auth.kind != "bearer":
            auth = None  # a cookie token is never accepted as a Bearer token
    if auth is None:
        cookie = request.cookies.get(COOKIE)
        if cookie:
            found_cookie = await service.authenticate(cookie)
            if found_cookie is not None and found_cookie.kind == "cookie":
                auth = found_cookie
    request.ctx.auth = auth
    return auth


async def staff_for(request: Request) -> Optional[StaffView]:
    """The staff member of a request (session cookie or Bearer), or None."""
    auth = await authenticate(request)
    return auth.staff if auth is not None else None


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's cookie session ("" without one).

    Call after `staff_for` (or in any handler: the guard resolved the session).
    """
    auth: Optional[Authenticated] = getattr(request.ctx, "auth", None)
    if auth is None or auth.kind != "cookie":
        return ""
    return service_of(request).csrf(auth.token)


async def login(
    request: Request, username: str, password: str, bearer: bool = False
) -> LoginResult:
    """Check credentials (with lock-out) and open a cookie session.

    Args:
        request: The log-in request.
        username: As typed.
        password: As typed.
        bearer: Also open a Bearer session of the same log-in (/api/login).
    """
    service = service_of(request)
    kinds = ("cookie", "bearer") if bearer else ("cookie",)
    outcome = await service.login(username, password, kinds)
    if outcome.staff is None or outcome.tokens is None:
        return LoginResult(error=outcome.error, status=outcome.status)
    token = outcome.tokens["cookie"]
    return LoginResult(
        staff=outcome.staff,
        token=token,
        csrf=service.csrf(token),
        bearer=outcome.tokens.get("bearer"),
    )


def set_session_cookie(response: BaseHTTPResponse, token: str) -> None:
    """Put the session cookie (HttpOnly, SameSite=Strict, Path=/) on a reply."""
    response.cookies[COOKIE] = token
    cookie = response.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = int(sessions.ABSOLUTE_SECONDS)


async def logout(request: Request, response: BaseHTTPResponse) -> None:
    """Revoke the request's session (and its twin) and clear the cookie."""
    auth = await authenticate(request)
    if auth is not None:
        await service_of(request).logout(auth)
    request.ctx.auth = None
    response.cookies[COOKIE] = ""
    cookie = response.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = 0
