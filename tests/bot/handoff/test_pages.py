"""The console's pages over HTTP (no browser): log-in, redirects, forms, 403s.

The real console runs as a process (tests/browser/servers.py) with a fake
Rasa; a `requests.Session` plays a browser without JavaScript.
"""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.handoff.auth import StaffView
from bot.handoff.pages import (
    FORM_EXPIRED,
    WRONG_LOGIN,
    controls,
    duration,
    language_label,
    safe_next,
)
from tests.browser.servers import (
    PASSWORD,
    SUPERVISOR,
    Console,
    FakeRasa,
    running_console,
)

_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    """The fake Rasa the console calls."""
    server = FakeRasa().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def console(
    tmp_path_factory: pytest.TempPathFactory, rasa: FakeRasa
) -> Iterator[Console]:
    """The console with a supervisor and two counsellors (tl+en, th)."""
    work: Path = tmp_path_factory.mktemp("pages")
    for running in running_console(work, rasa):
        running.add_staff("tala", "counsellor", "tl,en")
        running.add_staff("thida", "counsellor", "th")
        running.add_staff("lockme", "counsellor", "en")
        yield running


def login_form(session: requests.Session, url: str) -> str:
    """GET /login; the form's CSRF token."""
    page = session.get(url + "/login", allow_redirects=False)
    assert page.status_code == 200
    found = _CSRF.search(page.text)
    assert found
    return found.group(1)


