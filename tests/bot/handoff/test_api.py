"""The console served for real (SQLite) with a fake Rasa: /api and /internal.

Each test uses its own conversation ids (and accounts), so the tests share
one running console per module.
"""

import json
from typing import Any, Optional
from urllib.parse import quote

import pytest

from bot.handoff import accounts
from bot.handoff.app import STATIC
from tests.bot.handoff.console import (
    ADMIN,
    API_TOKEN,
    INTERNAL,
    PASSWORD,
    Console,
    add_staff,
    admin,
    api,
    bearer,
    conversation,
    create,
    login,
    request,
)


def test_every_api_route_needs_a_session(console: Console) -> None:
    for method, path in [
        ("GET", "/api/handoffs"),
        ("GET", "/api/handoffs/1"),
        ("POST", "/api/handoffs/1/claim"),
        ("POST", "/api/handoffs/1/messages"),
        ("GET", "/api/audit"),
        ("GET", "/api/stream"),
        ("GET", "/api/me"),
        ("POST", "/api/logout"),
        ("GET", "/api/no-such-route"),
        ("DELETE", "/api/handoffs/1"),
        ("GET", "/api/login"),
        ("GET", "/api/handoffs/not-a-number"),
    ]:
        status, headers, body = request(
            method, f"{console.url}{path}", {} if method == "POST" else None
        )
        assert status == 401, (method, path)
        assert headers["content-type"].startswith("application/json")
        assert set(body) == {"error"}
    status, _, _ = request(
        "GET", f"{console.url}/api/handoffs", headers=bearer("made-up-token")
    )
    assert status == 401


def test_internal_needs_the_service_token_not_a_staff_token(console: Console) -> None:
    staff = admin(console)
    for headers in ({}, staff, bearer("wrong"), bearer(API_TOKEN)):
        status, _, body = request(
            "GET",
            f"{console.url}/internal/handoffs/status?conversation_id=x",
            headers=headers,
        )
        assert status == 401 and "service token" in body["error"]
    status, _, body = request(
        "GET",
        f"{console.url}/internal/handoffs/status?conversation_id=x",
        headers=INTERNAL,
    )
    assert status == 200 and body["status"] == "none"
    status, _, _ = request("GET", f"{console.url}/api/handoffs", headers=INTERNAL)
    assert status == 401  # the service token is no staff session


def test_login_errors_and_lock_out(console: Console) -> None:
    name = add_staff(console)
    url = f"{console.url}/api/login"
    status, _, wrong = request(
        "POST", url, {"username": name, "password": "nope-nope-nope"}
    )
    status_unknown, _, unknown = request(
        "POST", url, {"username": "nobody-here", "password": "nope-nope-nope"}
    )
    assert status == status_unknown == 401
    assert wrong == unknown  # no hint whether the account exists
    for _ in range(accounts.MAX_FAILURES - 1):
        request("POST", url, {"username": name, "password": "nope-nope-nope"})
    status, _, body = request("POST", url, {"username": name, "password": PASSWORD})
    assert status == 429 and "try again" in body["error"]
    console.clock.advance(accounts.LOCK_SECONDS + 1)
    status, _, body = request("POST", url, {"username": name, "password": PASSWORD})
    assert status == 200 and body["username"] == name
    status, _, body = request("POST", url, b"not json")
    assert status == 400 and body == {"error": "the body must be JSON"}
    status, _, body = request("POST", url, {"username": name})
    assert status == 400 and "password" in body["error"]


def test_cookie_sessions_need_the_csrf_token(console: Console) -> None:
    name = add_staff(console)
    session = login(console, name)
    cookie = {"Cookie": session["cookie"]}
    assert (
        "HttpOnly"
        in request(
            "POST",
            f"{console.url}/api/login",
            {"username": name, "password": PASSWORD},
        )[1]["set-cookie"]
    )
    status, me = api(console, "GET", "/api/me", cookie)
    assert status == 200 and me["csrf_token"] == session["csrf_token"]
    status, body = api(console, "POST", "/api/handoffs/999999/claim", cookie)
    assert status == 403 and "CSRF" in body["error"]
    wrong = {**cookie, "X-CSRF-Token": "0" * 64}
    assert api(console, "POST", "/api/handoffs/999999/claim", wrong)[0] == 403
    right = {**cookie, "X-CSRF-Token": session["csrf_token"]}
    assert api(console, "POST", "/api/handoffs/999999/claim", right)[0] == 404
    # The Bearer token of the same log-in needs no CSRF token.
    assert (
        api(console, "POST", "/api/handoffs/999999/claim", bearer(session["token"]))[0]
        == 404
    )
    # Form posts to pages carry it as a field (the pages' log-out form here).
    form = {"Content-Type": "application/x-www-form-urlencoded", **cookie}
    status, _, body = request("POST", f"{console.url}/logout", b"a=1", headers=form)
    assert status == 403 and "CSRF" in body["error"]
    assert api(console, "GET", "/api/me", cookie)[0] == 200
    field = f"csrf_token={session['csrf_token']}".encode()
    status, _, _ = request("POST", f"{console.url}/logout", field, headers=form)
    assert status != 403
    assert api(console, "GET", "/api/me", cookie)[0] == 401
    # Logging out over the API ends the cookie and its Bearer twin.
    again = login(console, name)
    cookie = {"Cookie": again["cookie"], "X-CSRF-Token": again["csrf_token"]}
    assert api(console, "POST", "/api/logout", cookie)[0] == 200
    assert api(console, "GET", "/api/me", cookie)[0] == 401
    assert api(console, "GET", "/api/me", bearer(again["token"]))[0] == 401


