"""Browser tests of the website widget: Debian's chromium, the real servers.

One Rasa server and one action server for the module (tests/e2e/servers.py
`running_services`, the trained model, console off, an API token for the
staff message), and a small static web server standing in for a helpline's
site at http://localhost:<port> (listed in WIDGET_ORIGINS) and, under its
other name http://127.0.0.1:<port>, for a site that is not listed. The demo
page's default neutral site (www.google.com) is answered by the browser
context itself, so nothing leaves the machine.

Expected texts are read from the domain and data/translations/, never copied.
"""

import functools
import http.server
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from bot.channels.widget_files import FONT_PREFIX, FONTS
from bot.launch import Services
from bot.settings import ROOT, Settings
from tests.e2e.servers import free_port, post, running_services

pytestmark = pytest.mark.e2e

TOKEN = "widget-test-token"
KEY = "safety-widget-session"
NEUTRAL = "https://www.google.com/"
READY = '[data-safety-widget][data-session="ready"]'
# A turn of the real servers can take seconds on a busy machine; this only
# bounds a failing test.
TURN_MS = 90_000
FOCUSED = """() => {
  let node = document.activeElement;
  while (node && node.shadowRoot && node.shadowRoot.activeElement) {
    node = node.shadowRoot.activeElement;
  }
  if (!node) return "";
  const classes = typeof node.className === "string" && node.className
    ? "." + node.className.trim().split(/\\s+/).join(".") : "";
  return node.tagName + classes;
}"""
STORAGE = """async () => ({
  local: localStorage.length,
  session: sessionStorage.length,
  cookie: document.cookie,
  databases: (await indexedDB.databases()).length,
})"""
EMPTY = {"local": 0, "session": 0, "cookie": "", "databases": 0}
# The widget's font faces in the page's font set, once the page has drawn a
# frame and every font load it started has ended.
FACES = """async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  await document.fonts.ready;
  const faces = {};
  for (const face of document.fonts) {
    faces[face.family.replace(/^"|"$/g, "")] = face.status;
  }
  return faces;
}"""
SCRIPTS = {"th": ("\u0e00", "\u0e7f"), "lo": ("\u0e80", "\u0eff")}


# --- texts of the domain ----------------------------------------------------


@functools.cache
def responses(code: str) -> dict[str, Any]:
    if code == "en":
        domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
        return dict(domain["responses"])
    path = Settings().translations_dir / f"{code}.yml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8"))["translations"])


def opening(code: str, response: str) -> str:
    """The first words of a response: enough to find it, before any link."""
    return str(responses(code)[response][0]["text"]).split("\n")[0][:28]


def title(code: str, response: str, payload: str) -> str:
    """A button's title in that language."""
    for button in responses(code)[response][0]["buttons"]:
        if button["payload"] == payload:
            return str(button["title"])
    raise AssertionError(f"{response} ({code}) offers no {payload}")


# --- servers ----------------------------------------------------------------


class Site:
    """A static web server standing in for a helpline's own site."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        handler = functools.partial(Quiet, directory=str(folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        """The listed origin (the same server as 127.0.0.1, which is not)."""
        return f"http://localhost:{self.port}"

    def url(self, page: str, host: str = "localhost") -> str:
        return f"http://{host}:{self.port}/{page}"

    def write(self, page: str, html: str) -> None:
        (self.folder / page).write_text(html, encoding="utf-8")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running = Site(tmp_path_factory.mktemp("site"))
    running.write("start.html", "<!doctype html><title>Start</title><p>Start page</p>")
    running.write("neutral.html", "<!doctype html><title>News</title><p>Weather</p>")
    running.thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture(scope="module")
def services(
    browser: Any, site: Site, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    """Rasa and the action server; the site's pages are written once known."""
    for running in running_services(
        tmp_path_factory, "widget", api_token=TOKEN, widget_origins=(site.origin,)
    ):
        server = running.rasa_url
        site.write(
            "embed.html",
            "<!doctype html><html lang='en'><title>Helpline</title>"
            "<h1>A helpline's site</h1>"
            f'<script src="{server}/webhooks/widget/widget.js" data-server="{server}"'
            f' data-exit-url="{site.url("neutral.html")}" data-open="true" defer>'
            "</script></html>",
        )
        yield running


# --- helpers ----------------------------------------------------------------


def neutral(route: Any) -> None:
    route.fulfill(status=200, content_type="text/html", body="<title>Search</title>")


