"""The website widget's files: script bundle, style sheet, demo page, fonts.

Pure (no Rasa, no Sanic): bot/channels/widget.py serves what this builds.

The script a site embeds (`/webhooks/widget/widget.js`) is one bundle, built
once per process from the files in bot/channels/widget/:

- the vendored Socket.IO client (socket.io.min.js, MIT, see NOTICE there),
  given a private `module` so it defines no global `io` and never calls a
  page's AMD `define`;
- the widget's start menus, read from the domain (English, domain.yml) and
  data/translations/<lang>.yml: the language menu (`utter_language_menu`) and
  the topics of `utter_menu` split into an entry for parents and one for
  teens. Every text a person reads in the conversation comes from there or
  from Rasa; the widget's own table (widget.js) holds only its interface
  labels;
- the vendored fonts (`FONTS`): their family names, addresses and Unicode
  ranges, which widget.js adds to the page's font set;
- widget.js, the widget itself.

The fonts (fonts/, SIL Open Font License, see NOTICE) are Noto Sans Thai and
Noto Sans Lao, regular weight, each only its script's letters and marks: on a
device without Thai or Lao fonts the text would otherwise show as boxes.
"""

import gzip
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bot.content.translations import load_translations
from bot.languages import CODES, DEFAULT

PREFIX = "/webhooks/widget"
DEMO_PATH = PREFIX + "/demo"
SOCKET_IO_CLIENT = "socket.io.min.js"
LANGUAGE_MENU = "utter_language_menu"
TOPIC_MENU = "utter_menu"
# Topics of `utter_menu` for parents (payload prefix); the rest are for teens.
# A person from the helpline is offered to both.
PARENT_PREFIX = "/parent_"
BOTH = frozenset({"/request_human"})
SOURCE_MAP = "//# sourceMappingURL="
FONT_FOLDER = "fonts"
FONT_PREFIX = PREFIX + "/" + FONT_FOLDER + "/"
FONT_LICENCE = "OFL.txt"
WOFF2 = "font/woff2"


@dataclass(frozen=True)
class Font:
    """A vendored font face, as widget.js adds it to the page.

    Attributes:
        family: The widget's own family name (widget.css names it first).
        file: The woff2 file in bot/channels/widget/fonts/.
        unicode_range: The code points it is used for: its script's block
            only (letters, vowel signs, tone marks, digits), so the browser
            fetches it only when that script is on screen. The other code
            points of the Fontsource subset (U+0303 and U+0331, which
            Vietnamese may use; U+200C-200D, which emoji use; U+25CC) are left
            out: claiming them would load a Thai or Lao font for other text.
    """

    family: str
    file: str
    unicode_range: str


FONTS = (
    Font(
        "Safety Widget Noto Sans Thai",
        "noto-sans-thai-thai-400-normal.woff2",
        "U+0E01-0E5B",
    ),
    Font(
        "Safety Widget Noto Sans Lao",
        "noto-sans-lao-lao-400-normal.woff2",
        "U+0E81-0EDF",
    ),
)


@dataclass(frozen=True)
class Asset:
    """A file as served.

    Attributes:
        body: The bytes sent.
        content_type: Its media type.
        etag: Strong entity tag (quoted hash of the body).
    """

    body: bytes
    content_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, content_type: str) -> "Asset":
        """The asset of these bytes (the ETag computed)."""
        digest = hashlib.sha256(body).hexdigest()[:32]
        return cls(body, content_type, f'"{digest}"')

    def matches(self, if_none_match: str) -> bool:
        """Whether an `If-None-Match` header names this version (reply 304)."""
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return self.etag in tags or "*" in tags

    @property
    def gzip_size(self) -> int:
        """Bytes once gzip-compressed (level 9), as a compressing proxy sends it."""
        return len(gzip.compress(self.body, compresslevel=9, mtime=0))


def widget_file(name: str) -> str:
    """A file of bot/channels/widget/ as text."""
    return widget_bytes(name).decode("utf-8")


def widget_bytes(name: str) -> bytes:
    """A file of bot/channels/widget/ (a path below it, "/"-separated)."""
    folder = resources.files("bot.channels").joinpath("widget")
    for part in name.split("/"):
        folder = folder.joinpath(part)
    return folder.read_bytes()


@lru_cache(maxsize=1)
def demo_page() -> str:
    """The demo page's HTML (read once)."""
    return widget_file("demo.html")


def demo_asset() -> Asset:
    """The demo page as served."""
    return Asset.of(demo_page().encode("utf-8"), "text/html; charset=utf-8")


def style_asset() -> Asset:
    """widget.css as served."""
    return Asset.of(
        widget_file("widget.css").encode("utf-8"), "text/css; charset=utf-8"
    )


def script_asset(menus: Mapping[str, Any]) -> Asset:
    """The widget's script bundle (see the module docstring).

    Args:
        menus: The start menus (`start_menus`).
    """
    client = "\n".join(
        line
        for line in widget_file(SOCKET_IO_CLIENT).splitlines()
        if not line.startswith(SOURCE_MAP)
    )
    # Pure ASCII: "</" never appears and the page's encoding cannot matter.
    data = json.dumps(menus, ensure_ascii=True, separators=(",", ":"))
    parts = [
        "/*! Online-safety assistant: website widget. Includes the Socket.IO client"
        " (MIT licence): " + PREFIX + "/NOTICE */",
        "(function () {",
        "var module = { exports: {} }, exports = module.exports, define;",
        client,
        "var io = module.exports;",
        "var START = " + data + ";",
        "var FONTS = " + json.dumps(font_faces(), separators=(",", ":")) + ";",
        widget_file("widget.js"),
        "})();",
        "",
    ]
    return Asset.of("\n".join(parts).encode("utf-8"), "text/javascript; charset=utf-8")


