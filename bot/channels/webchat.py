"""`WebChatInput`: a minimal web chat page served by the Rasa server itself.

Open http://127.0.0.1:5005/webhooks/webchat/ to talk to the assistant; the page
posts to /webhooks/webchat/webhook (the checked REST protocol). Same origin, so
no CORS and no second web server. Nothing is stored in the browser.
"""

from functools import lru_cache
from importlib import resources

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rest import CheckedRestInput


@lru_cache(maxsize=1)
def chat_page() -> str:
    """The chat page's HTML (read once)."""
    return resources.files("bot.channels").joinpath("webchat.html").read_text("utf-8")


class WebChatInput(CheckedRestInput):
    """REST channel whose root serves the chat page."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel: the page is at /webhooks/webchat/."""
        return "webchat"

    async def root(self, request: Request) -> HTTPResponse:
        """Serves the chat page (see parent class for full docstring)."""
        return response.html(chat_page())
