"""The staff console in a real browser: log in, live queue, chat, close, refusals.

Each test drives Debian's chromium against the real console process; requests
arrive through the console's /internal routes while the page is open, exactly
as the Rasa side sends them, and the fake Rasa records what staff send.
"""

import re
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.handoff.canned import load_catalogue
from bot.settings import ROOT, Settings
from tests.browser.servers import PASSWORD, SUPERVISOR, Call, Console, FakeRasa

expect = pytest.importorskip("playwright.sync_api").expect

NO_RELOAD = "window.__stillTheSamePage"


def log_in(
    page: Any, console: Console, username: str, password: str = PASSWORD
) -> None:
    """Log in through the form, with the keyboard only."""
    page.goto(console.url + "/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(console.url + "/")
    expect(page.locator("#live-status")).to_have_text("Live updates on")


def mark_page(page: Any) -> None:
    """Remember this document: a reload or navigation would forget it."""
    page.evaluate(f"{NO_RELOAD} = true")


def same_page(page: Any) -> bool:
    """Whether the marked document is still shown (nothing reloaded)."""
    return bool(page.evaluate(f"{NO_RELOAD} === true"))


def fetch_status(page: Any, path: str, method: str = "GET") -> list[Any]:
    """[status, JSON body] of a fetch made by the page itself (its cookies)."""
    return list(
        page.evaluate(
            """async ([path, method]) => {
                const options = {method, headers: {"Content-Type": "application/json"}};
                if (method !== "GET") options.body = "{}";
                const reply = await fetch(path, options);
                let body = null;
                try { body = await reply.json(); } catch (e) {}
                return [reply.status, body];
            }""",
            [path, method],
        )
    )


def unlabelled_controls(page: Any) -> list[str]:
    """Visible form controls without a label (should be none)."""
    return list(
        page.evaluate(
            """() => Array.from(document.querySelectorAll("input, select, textarea"))
                .filter((el) => el.type !== "hidden" && el.offsetParent !== null)
                .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
                .map((el) => el.id || el.name)"""
        )
    )


def intent(name: str, conversation: str) -> Any:
    """Matches the console's trigger_intent call for a conversation."""

    def matches(call: Call) -> bool:
        return (
            call.path == f"/conversations/{conversation}/trigger_intent"
            and isinstance(call.body, dict)
            and call.body.get("name") == name
        )

    return matches


def test_a_counsellor_takes_a_request_from_arrival_to_close(
    new_page: Any, console: Console, rasa: FakeRasa
) -> None:
    page = new_page()
    log_in(page, console, "tala")
    mark_page(page)

    made = console.open_handoff(
        "browser-flow",
        language="tl",
        country="PH",
        transcript=[
            {"sender": "user", "text": "may nagbabanta sa akin", "at": time.time()},
            {"sender": "bot", "text": "Nandito ako para tumulong.", "at": time.time()},
        ],
    )
    row = page.locator(f'#waiting tr[data-id="{made["id"]}"]')
    expect(row).to_be_visible()
    for shown in (
        "Filipino (tl)",
        "The Philippines (PH)",
        "socketio",
        "asked for a person",
    ):
        expect(row).to_contain_text(shown)
    expect(page.locator("#announce-polite")).to_contain_text("New request waiting")
    pseudonym = row.locator("th a").inner_text()
    assert re.fullmatch(r"C-[0-9A-F]{6}", pseudonym)
    assert "browser-flow" not in page.content()
    ticker = row.locator(".ticker")
    first = ticker.inner_text()
    expect(ticker).not_to_have_text(first)  # the waiting time ticks
    assert same_page(page)

    row.locator("th a").click()
    expect(page).to_have_url(console.url + f"/handoffs/{made['id']}")
    expect(page.locator("h1")).to_contain_text(pseudonym)
    expect(page.locator("#transcript")).to_contain_text("may nagbabanta sa akin")
    expect(page.locator("#live-status")).to_have_text("Live updates on")
    mark_page(page)
    assert unlabelled_controls(page) == []

    page.get_by_role("button", name="Claim this conversation").click()
    expect(page.locator("#message")).to_be_focused()
    rasa.wait_for(intent("EXTERNAL_handoff_claimed", "browser-flow"))
    expect(page.locator("#fact-staff")).to_have_text("held by tala")
    assert unlabelled_controls(page) == []

    # Canned replies come in the handoff's language; another one on request.
    canned = page.locator("#canned-list")
    expect(canned).to_contain_text("Mga makakatulong sa Pilipinas")
    page.get_by_label("Language of the replies").select_option("en")
    expect(canned).to_contain_text("People who can help in the Philippines")
    page.get_by_label("Language of the replies").select_option("tl")
    expect(canned).to_contain_text("Mga makakatulong sa Pilipinas")

    # A canned reply in the handoff's language, inserted then sent with Ctrl+Enter.
    settings = Settings()
    helplines = next(
        reply
        for reply in load_catalogue(
            ROOT / "domain.yml", settings.translations_dir, settings.helplines_path
        ).replies("tl", "PH", datetime.now(timezone.utc))
        if reply.key == "helplines"
    )
    page.get_by_role("button", name=f"Insert: {helplines.title}").click()
    expect(page.locator("#message")).to_have_value(helplines.text)
    expect(page.locator("#message")).to_be_focused()
    page.keyboard.press("Control+Enter")
    sent = rasa.wait_for(
        lambda call: (
            call.path == "/conversations/browser-flow/tracker/events"
            and isinstance(call.body, list)
            and any(event.get("text") == helplines.text for event in call.body)
        )
    )
    assert sent.query["output_channel"] == "latest"
    expect(page.locator("#message")).to_have_value("")
    expect(page.locator("#transcript li.staff").last).to_contain_text("You")

    page.locator("#message").fill("Nandito ako. Ligtas ka ba ngayon?")
    page.get_by_role("button", name="Send", exact=True).click()
    rasa.wait_for(
        lambda call: (
            call.path == "/conversations/browser-flow/tracker/events"
            and isinstance(call.body, list)
            and any(
                e.get("text") == "Nandito ako. Ligtas ka ba ngayon?" for e in call.body
            )
        )
    )

    console.user_says("browser-flow", "opo, salamat po")
    expect(page.locator("#transcript li.user").last).to_contain_text("opo, salamat po")
    assert same_page(page)

    page.get_by_label("Outcome").select_option("supported")
    page.get_by_role("button", name="Close the conversation").click()
    rasa.wait_for(intent("EXTERNAL_handoff_closed", "browser-flow"))
    resume = rasa.wait_for(
        lambda call: (
            call.path == "/conversations/browser-flow/tracker/events"
            and call.body == [{"event": "resume"}]
        )
    )
    assert resume.authorization == f"Bearer {console.env['API_TOKEN']}"
    expect(page.locator("#state-banner")).to_contain_text("has ended")
    expect(page.locator("#send-form")).to_be_hidden()
    expect(page.locator("#fact-outcome")).to_have_text("Listened and supported")
    assert same_page(page)
    assert page.errors == []


def test_urgent_requests_come_first_and_say_so(new_page: Any, console: Console) -> None:
    page = new_page()
    log_in(page, console, "tala")
    mark_page(page)
    calm = console.open_handoff("browser-calm", language="en")
    crisis = console.open_handoff(
        "browser-crisis", language="en", risk="high", reason="crisis"
    )
    rows = page.locator("#waiting tbody tr")
    urgent_row = page.locator(f'#waiting tr[data-id="{crisis["id"]}"]')
    expect(urgent_row).to_contain_text("Urgent")  # a word, not only a colour
    expect(urgent_row).to_have_class("urgent")
    expect(page.locator("#announce-urgent")).to_contain_text("Urgent request waiting")
    ids = [rows.nth(i).get_attribute("data-id") for i in range(rows.count())]
    assert ids.index(str(crisis["id"])) < ids.index(str(calm["id"]))

    # A crisis message raises the calm one to urgent: it moves above the
    # other urgent one, which has waited less.
    console.user_says("browser-calm", "I want to end it all", risk="high")
    calm_row = page.locator(f'#waiting tr[data-id="{calm["id"]}"]')
    expect(calm_row).to_contain_text("Urgent")
    expect(page.locator("#announce-urgent")).to_contain_text("is now urgent")
    ids = [rows.nth(i).get_attribute("data-id") for i in range(rows.count())]
    assert ids.index(str(calm["id"])) < ids.index(str(crisis["id"]))
    assert same_page(page)
    assert page.errors == []


def test_nothing_is_revealed_without_logging_in(
    new_page: Any, console: Console
) -> None:
    made = console.open_handoff(
        "browser-stranger",
        transcript=[
            {"sender": "user", "text": "nobody else may read this", "at": time.time()}
        ],
    )
    page = new_page()
    for path in ("/", f"/handoffs/{made['id']}", "/audit"):
        page.goto(console.url + path)
        expect(page).to_have_url(re.compile(r"/login(\?next=.*)?$"))
        expect(page.locator("h1")).to_have_text("Log in")
        html = page.content()
        assert "nobody else may read this" not in html
        assert not re.search(r"C-[0-9A-F]{6}", html)
    for path in (
        "/api/handoffs",
        f"/api/handoffs/{made['id']}",
        "/api/audit",
        "/api/me",
        "/api/stream",
        "/api/canned?language=en",
    ):
        status, body = fetch_status(page, path)
        assert status == 401, path
        assert set(body) == {"error"}, path
    status, body = fetch_status(page, f"/api/handoffs/{made['id']}/claim", "POST")
    assert status == 401 and set(body) == {"error"}
    assert page.errors == []


def test_another_language_needs_a_transfer(
    new_page: Any, console: Console, rasa: FakeRasa
) -> None:
    made = console.open_handoff(
        "browser-transfer",
        language="tl",
        transcript=[
            {"sender": "user", "text": "tulong po, Tagalog lang", "at": time.time()}
        ],
    )
    thida = new_page()
    log_in(thida, console, "thida")
    expect(thida.locator(f'tr[data-id="{made["id"]}"]')).to_have_count(0)
    thida.goto(console.url + f"/handoffs/{made['id']}")
    expect(thida.locator("h1")).to_have_text("Not yours to open")
    assert "tulong po" not in thida.content()
    status, body = fetch_status(thida, f"/api/handoffs/{made['id']}")
    assert status == 403 and set(body) == {"error"}
    status, body = fetch_status(thida, f"/api/handoffs/{made['id']}/claim", "POST")
    assert status in (401, 403)  # 401: no CSRF header on this fetch is fine too

    thida.goto(console.url + "/")
    expect(thida.locator("#live-status")).to_have_text("Live updates on")
    mark_page(thida)

    boss = new_page()
    log_in(boss, console, *SUPERVISOR)
    boss.goto(console.url + f"/handoffs/{made['id']}")
    boss.get_by_label("To a colleague").select_option("thida")
    boss.get_by_role("button", name="Transfer").click()
    expect(boss.locator("#fact-staff")).to_have_text("assigned to thida")

    row = thida.locator(f'#waiting tr[data-id="{made["id"]}"]')
    expect(row).to_contain_text("assigned to thida")
    assert same_page(thida)
    row.locator("th a").click()
    expect(thida.locator("#transcript")).to_contain_text("tulong po, Tagalog lang")
    thida.get_by_role("button", name="Claim this conversation").click()
    rasa.wait_for(intent("EXTERNAL_handoff_claimed", "browser-transfer"))
    expect(thida.locator("#send-form")).to_be_visible()
    assert thida.errors == [] and boss.errors == []


def test_audit_log_shows_who_did_what(new_page: Any, console: Console) -> None:
    page = new_page()
    log_in(page, console, *SUPERVISOR)
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("h1")).to_have_text("Audit log")
    table = page.locator("table.audit")
    expect(table).to_contain_text("claimed")
    expect(table).to_contain_text("tala")
    counsellor = new_page()
    log_in(counsellor, console, "tala")
    expect(counsellor.get_by_role("link", name="Audit log")).to_have_count(0)
    counsellor.goto(console.url + "/audit")
    expect(counsellor.locator("h1")).to_have_text("Supervisors only")