def open_demo(new_page: Callable[[], Any], services: Services) -> Any:
    page = new_page()
    page.context.route(re.compile(r"^https://www\.google\.com/"), neutral)
    page.goto(f"{services.rasa_url}/webhooks/widget/demo")
    page.locator(READY).wait_for(state="attached")
    return page


def bot_says(page: Any, code: str, response: str, kind: str = "bot") -> None:
    from playwright.sync_api import expect

    found = page.locator(f".message.{kind}").filter(has_text=opening(code, response))
    expect(found.first).to_be_visible(timeout=TURN_MS)


def idle(page: Any) -> None:
    """Wait until every message sent was acknowledged (the turn is stored)."""
    page.locator(".typing").wait_for(state="hidden", timeout=TURN_MS)


def latest_sender(services: Services) -> str:
    """The conversation of the last stored event (tests run one at a time)."""
    with sqlite3.connect(Path(services.settings.tracker_db)) as connection:
        row = connection.execute(
            "select sender_id from events order by id desc limit 1"
        ).fetchone()
    assert row, "nothing stored"
    return str(row[0])


def user_texts(services: Services, sender: str) -> list[str]:
    with sqlite3.connect(Path(services.settings.tracker_db)) as connection:
        rows = connection.execute(
            "select data from events where sender_id = ? order by id", (sender,)
        ).fetchall()
    events = [json.loads(data) for (data,) in rows]
    return [e.get("text") or "" for e in events if e.get("event") == "user"]


def choose(page: Any, code: str) -> None:
    page.locator(f'.choice[lang="{code}"]').click()
    bot_says(page, code, "utter_language_changed")


def storage_on(page: Any, url: str) -> dict[str, Any]:
    """This tab's browser storage for the origin of `url`."""
    page.goto(url)
    return dict(page.evaluate(STORAGE))


# --- tests ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "audience", "topic", "answer"),
    [
        ("th", "teens", "/report_sextortion", "utter_first_aid_not_your_fault"),
        ("tl", "parents", "/parent_child_sextortion", "utter_parent_child_sextortion"),
    ],
)
def test_a_conversation_in_the_chosen_language_with_buttons(
    new_page: Callable[[], Any],
    services: Services,
    code: str,
    audience: str,
    topic: str,
    answer: str,
) -> None:
    from playwright.sync_api import expect

    page = open_demo(new_page, services)
    # The language menu shows each language in its own name.
    menu = page.locator(".choice")
    expect(menu).to_have_text(
        ["English", "Filipino", "Bahasa Melayu", "Tiếng Việt", "ไทย", "ລາວ"]
    )
    choose(page, code)
    assert page.locator(".widget").get_attribute("lang") == code
    page.locator(f'.choice[data-audience="{audience}"]').click()
    expect(page.locator(".prompt")).to_have_text(
        responses(code)["utter_menu"][0]["text"]
    )
    page.get_by_role(
        "button", name=title(code, "utter_menu", topic), exact=True
    ).click()
    bot_says(page, code, answer)
    proof = title(code, "utter_first_aid_offer", "/ask_evidence")
    page.get_by_role("button", name=proof, exact=True).click()
    bot_says(page, code, "utter_evidence")
    expect(page.locator(".message.you").last).to_contain_text(proof)
    assert page.errors == []


