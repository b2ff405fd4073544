"""The website widget's routes and files, in-process.

A real Sanic server carries the widget channel and the socket.io channel
behind the server's HTTP guard (bot/http/guard.py, as `rasa run` installs it)
with WIDGET_ORIGINS set; aiohttp is the client. The widget in a browser:
tests/browser/test_widget.py.
"""

import asyncio
import gzip
import hashlib
import json
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Optional

import aiohttp
import pytest
import pytest_asyncio
import yaml
from multidict import CIMultiDict
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.socketio import CheckedSocketIOInput
from bot.channels.widget import WidgetInput
from bot.channels.widget_files import (
    FONT_PREFIX,
    FONTS,
    Asset,
    Font,
    font_faces,
    script_asset,
    split_topics,
    start_menus,
    widget_file,
)
from bot.http import guard
from bot.settings import ROOT, Settings

pytestmark = pytest.mark.asyncio(loop_scope="session")

SITE = "http://helpline.test:8000"
SERVING: set["asyncio.Future[None]"] = set()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def no_rasa(message: UserMessage) -> None:
    raise AssertionError("the widget's routes process no messages")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server() -> AsyncIterator[str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WIDGET_ORIGINS", SITE)
        Sanic.test_mode = True
        app = Sanic(f"widget_{uuid.uuid4().hex[:8]}")
        socketio = CheckedSocketIOInput.from_credentials({"session_persistence": True})
        register([WidgetInput(), socketio], app, route="/webhooks/")
        guard.install(app, Settings(widget_origins=(SITE,)))
        port = free_port()
        running = await app.create_server(
            host="127.0.0.1", port=port, return_asyncio_server=True
        )
        assert running is not None
        await running.startup()
        SERVING.add(asyncio.ensure_future(running.serve_forever()))
    yield f"http://127.0.0.1:{port}"
    running.close()
    await running.wait_closed()


async def get(
    url: str, headers: Optional[dict[str, str]] = None
) -> tuple[int, CIMultiDict[str], bytes]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
        session.get(url, headers=headers or {}) as reply,
    ):
        return reply.status, CIMultiDict(reply.headers), await reply.read()


@pytest.mark.parametrize(
    ("name", "content_type", "needle"),
    [
        ("widget.js", "text/javascript", b"safety-widget-session"),
        ("widget.css", "text/css", b".exit"),
        ("demo", "text/html", b"/webhooks/widget/widget.js"),
        ("NOTICE", "text/plain", b"MIT"),
    ],
)
async def test_each_file_is_served_with_its_type_and_etag(
    server: str, name: str, content_type: str, needle: bytes
) -> None:
    status, headers, body = await get(f"{server}/webhooks/widget/{name}")
    assert status == 200
    assert headers["Content-Type"].startswith(content_type)
    assert needle in body
    assert headers["ETag"].startswith('"')
    assert headers["X-Content-Type-Options"] == "nosniff"
    # The same version again: 304 without a body.
    again, _, empty = await get(
        f"{server}/webhooks/widget/{name}", {"If-None-Match": headers["ETag"]}
    )
    assert (again, empty) == (304, b"")


async def test_the_script_and_style_sheet_are_public_cached_code(server: str) -> None:
    for name in ("widget.js", "widget.css"):
        _, headers, _ = await get(f"{server}/webhooks/widget/{name}")
        assert headers["Cache-Control"] == "public, max-age=300"
        assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert "Access-Control-Allow-Origin" not in headers
    _, demo, _ = await get(f"{server}/webhooks/widget/demo")
    assert demo["Cache-Control"] == "no-store"


async def test_the_demo_page_csp_allows_the_widget_and_nothing_inline(
    server: str,
) -> None:
    _, headers, page = await get(f"{server}/webhooks/widget/demo")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "style-src 'self';" in csp
    assert "connect-src 'self'" in csp
    assert "font-src 'self';" in csp  # the vendored Thai and Lao fonts
    assert "unsafe-inline" not in csp and "sha256" not in csp
    assert b"<style" not in page and b" style=" not in page
    # Other pages keep their own policy.
    _, other, _ = await get(f"{server}/webhooks/widget/widget.js")
    assert "script-src 'self'" not in other["Content-Security-Policy"]


async def test_an_unknown_file_is_a_json_404(server: str) -> None:
    status, _, body = await get(f"{server}/webhooks/widget/secrets.yml")
    assert (status, json.loads(body)) == (404, {"error": "not found"})
    # Outside the widget's folder: the guard's rules, never a file.
    status, _, body = await get(f"{server}/webhooks/widget/..%2F..%2Fcredentials.yml")
    assert status == 403 and b"socketio" not in body


