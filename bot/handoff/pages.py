"""The staff console's web pages: log-in, queue, conversation, audit log.

Server-rendered HTML (Jinja2 with autoescape, templates/) and one small
vanilla script (static/console.js) that keeps the pages live through
`/api/stream` and acts through the /api routes with the session cookie and
the `X-CSRF-Token` header (the token is in a `<meta>` tag). Every form also
works without JavaScript: it posts here, the handler calls the same service
(`request.app.ctx.service`, bot/handoff/service.py) and redirects back.

A request without a signed-in staff member is redirected to /login and is
told nothing else. The log-in form carries its own CSRF token (a
double-submit cookie: there is no session yet); the others carry the
session's token, which the console's middleware checks (bot/handoff/auth.py).
Also serves `GET /api/canned` (bot/handoff/canned.py).
"""

import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, html, json, redirect

from bot.handoff.auth import (
    StaffView,
    csrf_token,
    login,
    logout,
    set_session_cookie,
    staff_for,
)
from bot.handoff.canned import CannedError, Catalogue, load_catalogue
from bot.handoff.service import ServiceError
from bot.languages import CODES, DEFAULT, LANGUAGES
from bot.settings import ROOT, Settings

logger = logging.getLogger(__name__)

blueprint = Blueprint("pages")

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOGIN_COOKIE = "console_login"
LOGIN_FIELD = "csrf_token"
# Where a log-in may send the browser back to: pages of this console only.
_NEXT = re.compile(r"^/(?:handoffs/\d{1,12}|audit)?$")
AUDIT_LIMIT = 200
MAX_MESSAGE_CHARS = 4000

LANGUAGE_NAMES = {language.code: language.name for language in LANGUAGES}
REASONS = {
    "request_human": "asked for a person",
    "fallback": "assistant did not understand twice",
    "crisis": "crisis",
}
RISKS = {"none": "none", "elevated": "elevated", "high": "high"}
STATUSES = {
    "waiting": "waiting",
    "active": "active",
    "closed": "closed",
    "expired": "expired: nobody took it in time",
    "cancelled": "cancelled by the person",
}
SENDERS = {"user": "Person", "bot": "Assistant", "system": "Console"}
WRONG_LOGIN = (
    "Those details don't match an account. Check the username and the "
    "password and try again."
)
FORM_EXPIRED = "The log-in form had expired. Please log in again."
TRANSFER_HINT = (
    "If you should take it, ask a supervisor to transfer it to you; it then "
    "appears in your queue."
)


@dataclass(frozen=True)
class Controls:
    """Which actions the conversation page offers a staff member.

    The service decides; these only hide what it would refuse. console.js
    applies the same rule when the handoff changes live.

    Attributes:
        claim: Waiting: anyone who can see it may claim it.
        send: Active and held by them.
        transfer: Open, and waiting, held by them or they supervise.
        close: Open, and held by them or they supervise.
    """

    claim: bool
    send: bool
    transfer: bool
    close: bool


def controls(item: Mapping[str, Any], staff: StaffView) -> Controls:
    """The actions to offer on a handoff (see `Controls`).

    Args:
        item: The handoff as the service returns it.
        staff: Who is looking.
    """
    status = item.get("status")
    is_open = status in ("waiting", "active")
    mine = status == "active" and item.get("claimed_by") == staff.username
    return Controls(
        claim=status == "waiting",
        send=mine,
        transfer=is_open and (status == "waiting" or mine or staff.is_supervisor),
        close=is_open and (mine or staff.is_supervisor),
    )


def duration(seconds: Any) -> str:
    """A waiting time as shown: "45 s", "3 min 05 s", "1 h 02 min"."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def language_label(code: Optional[str]) -> str:
    """A language as shown: "Filipino (tl)"; "not known" for None."""
    if not code:
        return "not known"
    name = LANGUAGE_NAMES.get(code)
    return f"{name} ({code})" if name else code


def safe_next(path: Optional[str]) -> str:
    """Where to go after logging in: a page of the console, else the queue."""
    return path if path and _NEXT.match(path) else "/"


def state_note(item: Mapping[str, Any], staff: StaffView) -> str:
    """A sentence on who may talk in the conversation now ("" when it is yours)."""
    status = item.get("status")
    holder = item.get("claimed_by")
    if status == "waiting":
        return "Waiting for a staff member. Claim it to talk with the person."
    if status == "active" and holder == staff.username:
        return ""
    if status == "active":
        return f"{holder} holds this conversation."
    return f"This conversation has ended ({STATUSES.get(str(status), status)})."


def _zone(settings: Optional[Settings]) -> ZoneInfo:
    try:
        return ZoneInfo(settings.handoff_timezone if settings else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _moment(value: Any, zone: ZoneInfo) -> Optional[datetime]:
    try:
        return datetime.fromtimestamp(float(value), zone)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


@lru_cache(maxsize=1)
def templates() -> jinja2.Environment:
    """The page templates, autoescaped, with the console's filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        duration=duration,
        language=language_label,
        risk=lambda code: RISKS.get(code, code or "not known"),
        reason=lambda code: REASONS.get(code, code or "not known"),
        status=lambda code: STATUSES.get(code, code),
        country=_country_filter,
        holder=_holder,
        sender=_sender,
        outcome=_outcome,
        clock=_clock,
        stamp=_stamp,
        isotime=_isotime,
    )
    return env