def test_cross_origin_and_unknown_hosts_are_refused(console: Console) -> None:
    staff = admin(console)
    status, _, body = request(
        "POST",
        f"{console.url}/api/handoffs/1/claim",
        {},
        headers={**staff, "Origin": "http://evil.example"},
    )
    assert status == 403 and "cross-origin" in body["error"]
    status, _, _ = request(
        "GET", f"{console.url}/api/me", headers={**staff, "Host": "evil.example"}
    )
    assert status == 421


def test_bad_requests_get_clear_json_errors(console: Console) -> None:
    staff = admin(console)
    cid = conversation()
    handoff = create(console, cid)
    path = f"/api/handoffs/{handoff['id']}"
    assert api(console, "GET", "/api/handoffs/999999", staff)[0] == 404
    assert api(console, "GET", "/api/handoffs/99999999999999999999", staff)[0] == 404
    assert api(console, "GET", f"{path}/claim", staff)[0] == 405
    assert api(console, "GET", "/api/handoffs?status=lost", staff)[0] == 400
    status, _, body = request(
        "POST",
        f"{console.url}{path}/messages",
        b"text=hi",
        headers={**staff, "Content-Type": "text/plain"},
    )
    assert status == 415 and set(body) == {"error"}
    big = json.dumps({"text": "x" * 70_000}).encode()
    status, _, body = request(
        "POST", f"{console.url}{path}/messages", big, headers=staff
    )
    assert status == 413 and set(body) == {"error"}
    status, _, body = request(
        "POST", f"{console.url}{path}/messages", b"{bad", headers=staff
    )
    assert status == 400 and body == {"error": "the body must be JSON"}
    status, body = api(console, "POST", f"{path}/close", staff, {"outcome": "made_up"})
    assert status == 400 and "outcome" in body["error"]
    status, _, body = request(
        "POST", f"{console.url}/internal/handoffs", {"language": "tl"}, headers=INTERNAL
    )
    assert status == 400 and "conversation_id" in body["error"]