def font_faces() -> list[dict[str, str]]:
    """The fonts as widget.js adds them: `{"family", "path", "range"}`.

    `path` is the font's address on the server (widget.js resolves it against
    the server's origin, not the page's).
    """
    return [
        {"family": f.family, "path": FONT_PREFIX + f.file, "range": f.unicode_range}
        for f in FONTS
    ]


def font_assets() -> dict[str, Asset]:
    """The files under /webhooks/widget/fonts/: the fonts and their licence."""
    files = {
        font.file: Asset.of(widget_bytes(f"{FONT_FOLDER}/{font.file}"), WOFF2)
        for font in FONTS
    }
    licence = widget_bytes(f"{FONT_FOLDER}/{FONT_LICENCE}")
    files[FONT_LICENCE] = Asset.of(licence, "text/plain; charset=utf-8")
    return files


def notice_asset() -> Asset:
    """The licence notice of the vendored client and fonts (NOTICE), as text."""
    return Asset.of(widget_file("NOTICE").encode("utf-8"), "text/plain; charset=utf-8")


def start_menus(domain: Path, translations: Path) -> dict[str, Any]:
    """The widget's start menus from the domain and its translations.

    Args:
        domain: domain.yml (English responses).
        translations: The folder of data/translations/<lang>.yml.

    Returns:
        `{"languages": [{"code", "title", "payload"}],
        "topics": {code: {"text", "parents": [...], "teens": [...]}}}`: the
        question of `utter_menu` and its buttons (`{"title", "payload"}`) in
        that language (English where a language lacks the response).

    Raises:
        ValueError: When domain.yml lacks either menu, or the language menu
            does not offer every language.
    """
    with open(domain, encoding="utf-8") as handle:
        data: Any = yaml.safe_load(handle) or {}
    responses = data.get("responses") or {}
    languages = _buttons(responses.get(LANGUAGE_MENU), LANGUAGE_MENU)
    english = responses.get(TOPIC_MENU)
    english_buttons = _buttons(english, TOPIC_MENU)
    offered = [_language_of(button["payload"]) for button in languages]
    if sorted(offered) != sorted(CODES):
        raise ValueError(f"{domain}: {LANGUAGE_MENU} must offer {', '.join(CODES)}")
    tables = load_translations(translations)
    topics = {DEFAULT: {"text": _text(english), **split_topics(english_buttons)}}
    for code in CODES:
        if code == DEFAULT:
            continue
        variations = tables.get(code, {}).get(TOPIC_MENU)
        try:
            buttons = _buttons(variations, TOPIC_MENU)
        except ValueError:
            variations, buttons = english, english_buttons
        topics[code] = {"text": _text(variations), **split_topics(buttons)}
    menu = [
        {"code": code, "title": button["title"], "payload": button["payload"]}
        for code, button in zip(offered, languages, strict=True)
    ]
    return {"languages": menu, "topics": topics}


def split_topics(
    buttons: Sequence[Mapping[str, str]],
) -> dict[str, list[dict[str, str]]]:
    """The topics for parents and for teens (see `PARENT_PREFIX`, `BOTH`).

    Args:
        buttons: `utter_menu`'s buttons in one language.
    """
    parents, teens = [], []
    for button in buttons:
        entry = {"title": button["title"], "payload": button["payload"]}
        payload = button["payload"]
        if payload in BOTH or payload.startswith(PARENT_PREFIX):
            parents.append(entry)
        if payload in BOTH or not payload.startswith(PARENT_PREFIX):
            teens.append(entry)
    return {"parents": parents, "teens": teens}


def _text(variations: Any) -> str:
    """The text of a response's first variation ("" without one)."""
    first = variations[0] if isinstance(variations, list) and variations else {}
    return str(first.get("text") or "") if isinstance(first, dict) else ""


def _buttons(variations: Any, name: str) -> list[dict[str, str]]:
    """The buttons of a response's first variation, payload braces unescaped.

    Raises:
        ValueError: When the response has no buttons.
    """
    if not isinstance(variations, list) or not variations:
        raise ValueError(f"response {name} is missing")
    buttons = variations[0].get("buttons") if isinstance(variations[0], dict) else None
    if not isinstance(buttons, list) or not buttons:
        raise ValueError(f"response {name} has no buttons")
    return [
        {
            "title": str(button["title"]),
            # Rasa's response templates write a literal brace twice.
            "payload": str(button["payload"]).replace("{{", "{").replace("}}", "}"),
        }
        for button in buttons
    ]


def _language_of(payload: str) -> str:
    """The language code a `/change_language{"language": ...}` payload names."""
    _, brace, entities = payload.partition("{")
    if not brace:
        return ""
    try:
        value = json.loads(brace + entities)
    except ValueError:
        return ""
    return str(value.get("language", "")) if isinstance(value, dict) else ""