def logged_in(
    console: Console, username: str, password: str = PASSWORD
) -> requests.Session:
    """A session signed in through the log-in form."""
    session = requests.Session()
    token = login_form(session, console.url)
    reply = session.post(
        console.url + "/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    return session


def page_csrf(session: requests.Session, url: str) -> str:
    """The session's CSRF token, from a page's meta tag."""
    page = session.get(url)
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert found, page.text[:500]
    return found.group(1)


# ---- the pure helpers ----


@pytest.mark.parametrize(
    "seconds,shown",
    [
        (0, "0 s"),
        (59.9, "59 s"),
        (60, "1 min 00 s"),
        (185, "3 min 05 s"),
        (3725, "1 h 02 min"),
        (-4, "0 s"),
        (None, "0 s"),
    ],
)
def test_durations(seconds: object, shown: str) -> None:
    assert duration(seconds) == shown


@pytest.mark.parametrize(
    "wanted,kept",
    [
        ("/handoffs/12", "/handoffs/12"),
        ("/audit", "/audit"),
        ("/", "/"),
        (None, "/"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/handoffs/12/../../x", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_only_console_pages_are_returned_to(wanted: object, kept: str) -> None:
    assert safe_next(wanted) == kept  # type: ignore[arg-type]


def test_language_labels() -> None:
    assert language_label("tl") == "Filipino (tl)"
    assert language_label(None) == "not known"


def test_controls_follow_who_holds_it() -> None:
    tala = StaffView(1, "tala", "counsellor", ("tl",))
    boss = StaffView(2, "boss", "supervisor", ())
    waiting = {"status": "waiting", "claimed_by": None}
    mine = {"status": "active", "claimed_by": "tala"}
    closed = {"status": "closed", "claimed_by": "tala"}
    assert controls(waiting, tala).claim and controls(waiting, tala).transfer
    assert not controls(waiting, tala).send and not controls(waiting, tala).close
    assert controls(mine, tala).send and controls(mine, tala).close
    assert not controls(mine, boss).send and controls(mine, boss).close
    assert controls(mine, boss).transfer and not controls(mine, boss).claim
    assert not any(vars(controls(closed, boss)).values())


# ---- nothing without logging in ----


def test_pages_send_strangers_to_login(console: Console) -> None:
    made = console.open_handoff(
        "pages-stranger",
        language="tl",
        transcript=[
            {"sender": "user", "text": "secret words of a stranger", "at": time.time()}
        ],
    )
    for path, target in [
        ("/", "/login"),
        (f"/handoffs/{made['id']}", f"/login?next=/handoffs/{made['id']}"),
        ("/audit", "/login?next=/audit"),
    ]:
        reply = requests.get(console.url + path, allow_redirects=False)
        assert reply.status_code == 303
        assert reply.headers["Location"] == target
        assert "secret words" not in reply.text
        assert "C-" not in reply.text
    page = requests.get(console.url + f"/login?next=/handoffs/{made['id']}")
    assert "secret words" not in page.text and "C-" not in page.text
    for path in (f"/handoffs/{made['id']}/claim", "/logout"):
        reply = requests.post(console.url + path, data={}, allow_redirects=False)
        assert reply.status_code in (303, 401, 403)
        assert "secret words" not in reply.text


def test_canned_api_needs_a_staff_member(console: Console) -> None:
    reply = requests.get(console.url + "/api/canned?language=tl")
    assert reply.status_code == 401
    assert set(reply.json()) == {"error"}


# ---- log-in ----


def test_login_needs_the_forms_token(console: Console) -> None:
    session = requests.Session()
    login_form(session, console.url)
    reply = session.post(
        console.url + "/login",
        data={"username": "tala", "password": PASSWORD, "csrf_token": "forged"},
        allow_redirects=False,
    )
    assert reply.status_code == 403
    assert FORM_EXPIRED in reply.text
    assert "console_session" not in session.cookies
    fresh = requests.post(
        console.url + "/login",
        data={"username": "tala", "password": PASSWORD},
        allow_redirects=False,
    )
    assert fresh.status_code == 403


def test_wrong_password_says_not_which_part(console: Console) -> None:
    session = requests.Session()
    for username, password in [("tala", "wrong-password-1"), ("nobody", PASSWORD)]:
        token = login_form(session, console.url)
        reply = session.post(
            console.url + "/login",
            data={"username": username, "password": password, "csrf_token": token},
            allow_redirects=False,
        )
        assert reply.status_code == 401
        assert WRONG_LOGIN.replace("'", "&#39;") in reply.text
        assert password not in reply.text
        assert f'value="{username}"' in reply.text


def test_locked_account_is_told_without_detail(console: Console) -> None:
    session = requests.Session()
    statuses = []
    for _ in range(6):
        token = login_form(session, console.url)
        reply = session.post(
            console.url + "/login",
            data={
                "username": "lockme",
                "password": "not-the-one-1",
                "csrf_token": token,
            },
            allow_redirects=False,
        )
        statuses.append(reply.status_code)
    token = login_form(session, console.url)
    reply = session.post(
        console.url + "/login",
        data={"username": "lockme", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert statuses[:4] == [401] * 4
    assert reply.status_code == 429
    assert 'role="alert"' in reply.text
    assert "password is wrong" not in reply.text.lower()


def test_login_returns_to_the_page_asked_for(console: Console) -> None:
    session = requests.Session()
    page = session.get(console.url + "/login?next=/audit")
    token = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    reply = session.post(
        console.url + "/login?next=/audit",
        data={
            "username": SUPERVISOR[0],
            "password": SUPERVISOR[1],
            "csrf_token": token,
        },
        allow_redirects=False,
    )
    assert reply.status_code == 303
    assert reply.headers["Location"] == "/audit"
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert session.get(console.url + "/audit").status_code == 200
    assert session.get(console.url + "/login", allow_redirects=False).status_code == 303


def test_logout_ends_the_session(console: Console) -> None:
    session = logged_in(console, "tala")
    token = page_csrf(session, console.url + "/")
    assert (
        session.post(
            console.url + "/logout", data={}, allow_redirects=False
        ).status_code
        == 403
    )
    reply = session.post(
        console.url + "/logout", data={"csrf_token": token}, allow_redirects=False
    )
    assert reply.status_code == 303 and reply.headers["Location"] == "/login"
    assert session.get(console.url + "/", allow_redirects=False).status_code == 303


# ---- pages ----


def test_queue_page_lists_what_the_counsellor_may_see(console: Console) -> None:
    tl = console.open_handoff("pages-queue-tl", language="tl", country="PH")
    th = console.open_handoff(
        "pages-queue-th", language="th", country="TH", risk="high", reason="crisis"
    )
    page = logged_in(console, "tala").get(console.url + "/")
    assert page.status_code == 200
    assert tl["id"] and f'href="/handoffs/{tl["id"]}"' in page.text
    assert f'href="/handoffs/{th["id"]}"' not in page.text
    assert "Filipino (tl)" in page.text and "The Philippines (PH)" in page.text
    assert "pages-queue" not in page.text  # never the conversation id
    boss = logged_in(console, *SUPERVISOR).get(console.url + "/")
    assert f'href="/handoffs/{th["id"]}"' in boss.text
    urgent_row = boss.text.index(f'href="/handoffs/{th["id"]}"')
    assert boss.text.index(f'href="/handoffs/{tl["id"]}"') > urgent_row
    assert "Urgent</span>" in boss.text


def test_another_language_is_refused_without_data(console: Console) -> None:
    made = console.open_handoff(
        "pages-other-lang",
        language="tl",
        transcript=[
            {"sender": "user", "text": "only for tagalog staff", "at": time.time()}
        ],
    )
    session = logged_in(console, "thida")
    page = session.get(console.url + f"/handoffs/{made['id']}")
    assert page.status_code == 403
    assert "only for tagalog staff" not in page.text
    assert "pages-other-lang" not in page.text
    api = session.get(console.url + f"/api/handoffs/{made['id']}")
    assert api.status_code == 403 and set(api.json()) == {"error"}
    missing = session.get(console.url + "/handoffs/987654")
    assert missing.status_code == 404


def test_transcript_is_escaped(console: Console) -> None:
    made = console.open_handoff(
        "pages-xss",
        transcript=[
            {
                "sender": "user",
                "text": "<script>alert(1)</script><b>hi</b>",
                "at": time.time(),
            }
        ],
    )
    page = logged_in(console, "tala").get(console.url + f"/handoffs/{made['id']}")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;hi&lt;/b&gt;" in page.text
    assert "<script" not in page.text.replace(
        '<script src="/static/console.js" defer></script>', ""
    ).replace('<script type="application/json" id="console-labels">', "")


def test_forms_work_without_javascript(console: Console, rasa: FakeRasa) -> None:
    made = console.open_handoff("pages-forms", language="en")
    url = console.url + f"/handoffs/{made['id']}"
    session = logged_in(console, "tala")
    page = session.get(url)
    assert "Claim this conversation" in page.text
    token = page_csrf(session, url)
    refused = session.post(url + "/claim", data={}, allow_redirects=False)
    assert refused.status_code == 403
    claimed = session.post(
        url + "/claim", data={"csrf_token": token}, allow_redirects=False
    )
    assert (
        claimed.status_code == 303
        and claimed.headers["Location"] == f"/handoffs/{made['id']}"
    )
    rasa.wait_for(lambda c: c.path == "/conversations/pages-forms/trigger_intent")
    empty = session.post(url + "/messages", data={"csrf_token": token, "text": "  "})
    assert empty.status_code == 400 and "Write a message" in empty.text
    sent = session.post(
        url + "/messages",
        data={"csrf_token": token, "text": "Hello, I am here."},
        allow_redirects=False,
    )
    assert sent.status_code == 303
    call = rasa.wait_for(
        lambda c: (
            c.path == "/conversations/pages-forms/tracker/events"
            and isinstance(c.body, list)
            and any(e.get("text") == "Hello, I am here." for e in c.body)
        )
    )
    assert call.query.get("output_channel") == "latest"
    assert call.authorization == f"Bearer {console.env['API_TOKEN']}"
    page = session.get(url)
    assert "Hello, I am here." in page.text
    bad = session.post(url + "/close", data={"csrf_token": token, "outcome": "made_up"})
    assert bad.status_code == 400 and "Choose an outcome" in bad.text
    closed = session.post(
        url + "/close",
        data={"csrf_token": token, "outcome": "supported"},
        allow_redirects=False,
    )
    assert closed.status_code == 303
    page = session.get(url)
    assert "Listened and supported" in page.text
    assert "has ended" in page.text


def test_audit_page_is_for_supervisors(console: Console) -> None:
    made = console.open_handoff("pages-audit", language="en")
    tala = logged_in(console, "tala")
    token = page_csrf(tala, console.url + "/")
    tala.post(console.url + f"/handoffs/{made['id']}/claim", data={"csrf_token": token})
    refused = tala.get(console.url + "/audit")
    assert refused.status_code == 403
    assert "claimed" not in refused.text
    audit = logged_in(console, *SUPERVISOR).get(console.url + "/audit")
    assert audit.status_code == 200
    assert made["id"] and f'href="/handoffs/{made["id"]}"' in audit.text
    assert "claimed" in audit.text and "tala" in audit.text


def test_canned_api(console: Console) -> None:
    session = logged_in(console, "tala")
    reply = session.get(
        console.url + "/api/canned", params={"language": "tl", "country": "PH"}
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["language"] == "tl" and body["country"] == "PH"
    keys = [item["key"] for item in body["replies"]]
    assert keys[0] == "helplines" and "utter_take_it_down_steps" in keys
    assert all(
        set(item) == {"key", "title", "text", "language", "source", "review"}
        for item in body["replies"]
    )
    for params in ({}, {"language": "xx"}, {"language": "tl", "country": "ph!"}):
        bad = session.get(console.url + "/api/canned", params=params)
        assert bad.status_code == 400 and set(bad.json()) == {"error"}


def test_pages_carry_no_inline_script_or_style(console: Console) -> None:
    made = console.open_handoff("pages-csp", language="en")
    session = logged_in(console, *SUPERVISOR)
    for path in ("/", f"/handoffs/{made['id']}", "/audit"):
        page = session.get(console.url + path)
        assert page.status_code == 200
        assert " style=" not in page.text and "<style" not in page.text
        assert " onclick=" not in page.text.lower()
        scripts = re.findall(r"<script[^>]*>", page.text)
        assert all(
            'src="/static/' in s or 'type="application/json"' in s for s in scripts
        )
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_transfer_and_conflicts_without_javascript(console: Console) -> None:
    made = console.open_handoff("pages-transfer", language="tl")
    url = console.url + f"/handoffs/{made['id']}"
    thida = logged_in(console, "thida")
    refused = thida.get(url)
    assert refused.status_code == 403
    assert "ask a supervisor to transfer it to you" in refused.text
    boss = logged_in(console, *SUPERVISOR)
    token = page_csrf(boss, url)
    unknown = boss.post(url + "/transfer", data={"csrf_token": token, "to": "nobody"})
    assert unknown.status_code == 400 and "not an enabled staff member" in unknown.text
    moved = boss.post(
        url + "/transfer",
        data={"csrf_token": token, "to": "thida", "language": ""},
        allow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["Location"] == "/"
    assert f'href="/handoffs/{made["id"]}"' in thida.get(console.url + "/").text
    page = thida.get(url)
    assert page.status_code == 200 and "assigned to thida" in page.text
    mine = thida.post(url + "/claim", data={"csrf_token": page_csrf(thida, url)})
    assert mine.status_code == 200 and "held by thida" in mine.text
    tala = logged_in(console, "tala")
    late = tala.post(url + "/claim", data={"csrf_token": page_csrf(tala, url)})
    assert late.status_code == 409
    assert 'id="error-banner" role="alert"' in late.text
    assert "held by thida" in late.text