def test_full_flow_claim_message_reply_close(console: Console) -> None:
    rasa = console.rasa
    name = add_staff(console, languages="tl,en")
    staff = bearer(login(console, name)["token"])
    cid = conversation()
    created = create(console, cid)
    assert created["status"] == "waiting" and created["position"] >= 1
    assert created["staff_online"] >= 1 and created["available"] is True
    assert created["expires_in_s"] > 0
    assert create(console, cid)["id"] == created["id"]  # idempotent

    status, listed = api(console, "GET", "/api/handoffs", staff)
    mine = [item for item in listed if item["id"] == created["id"]]
    assert status == 200 and len(mine) == 1
    assert mine[0]["language"] == "tl" and mine[0]["pseudonym"].startswith("C-")
    assert mine[0]["status"] == "waiting" and mine[0]["channel"] == "socketio"

    status, claimed = api(
        console, "POST", f"/api/handoffs/{created['id']}/claim", staff
    )
    assert (
        status == 200
        and claimed["status"] == "active"
        and claimed["claimed_by"] == name
    )
    assert rasa.intents(cid) == ["EXTERNAL_handoff_claimed"]
    call = next(c for c in rasa.calls if f"/{cid}/" in c.path)
    assert call.query == {"output_channel": "latest"}
    assert call.authorization == f"Bearer {API_TOKEN}"

    status, sent = api(
        console,
        "POST",
        f"/api/handoffs/{created['id']}/messages",
        staff,
        {"text": "Kumusta, nandito ako."},
    )
    assert status == 200 and sent["sender"] == "staff" and sent["staff"] == name
    event = next(c for c in rasa.calls if c.path.endswith(f"{cid}/tracker/events"))
    assert event.body == [
        {
            "event": "bot",
            "text": "Kumusta, nandito ako.",
            "metadata": {"handoff": "staff"},
        }
    ]
    assert event.query == {"output_channel": "latest", "execute_side_effects": "true"}

    status, accepted = api(
        console,
        "POST",
        "/internal/events",
        INTERNAL,
        {
            "events": [
                {
                    "conversation_id": cid,
                    "type": "user",
                    "text": "salamat po",
                    "at": console.clock(),
                },
                {
                    "conversation_id": cid,
                    "type": "bot",
                    "text": "Kumusta, nandito ako.",
                    "at": console.clock(),
                    "metadata": {"handoff": "staff"},
                },
                {
                    "conversation_id": conversation(),
                    "type": "user",
                    "text": "x",
                    "at": 6.0,
                },
            ]
        },
    )
    assert status == 200 and accepted == {"accepted": 1}
    status, detail = api(console, "GET", f"/api/handoffs/{created['id']}", staff)
    texts = [(line["sender"], line["text"]) for line in detail["transcript"]]
    assert texts[0] == ("user", "gusto ko ng tao")
    assert ("staff", "Kumusta, nandito ako.") in texts
    assert texts[-1] == ("user", "salamat po")
    assert texts.count(("staff", "Kumusta, nandito ako.")) == 1

    status, closed = api(
        console,
        "POST",
        f"/api/handoffs/{created['id']}/close",
        staff,
        {"outcome": "supported"},
    )
    assert (
        status == 200
        and closed["status"] == "closed"
        and closed["outcome"] == "supported"
    )
    tail = [c for c in rasa.calls if f"/{cid}/" in c.path][-2:]
    assert tail[0].path.endswith("/tracker/events") and tail[0].body == [
        {"event": "resume"}
    ]
    assert tail[1].body["name"] == "EXTERNAL_handoff_closed"
    status, _, after = request(
        "GET",
        f"{console.url}/internal/handoffs/status?conversation_id={quote(cid)}",
        headers=INTERNAL,
    )
    assert after["status"] == "none"
    status, history = api(console, "GET", "/api/handoffs?status=closed", staff)
    assert created["id"] in [item["id"] for item in history]


def test_only_one_holder(console: Console) -> None:
    first = bearer(login(console, add_staff(console))["token"])
    second = bearer(login(console, add_staff(console))["token"])
    handoff = create(console, conversation())
    path = f"/api/handoffs/{handoff['id']}"
    assert api(console, "POST", f"{path}/claim", first)[0] == 200
    assert api(console, "POST", f"{path}/claim", first)[0] == 200  # again: still theirs
    status, body = api(console, "POST", f"{path}/claim", second)
    assert status == 409 and "already claimed" in body["error"]
    status, body = api(console, "POST", f"{path}/messages", second, {"text": "hi"})
    assert status == 403
    status, _ = api(console, "POST", f"{path}/close", second, {"outcome": "supported"})
    assert status == 403
    # A supervisor may close it; then nobody can claim it again.
    assert (
        api(
            console, "POST", f"{path}/close", admin(console), {"outcome": "information"}
        )[0]
        == 200
    )
    assert api(console, "POST", f"{path}/claim", second)[0] == 409


def test_counsellors_see_only_their_languages_unless_assigned(console: Console) -> None:
    name = add_staff(console, languages="tl")
    staff = bearer(login(console, name)["token"])
    thai = create(console, conversation(), language="th")
    path = f"/api/handoffs/{thai['id']}"
    _, listed = api(console, "GET", "/api/handoffs", staff)
    assert thai["id"] not in [item["id"] for item in listed]
    _, waiting = api(console, "GET", "/api/handoffs?status=waiting", staff)
    assert thai["id"] not in [item["id"] for item in waiting]
    assert api(console, "GET", path, staff)[0] == 403
    assert api(console, "POST", f"{path}/claim", staff)[0] == 403
    status, moved = api(
        console, "POST", f"{path}/transfer", admin(console), {"to": name}
    )
    assert (
        status == 200 and moved["assigned_to"] == name and moved["status"] == "waiting"
    )
    assert api(console, "GET", path, staff)[0] == 200
    assert api(console, "POST", f"{path}/claim", staff)[0] == 200
    status, body = api(
        console, "POST", f"{path}/transfer", admin(console), {"to": "ghost"}
    )
    assert status == 400 and "staff member" in body["error"]