def test_a_staff_message_is_marked_as_from_a_person_and_shown_as_text(
    new_page: Callable[[], Any], services: Services
) -> None:
    from playwright.sync_api import expect

    page = open_demo(new_page, services)
    choose(page, "en")
    page.locator('.choice[data-audience="teens"]').click()
    person = title("en", "utter_menu", "/request_human")
    page.get_by_role("button", name=person, exact=True).click()
    bot_says(page, "en", "utter_request_human")
    idle(page)
    sender = latest_sender(services)
    text = (
        "Hi, I'm Maria from the helpline. <b>bold</b>"
        '<img src=x onerror="window.pwned=1"> More: https://example.org/help.'
        " Not a link: javascript:alert(1)"
    )
    event = {"event": "bot", "text": text, "metadata": {"handoff": "staff"}}
    url = (
        f"{services.rasa_url}/conversations/{quote(sender, safe='')}/tracker/events"
        "?output_channel=latest&execute_side_effects=true"
    )
    status, body = post(url, [event], headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200, body

    staff = page.locator(".message.staff")
    expect(staff).to_have_count(1, timeout=TURN_MS)
    expect(staff.locator(".who")).to_have_text("Person from the helpline team")
    expect(staff.locator(".who")).to_be_visible()
    expect(staff).to_contain_text("<b>bold</b><img src=x")
    assert staff.locator("b, img, script").count() == 0
    link = staff.locator("a")
    expect(link).to_have_count(1)
    assert link.get_attribute("href") == "https://example.org/help"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.get_attribute("target") == "_blank"
    assert page.evaluate("window.pwned") is None
    # Not shown as the assistant's.
    assert page.locator(".message.bot").filter(has_text="Maria").count() == 0
    assert page.errors == []


def test_html_and_script_typed_by_the_person_are_shown_as_text(
    new_page: Callable[[], Any], services: Services
) -> None:
    from playwright.sync_api import expect

    page = open_demo(new_page, services)
    typed = (
        '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
        '<a href="javascript:window.pwned=3">x</a><b>hi</b>'
    )
    page.locator("textarea").fill(typed)
    page.locator("textarea").press("Enter")
    mine = page.locator(".message.you")
    expect(mine).to_contain_text(typed)
    assert mine.locator("img, script, a, b").count() == 0
    idle(page)
    expect(page.locator(".message.bot").first).to_be_visible()
    assert page.evaluate("window.pwned") is None
    assert page.errors == []


def test_quick_exit_leaves_nothing_in_storage_or_history(
    new_page: Callable[[], Any], services: Services, site: Site
) -> None:
    page = new_page()
    page.context.route(re.compile(r"^https://www\.google\.com/"), neutral)
    page.goto(site.url("start.html"))
    demo = f"{services.rasa_url}/webhooks/widget/demo"
    page.goto(demo)
    page.locator(READY).wait_for(state="attached")
    choose(page, "en")
    page.locator("textarea").fill("someone is threatening to share my pics")
    page.locator("textarea").press("Enter")
    idle(page)
    # Without the opt-in nothing is stored, even while chatting.
    assert page.evaluate(STORAGE) == EMPTY

    page.locator(".exit").click()
    page.wait_for_url(NEUTRAL)
    assert page.context.cookies() == []
    assert page.context.storage_state()["origins"] == []
    # Back leads to the page before the chat, never to the chat.
    page.go_back()
    assert page.url == site.url("start.html")
    assert "threatening" not in page.content()
    page.go_forward()
    assert page.url == NEUTRAL
    # Nothing left for the server's origin in this tab either.
    assert storage_on(page, f"{services.rasa_url}/webhooks/widget/NOTICE") == EMPTY
    page.go_back()
    assert page.url == NEUTRAL


def test_remember_keeps_only_the_session_id_until_quick_exit(
    new_page: Callable[[], Any], services: Services
) -> None:
    from playwright.sync_api import expect

    page = open_demo(new_page, services)
    choose(page, "en")
    idle(page)
    sender = latest_sender(services)
    page.locator(".remember input").check()
    assert page.evaluate("() => Object.entries(localStorage)") == [[KEY, sender]]
    assert page.evaluate("() => sessionStorage.length + document.cookie.length") == 0

    page.reload()
    page.locator(READY).wait_for(state="attached")
    expect(page.locator('.note[data-note="back"]')).to_be_visible()
    expect(page.locator(".remember input")).to_be_checked()
    page.locator("textarea").fill("thank you")
    page.locator("textarea").press("Enter")
    bot_says(page, "en", "utter_welcome")
    idle(page)
    texts = user_texts(services, sender)
    assert texts[0] == '/change_language{"language":"en"}' and "thank you" in texts

    # Escape twice: quick exit, and the remembered id is gone.
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL)
    assert storage_on(page, f"{services.rasa_url}/webhooks/widget/NOTICE") == EMPTY


def test_keyboard_only(new_page: Callable[[], Any], services: Services) -> None:
    from playwright.sync_api import expect

    page = open_demo(new_page, services)
    stops = []
    for _ in range(30):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
        if stops[-1] == "TEXTAREA":
            break
    assert stops[-1] == "TEXTAREA", stops
    widget = [stop for stop in stops if stop != "A"]
    assert widget[0] == "BUTTON.exit", stops  # quick exit comes first
    assert "BUTTON.choice" in widget  # the language menu before the input

    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    expect(page.locator(".message.you")).to_have_text(["You: hello"])
    bot_says(page, "en", "utter_greet")
    expect(page.locator(".choice").first).to_be_visible(timeout=TURN_MS)
    for _ in range(20):
        page.keyboard.press("Shift+Tab")
        if page.evaluate(FOCUSED) == "BUTTON.choice":
            break
    assert page.evaluate(FOCUSED) == "BUTTON.choice"
    chosen = page.evaluate(
        "() => document.querySelector('[data-safety-widget]')"
        ".shadowRoot.activeElement.textContent"
    )
    page.keyboard.press("Enter")
    expect(page.locator(".message.you").last).to_have_text(f"You: {chosen}")
    idle(page)
    assert page.evaluate(FOCUSED) == "TEXTAREA"
    assert len(page.locator(".message.bot").all()) >= 2
    assert page.errors == []


