"""`WidgetInput`: serves the embeddable website widget and its demo page.

Routes (the channel is named `widget`):

- `/webhooks/widget/widget.js`: the script a site embeds with one tag,
  `<script src="https://<server>/webhooks/widget/widget.js" defer></script>`;
- `/webhooks/widget/widget.css`: its style sheet (the script loads it);
- `/webhooks/widget/demo`: a page with the widget on it;
- `/webhooks/widget/NOTICE`: the licences of the vendored Socket.IO client
  and fonts;
- `/webhooks/widget/fonts/<file>`: the vendored Thai and Lao fonts (woff2)
  and their licence (OFL.txt); the script adds them to the page, and the
  browser fetches one only when its script is on screen.

The widget talks to the socket.io channel (bot/channels/socketio.py); this
channel receives no messages itself. Files carry an ETag (a matching
`If-None-Match` gets 304) and the guard gives the script, style sheet and
fonts a short public cache (bot/http/checks.py `reply_headers`). What is served is
built in bot/channels/widget_files.py, once, when the server starts.
"""

from collections.abc import Awaitable, Callable
from typing import Any, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.widget_files import (
    Asset,
    demo_asset,
    font_assets,
    notice_asset,
    script_asset,
    start_menus,
    style_asset,
)
from bot.settings import ROOT, Settings


class WidgetInput(InputChannel):
    """Serves the website widget's files (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel: its routes are under /webhooks/widget/."""
        return "widget"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The widget's routes; the files are built here, once."""
        settings = Settings.from_env()
        menus = start_menus(ROOT / "domain.yml", settings.translations_dir)
        files = {
            "widget.js": script_asset(menus),
            "widget.css": style_asset(),
            "demo": demo_asset(),
            "NOTICE": notice_asset(),
        }
        fonts = font_assets()
        blueprint = Blueprint("widget_webhook", __name__)

        @blueprint.route("/<name>", methods=["GET"])
        async def serve(request: Request, name: str) -> HTTPResponse:
            return reply(files.get(name), request.headers.get("if-none-match", ""))

        @blueprint.route("/fonts/<name>", methods=["GET"])
        async def font(request: Request, name: str) -> HTTPResponse:
            return reply(fonts.get(name), request.headers.get("if-none-match", ""))

        return blueprint


def reply(asset: Optional[Asset], if_none_match: str) -> HTTPResponse:
    """The file, 304 when the client has this version, 404 JSON when none.

    Args:
        asset: The file; None when no file has the name asked for (only the
            names built at start are served: nothing is read per request).
        if_none_match: The request's `If-None-Match` header ("" when absent).
    """
    if asset is None:
        return response.json({"error": "not found"}, status=404)
    headers = {"ETag": asset.etag}
    if if_none_match and asset.matches(if_none_match):
        return response.empty(status=304, headers=headers)
    return response.raw(asset.body, content_type=asset.content_type, headers=headers)
