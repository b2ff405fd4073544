"""Browser tests of the staff console: Playwright driving Debian's chromium.

Only /usr/bin/chromium is used (scripts/chromium.sh installs it where it can;
`make test` runs that first), never a browser downloaded by Playwright. Where
it is missing every test here is skipped, and the skip names what is missing.
One console process and one fake Rasa serve the whole module; each test gets
fresh browser contexts (no shared cookies).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.servers import Console, FakeRasa, running_console

CHROMIUM = Path("/usr/bin/chromium")
# Longest wait for something to appear on a page (live updates take
# milliseconds; this only bounds a failing test).
WAIT_MS = 10_000


def _missing() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(scripts/chromium.sh does, as root; `sudo apt-get install chromium`)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: run `make` to set up .venv"
    return ""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, for one module.

    Module scope, not session: Playwright's sync API keeps an asyncio loop
    running in the main thread while it lives, which would break the
    asynchronous tests collected after this folder.
    """
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def rasa(browser: Any) -> Iterator[FakeRasa]:
    """The fake Rasa the console talks to."""
    server = FakeRasa().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def console(
    tmp_path_factory: pytest.TempPathFactory, rasa: FakeRasa
) -> Iterator[Console]:
    """The real console with a supervisor and counsellors for tl+en and th."""
    for running in running_console(tmp_path_factory.mktemp("browser"), rasa):
        running.add_staff("tala", "counsellor", "tl,en")
        running.add_staff("thida", "counsellor", "th")
        yield running


def _console_error(page: Any, message: Any) -> None:
    """Record a console error, except the browser's note on a refused load."""
    if message.type == "error" and not message.text.startswith(
        "Failed to load resource"
    ):
        page.errors.append(message.text)


def _failed_asset(page: Any, response: Any) -> None:
    """Record a style sheet, script or icon that failed to load."""
    kind = response.request.resource_type
    if response.status >= 400 and kind in ("stylesheet", "script", "image", "font"):
        page.errors.append(f"{response.status} {response.url}")


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Opens pages, each in its own browser context; closes them after the test.

    Every page records script errors and console errors (e.g. a CSP
    violation) in `page.errors`, and the failed loads of its style sheet,
    script or icon, which the tests check. Refused pages and API calls (401,
    403) are expected in some tests and not recorded.
    """
    contexts = []

    def open_page() -> Any:
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.errors = []
        page.on("console", lambda message: _console_error(page, message))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("response", lambda response: _failed_asset(page, response))
        return page

    yield open_page
    for context in contexts:
        context.close()