def test_labels_live_region_and_contrast(
    new_page: Callable[[], Any], services: Services
) -> None:
    from playwright.sync_api import expect

    page = open_demo(new_page, services)
    log = page.locator(".log")
    assert log.get_attribute("role") == "log"
    assert log.get_attribute("aria-live") == "polite"
    expect(page.get_by_role("textbox", name="Your message")).to_be_visible()
    expect(page.get_by_role("button", name="Quick exit")).to_be_visible()
    choose(page, "lo")
    # Screen-reader labels follow the chosen language (Lao).
    expect(page.get_by_role("textbox", name="ຂໍ້ຄວາມຂອງເຈົ້າ")).to_be_visible()
    expect(page.get_by_role("button", name="ອອກທັນທີ")).to_be_visible()
    expect(page.locator(".message.bot .who").first).to_have_text("ຜູ້ຊ່ວຍອັດຕະໂນມັດ")
    ratios = page.evaluate(
        """() => {
      const root = document.querySelector('[data-safety-widget]').shadowRoot;
      const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
      const lum = (c) => {
        const [r, g, b] = rgb(c).map((v) => {
          v /= 255;
          return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const ratio = (a, b) => {
        const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m);
        return (x + 0.05) / (y + 0.05);
      };
      const out = {};
      for (const sel of ['.exit', '.send', '.choice', '.message.bot',
                         '.message.you', '.header h2', '.remember']) {
        const el = root.querySelector(sel);
        if (!el) continue;
        let bg = getComputedStyle(el).backgroundColor, node = el;
        while (bg === 'rgba(0, 0, 0, 0)' && node.parentElement) {
          node = node.parentElement;
          bg = getComputedStyle(node).backgroundColor;
        }
        if (bg === 'rgba(0, 0, 0, 0)') bg = 'rgb(255, 255, 255)';
        out[sel] = ratio(getComputedStyle(el).color, bg);
      }
      return out;
    }"""
    )
    assert len(ratios) == 7, ratios
    assert all(value >= 4.5 for value in ratios.values()), ratios
    assert page.errors == []


def test_on_a_phone_the_chat_fills_the_screen_and_quick_exit_stays_visible(
    browser: Any, services: Services
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 640})
    try:
        page = context.new_page()
        page.goto(f"{services.rasa_url}/webhooks/widget/demo")
        page.locator(READY).wait_for(state="attached")
        panel = page.locator(".panel").bounding_box()
        assert panel == {"x": 0, "y": 0, "width": 360, "height": 640}
        exit_box = page.locator(".exit").bounding_box()
        assert exit_box and exit_box["x"] + exit_box["width"] <= 360
        assert exit_box["y"] >= 0 and exit_box["height"] >= 44
        title_box = page.locator(".header h2").bounding_box()
        assert title_box and title_box["x"] + title_box["width"] <= exit_box["x"]
        size = page.locator("textarea").evaluate("e => getComputedStyle(e).fontSize")
        assert size == "16px"
    finally:
        context.close()