@jinja2.pass_context
def _country_filter(context: Any, code: Optional[str]) -> str:
    names = context.get("countries") or {}
    if not code:
        return "not given"
    return f"{names[code]} ({code})" if code in names else code


def _holder(item: Mapping[str, Any]) -> str:
    if item.get("claimed_by"):
        return f"held by {item['claimed_by']}"
    if item.get("assigned_to"):
        return f"assigned to {item['assigned_to']}"
    return "nobody yet"


@jinja2.pass_context
def _sender(context: Any, line: Mapping[str, Any]) -> str:
    sender = str(line.get("sender"))
    if sender != "staff":
        return SENDERS.get(sender, sender)
    staff = context.get("staff")
    name = line.get("staff")
    if staff is not None and name == staff.username:
        return "You"
    return str(name or "Staff")


@jinja2.pass_context
def _outcome(context: Any, code: Optional[str]) -> str:
    for item in context.get("outcomes") or []:
        if item.get("code") == code:
            return str(item.get("label") or code)
    return code or ""


@jinja2.pass_context
def _clock(context: Any, value: Any) -> str:
    moment = _moment(value, context.get("zone") or ZoneInfo("UTC"))
    return moment.strftime("%H:%M") if moment else ""


@jinja2.pass_context
def _stamp(context: Any, value: Any) -> str:
    moment = _moment(value, context.get("zone") or ZoneInfo("UTC"))
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _isotime(value: Any) -> str:
    moment = _moment(value, ZoneInfo("UTC"))
    return moment.isoformat() if moment else ""


def _settings(request: Request) -> Optional[Settings]:
    settings = getattr(request.app.ctx, "settings", None)
    return settings if isinstance(settings, Settings) else None


def catalogue(request: Request) -> Catalogue:
    """The canned replies' content (read once per process)."""
    settings = _settings(request) or Settings()
    return load_catalogue(
        ROOT / "domain.yml", settings.translations_dir, settings.helplines_path
    )


def _countries(request: Request) -> dict[str, str]:
    """Country names in English, for display ("The Philippines")."""
    book = catalogue(request).directory
    names = {}
    for code in book.countries:
        name = "another country" if code == "INT" else book.country_name(code, DEFAULT)
        names[code] = name[:1].upper() + name[1:]
    return names


def _labels(request: Request, staff: StaffView) -> dict[str, Any]:
    """What console.js needs to show live items as the server does."""
    return {
        "me": staff.username,
        "supervisor": staff.is_supervisor,
        "languages": LANGUAGE_NAMES,
        "countries": _countries(request),
        "reasons": REASONS,
        "risks": RISKS,
        "statuses": STATUSES,
        "senders": SENDERS,
    }


def render(
    request: Request,
    name: str,
    staff: Optional[StaffView],
    status: int = 200,
    **context: Any,
) -> HTTPResponse:
    """A page from a template, with what every page needs.

    Args:
        request: The request (for the CSRF token and the settings).
        name: The template file.
        staff: Who is signed in (None on the log-in page).
        status: HTTP status of the reply.
        **context: The template's own values.
    """
    values: dict[str, Any] = {
        "staff": staff,
        "csrf": csrf_token(request) if staff else "",
        "page": name.rsplit(".", 1)[0],
        "zone": _zone(_settings(request)),
        "countries": {},
    }
    if staff is not None:
        values["countries"] = _countries(request)
    values.update(context)
    page = templates().get_template(name).render(**values)
    return html(page, status=status)


def to_login(request: Request) -> HTTPResponse:
    """Send a visitor who is not signed in to the log-in page."""
    wanted = safe_next(request.path)
    target = "/login" if wanted == "/" else f"/login?next={wanted}"
    return redirect(target, status=303)