def test_urgent_first_and_risk_raises_urgency(console: Console) -> None:
    staff = admin(console)
    calm_old = create(console, conversation(), language="vi")
    calm_new_cid = conversation()
    calm_new = create(console, calm_new_cid, language="vi")
    crisis = create(
        console, conversation(), language="vi", reason="crisis", risk="high"
    )
    assert crisis["urgent"] and crisis["position"] == 1
    _, listed = api(console, "GET", "/api/handoffs?status=waiting", staff)
    order = [item["id"] for item in listed if item["language"] == "vi"]
    assert (
        order.index(crisis["id"])
        < order.index(calm_old["id"])
        < order.index(calm_new["id"])
    )
    api(
        console,
        "POST",
        "/internal/events",
        INTERNAL,
        {
            "events": [
                {
                    "conversation_id": calm_new_cid,
                    "type": "user",
                    "text": "...",
                    "at": 9.0,
                    "risk": "elevated",
                }
            ]
        },
    )
    _, listed = api(console, "GET", "/api/handoffs?status=waiting", staff)
    raised = {item["id"]: item for item in listed}
    assert (
        raised[calm_new["id"]]["urgent"]
        and raised[calm_new["id"]]["risk"] == "elevated"
    )
    order = [item["id"] for item in listed if item["language"] == "vi"]
    assert order.index(calm_new["id"]) < order.index(calm_old["id"])
    again = create(console, calm_new_cid, language="vi", risk="none")
    assert again["urgent"]  # urgent stays urgent


def test_cancel_and_status(console: Console) -> None:
    cid = conversation()
    created = create(console, cid, language="ms")
    status, _, body = request(
        "GET",
        f"{console.url}/internal/handoffs/status?conversation_id={quote(cid)}",
        headers=INTERNAL,
    )
    assert body["status"] == "waiting" and body["id"] == created["id"]
    status, _, body = request(
        "POST",
        f"{console.url}/internal/handoffs/cancel",
        {"conversation_id": cid},
        headers=INTERNAL,
    )
    assert body == {"cancelled": True}
    status, _, body = request(
        "POST",
        f"{console.url}/internal/handoffs/cancel",
        {"conversation_id": cid},
        headers=INTERNAL,
    )
    assert body == {"cancelled": False}
    status, _, body = request(
        "GET", f"{console.url}/internal/handoffs/status", headers=INTERNAL
    )
    assert status == 400


def test_rasa_failures_are_reported_and_state_is_kept(console: Console) -> None:
    staff = admin(console)
    handoff = create(console, conversation(), language="lo")
    path = f"/api/handoffs/{handoff['id']}"
    console.rasa.status = 500
    try:
        status, body = api(console, "POST", f"{path}/claim", staff)
        assert status == 502 and "claimed" in body["error"]
        status, body = api(
            console, "POST", f"{path}/messages", staff, {"text": "hello"}
        )
        assert status == 502 and "not delivered" in body["error"]
        _, detail = api(console, "GET", path, staff)
        assert detail["status"] == "active"
        assert detail["transcript"][-1] == {
            **detail["transcript"][-1],
            "delivered": False,
        }
        status, body = api(
            console, "POST", f"{path}/close", staff, {"outcome": "supported"}
        )
        assert status == 502 and "closed" in body["error"]
        assert api(console, "GET", path, staff)[1]["status"] == "closed"
    finally:
        console.rasa.status = 200


def test_audit_log_for_supervisors_only(console: Console) -> None:
    name = add_staff(console, languages="en")
    counsellor = bearer(login(console, name)["token"])
    handoff = create(console, conversation(), language="en")
    path = f"/api/handoffs/{handoff['id']}"
    api(console, "GET", path, counsellor)
    api(console, "POST", f"{path}/claim", counsellor)
    api(console, "POST", f"{path}/messages", counsellor, {"text": "Hi, I am here."})
    api(console, "POST", f"{path}/close", counsellor, {"outcome": "person_left"})
    status, _body = api(console, "GET", "/api/audit", counsellor)
    assert status == 403
    status, entries = api(console, "GET", "/api/audit?limit=50", admin(console))
    mine = [
        (e["action"], e["staff"], e["detail"])
        for e in entries
        if e["handoff_id"] == handoff["id"]
    ]
    assert ("opened", name, None) in mine
    assert ("claimed", name, None) in mine
    assert ("message", name, None) in mine
    assert ("closed", name, "person_left") in mine
    assert ("created", None, "request_human") in mine
    assert all(
        e["pseudonym"] == api(console, "GET", path, counsellor)[1]["pseudonym"]
        for e in entries
        if e["handoff_id"] == handoff["id"]
    )
    assert all("Hi, I am here" not in json.dumps(e) for e in entries)