def test_a_listed_site_embeds_the_widget_and_others_cannot_connect(
    new_page: Callable[[], Any], services: Services, site: Site
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto(site.url("embed.html"))
    page.locator(READY).wait_for(state="attached")
    choose(page, "ms")
    idle(page)
    assert page.errors == []
    page.locator(".exit").click()
    page.wait_for_url(site.url("neutral.html"))

    other = new_page()
    other.goto(site.url("embed.html", host="127.0.0.1"))
    expect(other.locator(".status")).to_have_text(
        "Can't connect right now. Trying again…", timeout=TURN_MS
    )
    assert other.locator(READY).count() == 0


# --- the vendored Thai and Lao fonts ------------------------------------------


def font_of(code: str) -> Any:
    """The vendored font of th or lo."""
    return FONTS[0] if code == "th" else FONTS[1]


def font_loads(page: Any) -> list[Any]:
    """The replies to this page's requests for a vendored font, as they come."""
    seen: list[Any] = []
    page.on("response", lambda r: seen.append(r) if FONT_PREFIX in r.url else None)
    return seen


def rendering_fonts(page: Any, needle: str) -> dict[str, int]:
    """Glyphs per font that Chromium used for a message's text (DevTools).

    Keys are the family names inside the font files ("(custom)": a web font).
    """
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})
    found = cdp.send(
        "Runtime.evaluate",
        {
            "expression": "[...document.querySelector('[data-safety-widget]')"
            ".shadowRoot.querySelectorAll('.message .text')]"
            f".find((e) => e.textContent.includes({json.dumps(needle)}))"
        },
    )
    node = cdp.send("DOM.requestNode", {"objectId": found["result"]["objectId"]})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    cdp.detach()
    return {
        f["familyName"] + (" (custom)" if f["isCustomFont"] else ""): f["glyphCount"]
        for f in fonts["fonts"]
    }


@pytest.mark.parametrize(
    ("code", "where"), [("th", "demo"), ("lo", "listed site")], ids=["th", "lo"]
)
def test_thai_and_lao_replies_are_drawn_with_the_vendored_fonts(
    new_page: Callable[[], Any], services: Services, site: Site, code: str, where: str
) -> None:
    """Same origin (demo page, its CSP) and cross-origin (listed site, CORS).

    This machine has no Thai or Lao font of its own.
    """
    page = new_page()
    loads = font_loads(page)
    if where == "demo":
        page.goto(f"{services.rasa_url}/webhooks/widget/demo")
    else:
        page.goto(site.url("embed.html"))
    page.locator(READY).wait_for(state="attached")
    choose(page, code)
    font = font_of(code)
    faces = page.evaluate(FACES)
    assert faces[font.family] == "loaded", faces

    reply = str(responses(code)["utter_language_changed"][0]["text"])
    low, high = SCRIPTS[code]
    letters = sum(low <= c <= high for c in reply)
    assert letters > 10, reply
    used = rendering_fonts(page, reply)
    name = "Noto Sans Thai" if code == "th" else "Noto Sans Lao"
    # The vendored font drew the letters; other fonts only spaces and
    # punctuation, and the screen readers' ": " after who wrote it (a missing
    # glyph would be a box from one of them).
    assert used.pop(f"{name} (custom)", 0) >= letters * 0.8, used
    assert sum(used.values()) <= len(reply) - letters + len(": "), used

    fetched = [r for r in loads if r.url.endswith("/" + font.file)]
    assert fetched, [r.url for r in loads]
    assert fetched[0].url == f"{services.rasa_url}{FONT_PREFIX}{font.file}"
    assert fetched[0].status == 200
    assert fetched[0].headers["content-type"] == "font/woff2"
    if where != "demo":
        allowed = fetched[0].headers["access-control-allow-origin"]
        assert allowed == site.origin
    assert page.errors == []


def test_a_page_without_thai_or_lao_fetches_no_font(
    new_page: Callable[[], Any], services: Services, site: Site
) -> None:
    from playwright.sync_api import expect

    server = services.rasa_url
    site.write(
        "english.html",
        "<!doctype html><html lang='en'><title>Helpline</title><p>Welcome</p>"
        f'<script src="{server}/webhooks/widget/widget.js" data-server="{server}"'
        ' data-lang="en" defer></script></html>',
    )
    page = new_page()
    loads = font_loads(page)
    page.goto(site.url("english.html"))
    launcher = page.locator(".launcher")
    expect(launcher).to_have_text("Get help")
    faces = page.evaluate(FACES)
    # Both faces are in the page's font set, neither was fetched.
    assert {font.family: faces.get(font.family) for font in FONTS} == {
        font.family: "unloaded" for font in FONTS
    }
    assert loads == []
    # The site's own text never uses them.
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Safety Widget" not in family

    # Opened, the language menu names ไทย and ລາວ in their own script: now
    # (and only now) both files come.
    launcher.click()
    expect(page.locator('.choice[lang="th"]')).to_be_visible()
    faces = page.evaluate(FACES)
    assert [faces[font.family] for font in FONTS] == ["loaded", "loaded"]
    assert sorted(r.url.rsplit("/", 1)[1] for r in loads) == sorted(
        font.file for font in FONTS
    )
    assert page.errors == []