async def test_a_listed_site_gets_cors_for_the_widget_and_socket_io(
    server: str,
) -> None:
    status, headers, _ = await get(
        f"{server}/webhooks/widget/widget.js", {"Origin": SITE}
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == SITE
    status, headers, body = await get(
        f"{server}/socket.io/?EIO=4&transport=polling", {"Origin": SITE}
    )
    assert status == 200, body
    assert body.startswith(b"0{")  # engine.io's open packet
    assert headers["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Credentials" not in headers


async def test_other_sites_are_refused_before_socket_io_sees_them(
    server: str,
) -> None:
    for origin in ("http://evil.test", "http://helpline.test:8001", "null"):
        status, headers, _ = await get(
            f"{server}/socket.io/?EIO=4&transport=polling", {"Origin": origin}
        )
        assert status == 403, origin
        assert "Access-Control-Allow-Origin" not in headers
    # A listed site may not use the REST webhook or the HTTP API.
    status, _, _ = await get(f"{server}/webhooks/rest/", {"Origin": SITE})
    assert status == 403


def test_the_start_menus_come_from_the_domain_in_every_language() -> None:
    menus = start_menus(ROOT / "domain.yml", Settings().translations_dir)
    codes = [language["code"] for language in menus["languages"]]
    assert codes == ["en", "tl", "ms", "vi", "th", "lo"]
    titles = [language["title"] for language in menus["languages"]]
    assert titles == [
        "English",
        "Filipino",
        "Bahasa Melayu",
        "Tiếng Việt",
        "ไทย",
        "ລາວ",
    ]
    assert menus["languages"][4]["payload"] == '/change_language{"language":"th"}'
    thai = yaml.safe_load(
        (Settings().translations_dir / "th.yml").read_text(encoding="utf-8")
    )["translations"]["utter_menu"][0]
    assert menus["topics"]["th"]["text"] == thai["text"]
    shown = {b["title"] for b in menus["topics"]["th"]["teens"]}
    shown |= {b["title"] for b in menus["topics"]["th"]["parents"]}
    assert shown == {b["title"] for b in thai["buttons"]}
    for code in codes:
        parents = [b["payload"] for b in menus["topics"][code]["parents"]]
        teens = [b["payload"] for b in menus["topics"][code]["teens"]]
        assert "/parent_child_sextortion" in parents and "/report_sextortion" in teens
        assert "/request_human" in parents and "/request_human" in teens


def test_topics_are_split_between_parents_and_teens() -> None:
    buttons = [
        {"title": "A", "payload": "/report_sextortion"},
        {"title": "B", "payload": "/parent_talk_to_child"},
        {"title": "C", "payload": "/request_human"},
    ]
    assert split_topics(buttons) == {
        "parents": [buttons[1], buttons[2]],
        "teens": [buttons[0], buttons[2]],
    }


def test_a_domain_without_the_menus_fails_at_start(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text("responses:\n  utter_menu:\n    - text: hi\n")
    with pytest.raises(ValueError, match="utter_language_menu"):
        start_menus(domain, tmp_path)


def test_the_bundle_keeps_io_private_and_is_valid_javascript(tmp_path: Path) -> None:
    menus = start_menus(ROOT / "domain.yml", Settings().translations_dir)
    bundle = script_asset(menus).body
    assert b"sourceMappingURL" not in bundle
    assert b"var START =" in bundle
    path = tmp_path / "widget.js"
    path.write_bytes(bundle)
    checked = subprocess.run(
        ["node", "--check", str(path)], capture_output=True, text=True, check=False
    )
    if checked.returncode == 127:
        pytest.skip("node is not installed")
    assert checked.returncode == 0, checked.stderr
    # Run it with no DOM: it must define no global (it stops without a
    # current script, before touching the page).
    probe = tmp_path / "probe.js"
    probe.write_text(
        "globalThis.document = {currentScript: null, querySelector: () => null};\n"
        "globalThis.navigator = {languages: []};\n"
        "const before = new Set(Object.keys(globalThis));\n"
        f"require({json.dumps(str(path))});\n"
        "const added = Object.keys(globalThis).filter((k) => !before.has(k));\n"
        "console.log(JSON.stringify(added));\n"
    )
    ran = subprocess.run(
        ["node", str(probe)], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == []


def test_the_widget_never_writes_html_from_text() -> None:
    source = widget_file("widget.js")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
        assert sink not in source
    for store in ("sessionStorage", "document.cookie", "indexedDB"):
        assert store not in source
    assert source.count("localStorage") == 3  # read, write, remove: one key


def test_asset_etags_and_sizes() -> None:
    asset = Asset.of(b"x" * 1000, "text/plain")
    assert asset.matches(asset.etag)
    assert asset.matches(f'"other", W/{asset.etag}')
    assert asset.matches("*")
    assert not asset.matches('"other"')
    assert asset.gzip_size == len(gzip.compress(b"x" * 1000, 9, mtime=0))


# --- the vendored Thai and Lao fonts -----------------------------------------

FONT_FOLDER = ROOT / "bot" / "channels" / "widget" / "fonts"


@pytest.mark.parametrize("font", FONTS, ids=lambda font: font.file)
async def test_each_font_is_served_as_cached_woff2(server: str, font: Font) -> None:
    name = font.file
    status, headers, body = await get(f"{server}{FONT_PREFIX}{name}")
    assert status == 200
    assert headers["Content-Type"] == "font/woff2"
    assert body == (FONT_FOLDER / name).read_bytes() and body.startswith(b"wOF2")
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    again, _, empty = await get(
        f"{server}{FONT_PREFIX}{name}", {"If-None-Match": headers["ETag"]}
    )
    assert (again, empty) == (304, b"")


async def test_the_font_licence_is_served(server: str) -> None:
    status, headers, body = await get(f"{server}{FONT_PREFIX}OFL.txt")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    assert b"SIL OPEN FONT LICENSE Version 1.1" in body
    assert b"The Noto Project Authors (https://github.com/notofonts/thai)" in body
    assert b"The Noto Project Authors (https://github.com/notofonts/lao)" in body


@pytest.mark.parametrize(
    "path",
    [
        "missing.woff2",
        "noto-sans-thai-thai-700-normal.woff2",
        "widget.js",  # a widget file, but not a font
        "NOTICE",
        "..%2Fwidget.js",
        "%2E%2E%2Fwidget.css",
        "..%5Cwidget.js",
        "..%2F..%2F..%2F..%2Fcredentials.yml",
        "fonts%2F..%2F..%2Fdemo",
        "OFL.txt%00",
    ],
)
async def test_an_unknown_font_is_a_json_error_and_never_another_file(
    server: str, path: str
) -> None:
    status, headers, body = await get(f"{server}{FONT_PREFIX}{path}")
    assert status in (403, 404), (status, body[:80])
    # The widget's 404, or the guard's refusal of a path outside the widget.
    answer = json.loads(body)
    assert list(answer) == ["error"] and isinstance(answer["error"], str)
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "no-store"
    if "%" not in path:
        assert (status, answer) == (404, {"error": "not found"})


async def test_a_listed_site_may_load_the_fonts_cross_origin_and_others_not(
    server: str,
) -> None:
    url = f"{server}{FONT_PREFIX}{FONTS[0].file}"
    status, headers, body = await get(url, {"Origin": SITE})
    assert status == 200 and body.startswith(b"wOF2")
    assert headers["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Credentials" not in headers
    assert "Origin" in headers["Vary"]
    status, headers, body = await get(url, {"Origin": "http://evil.test"})
    assert status == 403 and not body.startswith(b"wOF2")
    assert "Access-Control-Allow-Origin" not in headers


def test_the_bundle_names_the_fonts_on_the_server_and_the_style_sheet_uses_them(
    tmp_path: Path,
) -> None:
    menus = start_menus(ROOT / "domain.yml", Settings().translations_dir)
    bundle = script_asset(menus).body.decode("utf-8")
    faces = font_faces()
    assert f"var FONTS = {json.dumps(faces, separators=(',', ':'))};" in bundle
    for face in faces:
        # A path on the server, which widget.js resolves against data-server.
        assert face["path"].startswith("/webhooks/widget/fonts/")
        assert (FONT_FOLDER / face["path"].rsplit("/", 1)[1]).is_file()
    assert [face["range"] for face in faces] == ["U+0E01-0E5B", "U+0E81-0EDF"]
    # The widget's own families come first in its font stack.
    css = widget_file("widget.css")
    stack = css.split("font-family:", 1)[1].split(";", 1)[0]
    names = [name.strip().strip('"') for name in stack.split(",")]
    assert names[:2] == [font.family for font in FONTS]
    # No @font-face in the shadow root's style sheet (Chromium ignores it).
    assert "@font-face" not in css.split("*/", 1)[1]


def test_the_notice_gives_each_fonts_size_and_hash() -> None:
    notice = widget_file("NOTICE")
    for font in FONTS:
        data = (FONT_FOLDER / font.file).read_bytes()
        entry = notice.split(f"fonts/{font.file} (", 1)[1]
        assert entry.startswith(f"{len(data):,} bytes)"), font.file
        sha = entry.split("sha256 ", 1)[1].split()[0]
        assert sha == hashlib.sha256(data).hexdigest(), font.file
    assert "SIL Open Font License 1.1" in notice and "fonts/OFL.txt" in notice