def error_page(
    request: Request, staff: StaffView, status: int, message: str
) -> HTTPResponse:
    """A page that says only what went wrong."""
    headings = {
        403: "Not yours to open",
        404: "No such conversation",
        409: "Someone else has it",
    }
    heading = headings.get(status, "That did not work")
    hint = TRANSFER_HINT if status == 403 else ""
    return render(
        request,
        "error.html",
        staff,
        status,
        heading=heading,
        message=message,
        hint=hint,
    )


def _login_form(
    request: Request,
    status: int = 200,
    error: str = "",
    username: str = "",
) -> HTTPResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        None,
        status,
        error=error,
        username=username,
        login_csrf=token,
        next=safe_next(request.args.get("next")),
    )
    response.cookies[LOGIN_COOKIE] = token
    cookie = response.cookies[LOGIN_COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/login"
    cookie["max-age"] = 3600
    return response


@blueprint.listener("before_server_start")
async def _warm(app: Any, loop: Any) -> None:
    """Read the canned content before the first request (a bad file shows early)."""
    settings = getattr(app.ctx, "settings", None) or Settings()
    try:
        load_catalogue(
            ROOT / "domain.yml", settings.translations_dir, settings.helplines_path
        )
    except (OSError, ValueError) as error:
        logger.error("Canned replies unavailable: %s", error)


@blueprint.get("/login")
async def login_page(request: Request) -> HTTPResponse:
    """The log-in form (signed-in staff go to the queue)."""
    if await staff_for(request) is not None:
        return redirect(safe_next(request.args.get("next")), status=303)
    return _login_form(request)


@blueprint.post("/login")
async def login_submit(request: Request) -> HTTPResponse:
    """Check the form's token and the credentials; open a session."""
    form = request.form or {}
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    sent = str(form.get(LOGIN_FIELD) or "")
    kept = request.cookies.get(LOGIN_COOKIE) or ""
    if not sent or not kept or not hmac.compare_digest(sent, kept):
        return _login_form(request, 403, FORM_EXPIRED, username)
    if not username or not password:
        return _login_form(request, 400, WRONG_LOGIN, username)
    result = await login(request, username, password)
    if result.staff is None or not result.token:
        message = WRONG_LOGIN if result.status == 401 else (result.error or "")
        return _login_form(request, result.status, message or WRONG_LOGIN, username)
    response = redirect(safe_next(request.args.get("next")), status=303)
    set_session_cookie(response, result.token)
    response.cookies[LOGIN_COOKIE] = ""
    response.cookies[LOGIN_COOKIE]["path"] = "/login"
    response.cookies[LOGIN_COOKIE]["max-age"] = 0
    return response


@blueprint.post("/logout")
async def logout_submit(request: Request) -> HTTPResponse:
    """End the session and show the log-in page."""
    response = redirect("/login", status=303)
    await logout(request, response)
    return response


@blueprint.get("/")
async def queue_page(request: Request) -> HTTPResponse:
    """Waiting and active handoffs the staff member may see, kept live."""
    staff = await staff_for(request)
    if staff is None:
        return to_login(request)
    items = await request.app.ctx.service.queue(staff)
    return render(
        request,
        "queue.html",
        staff,
        waiting=[item for item in items if item.get("status") == "waiting"],
        active=[item for item in items if item.get("status") == "active"],
        labels=_labels(request, staff),
    )


async def conversation(
    request: Request,
    staff: StaffView,
    handoff_id: int,
    status: int = 200,
    error: str = "",
) -> HTTPResponse:
    """The conversation page (or the page saying why it cannot be opened).

    Args:
        request: The request.
        staff: Who is signed in.
        handoff_id: The handoff to show.
        status: HTTP status of the reply (an earlier action's failure).
        error: What went wrong with that action, shown in a banner.
    """
    service = request.app.ctx.service
    try:
        item = await service.detail(staff, handoff_id)
    except ServiceError as failure:
        return error_page(request, staff, failure.status, failure.message)
    try:
        colleagues = await service.staff_list(staff)
    except ServiceError:
        colleagues = []
    language = item.get("language") if item.get("language") in CODES else DEFAULT
    try:
        replies = catalogue(request).replies(
            language, item.get("country"), datetime.now(timezone.utc)
        )
    except CannedError:
        replies = catalogue(request).replies(language, None, datetime.now(timezone.utc))
    return render(
        request,
        "conversation.html",
        staff,
        status,
        handoff=item,
        can=controls(item, staff),
        state_note=state_note(item, staff),
        error=error,
        canned=replies,
        canned_language=language,
        languages=[(code, language_label(code)) for code in CODES],
        colleagues=[c for c in colleagues if c.get("username") != staff.username],
        outcomes=service.outcomes,
        labels=_labels(request, staff),
    )


@blueprint.get("/handoffs/<handoff_id:int>")
async def conversation_page(request: Request, handoff_id: int) -> HTTPResponse:
    """A handoff: the transcript so far, live chat and the actions."""
    staff = await staff_for(request)
    if staff is None:
        return to_login(request)
    return await conversation(request, staff, handoff_id)


async def _act(request: Request, handoff_id: int, action: str) -> HTTPResponse:
    """Run a form's action through the service, then show the conversation."""
    staff = await staff_for(request)
    if staff is None:
        return to_login(request)
    service = request.app.ctx.service
    form = request.form or {}
    try:
        if action == "claim":
            await service.claim(staff, handoff_id)
        elif action == "messages":
            text = str(form.get("text") or "").strip()
            if not text or len(text) > MAX_MESSAGE_CHARS:
                return await conversation(
                    request,
                    staff,
                    handoff_id,
                    400,
                    f"Write a message of 1 to {MAX_MESSAGE_CHARS} characters.",
                )
            await service.send(staff, handoff_id, text)
        elif action == "close":
            outcome = str(form.get("outcome") or "")
            codes = {str(o.get("code")) for o in service.outcomes}
            if outcome not in codes:
                return await conversation(
                    request, staff, handoff_id, 400, "Choose an outcome to close."
                )
            await service.close(staff, handoff_id, outcome)
        else:
            to = str(form.get("to") or "") or None
            language = str(form.get("language") or "") or None
            await service.transfer(staff, handoff_id, to, language=language)
    except ServiceError as failure:
        # The page itself says "not yours to open" when it no longer is.
        return await conversation(
            request, staff, handoff_id, failure.status, failure.message
        )
    # After a transfer it may no longer be theirs to see: back to the queue.
    target = "/" if action == "transfer" else f"/handoffs/{handoff_id}"
    return redirect(target, status=303)


@blueprint.post("/handoffs/<handoff_id:int>/claim")
async def claim_submit(request: Request, handoff_id: int) -> HTTPResponse:
    """Claim (form without JavaScript)."""
    return await _act(request, handoff_id, "claim")


@blueprint.post("/handoffs/<handoff_id:int>/messages")
async def message_submit(request: Request, handoff_id: int) -> HTTPResponse:
    """Send a message (form without JavaScript)."""
    return await _act(request, handoff_id, "messages")


@blueprint.post("/handoffs/<handoff_id:int>/close")
async def close_submit(request: Request, handoff_id: int) -> HTTPResponse:
    """Close with an outcome (form without JavaScript)."""
    return await _act(request, handoff_id, "close")


@blueprint.post("/handoffs/<handoff_id:int>/transfer")
async def transfer_submit(request: Request, handoff_id: int) -> HTTPResponse:
    """Transfer to a colleague or a language (form without JavaScript)."""
    return await _act(request, handoff_id, "transfer")


@blueprint.get("/audit")
async def audit_page(request: Request) -> HTTPResponse:
    """The audit log (supervisors only)."""
    staff = await staff_for(request)
    if staff is None:
        return to_login(request)
    if not staff.is_supervisor:
        return render(
            request,
            "error.html",
            staff,
            403,
            heading="Supervisors only",
            message="The audit log is open to supervisors only.",
            hint="",
        )
    try:
        entries = await request.app.ctx.service.audit(staff, limit=AUDIT_LIMIT)
    except ServiceError as failure:
        return error_page(request, staff, failure.status, failure.message)
    return render(request, "audit.html", staff, entries=entries, limit=AUDIT_LIMIT)


@blueprint.get("/api/canned")
async def canned_replies(request: Request) -> HTTPResponse:
    """Canned replies in a language: `?language=tl[&country=PH]`.

    Returns:
        200 `{"language", "country", "replies": [{key, title, text, language,
        source, review}]}`; 400 for a missing or unknown language or a
        malformed country; 401 without a signed-in staff member.
    """
    staff = await staff_for(request)
    if staff is None:
        return json({"error": "log in first"}, status=401)
    language = request.args.get("language") or ""
    country = request.args.get("country") or None
    if not language:
        return json(
            {"error": f"language is required: one of {', '.join(CODES)}"}, status=400
        )
    try:
        replies = catalogue(request).replies(
            language, country, datetime.now(timezone.utc)
        )
    except CannedError as error:
        return json({"error": str(error)}, status=400)
    return json(
        {
            "language": language,
            "country": country,
            "replies": [reply.as_json() for reply in replies],
        }
    )