def test_no_conversation_id_reaches_staff(console: Console) -> None:
    staff = admin(console)
    cid = conversation()
    handoff = create(console, cid, language="th")
    path = f"/api/handoffs/{handoff['id']}"
    replies: list[Optional[Any]] = []
    for method, route, body in [
        ("GET", "/api/handoffs", None),
        ("GET", path, None),
        ("POST", f"{path}/claim", {}),
        ("POST", f"{path}/messages", {"text": "hello"}),
        ("POST", f"{path}/transfer", {"to": None}),
        ("GET", "/api/handoffs?status=waiting", None),
        ("GET", "/api/audit", None),
        ("GET", "/api/staff", None),
    ]:
        _status, _, reply = request(
            method, f"{console.url}{route}", body, headers=staff
        )
        replies.append(reply)
    text = json.dumps(replies)
    assert cid not in text and cid.lstrip("+") not in text
    assert "conversation_id" not in text


def test_outcomes_and_staff_lists(console: Console) -> None:
    staff = admin(console)
    status, outcomes = api(console, "GET", "/api/outcomes", staff)
    assert (
        status == 200
        and {"code": "supported", "label": "Listened and supported"} in outcomes
    )
    status, colleagues = api(console, "GET", "/api/staff", staff)
    boss = next(c for c in colleagues if c["username"] == ADMIN[0])
    assert boss["role"] == "supervisor" and boss["online"] is True


def test_security_headers_on_every_reply(console: Console) -> None:
    for path in ("/health", "/api/handoffs", "/internal/events", "/nope"):
        _, headers, _ = request("GET", f"{console.url}{path}")
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
        assert not any(name.startswith("access-control-") for name in headers)


@pytest.mark.parametrize("bad", ["Bearer", "Bearer x y", "Basic Ym9zczpwdw=="])
def test_malformed_authorization_is_401(console: Console, bad: str) -> None:
    status, _, _ = request(
        "GET", f"{console.url}/api/me", headers={"Authorization": bad}
    )
    assert status == 401


def test_a_transferred_conversation_is_claimed_without_a_second_notice(
    console: Console,
) -> None:
    first = add_staff(console, languages="en")
    second = add_staff(console, languages="en")
    cid = conversation()
    handoff = create(console, cid, language="en")
    path = f"/api/handoffs/{handoff['id']}"
    one = bearer(login(console, first)["token"])
    two = bearer(login(console, second)["token"])
    assert api(console, "POST", f"{path}/claim", one)[0] == 200
    status, moved = api(console, "POST", f"{path}/transfer", one, {"to": second})
    assert (
        status == 200 and moved["status"] == "waiting" and moved["claimed_by"] is None
    )
    assert api(console, "POST", f"{path}/messages", one, {"text": "x"})[0] == 403
    status, claimed = api(console, "POST", f"{path}/claim", two)
    assert status == 200 and claimed["claimed_by"] == second
    # Still paused since the first claim: Rasa is not asked again.
    assert console.rasa.intents(cid) == ["EXTERNAL_handoff_claimed"]
    _, detail = api(console, "GET", path, two)
    system = [
        line["text"] for line in detail["transcript"] if line["sender"] == "system"
    ]
    assert any("transferred" in text for text in system)


def test_static_files_are_public_and_confined(console: Console) -> None:
    files = sorted(p.name for p in STATIC.iterdir() if p.is_file())
    assert files, "bot/handoff/static is empty"
    status, headers, _ = request("GET", f"{console.url}/static/{files[0]}")
    assert status == 200 and headers["cache-control"] != "no-store"
    assert headers["x-content-type-options"] == "nosniff"
    for path in ("/static/../store.py", "/static/%2e%2e/store.py", "/static/nope.js"):
        status, _, body = request("GET", f"{console.url}{path}")
        assert status in (401, 404), path
        assert "sqlalchemy" not in json.dumps(body)


def test_an_old_hash_is_renewed_at_log_in(console: Console) -> None:
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    name = "oldhash"
    console.service.store.add_staff(
        name, old.hash(PASSWORD), "counsellor", ("en",), console.clock()
    )
    first = login(console, name)
    member = console.service.store.staff_by_name(name)
    assert member is not None and not accounts.needs_rehash(member.password_hash)
    second = login(console, name)
    for session in (first, second):  # renewing the hash ends no session
        assert api(console, "GET", "/api/me", bearer(session["token"]))[0] == 200
