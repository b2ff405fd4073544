"""The console's calls to Rasa's HTTP API (aiohttp, API_TOKEN, output_channel=latest).

- `trigger_intent`: Rasa's pattern for external events
  (`EXTERNAL_handoff_claimed`, `..._unanswered`, `..._expired`, `..._closed`);
  rules in data/rules/handoff.yml run the matching action.
- `append_events`: add events to a conversation (`resume` before closing).
- `staff_message`: a bot event marked `{"handoff": "staff"}`, sent to the
  person's latest input channel (execute_side_effects).
Every failure (no token, refused, timeout, a 4xx/5xx answer) raises
`RasaError` with a short text for staff and the log (never the conversation id).
"""

import asyncio
import logging
from typing import Any, Optional
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)

STAFF_METADATA = {"handoff": "staff"}


class RasaError(Exception):
    """A call to Rasa failed; the message is safe to show staff."""


class RasaClient:
    """Calls to one Rasa server.

    Args:
        base_url: e.g. http://127.0.0.1:5005 (settings.rasa_url).
        api_token: Rasa's API token (settings.api_token); None: every call fails.
        timeout: Seconds per call (settings.console_timeout).
    """

    def __init__(self, base_url: str, api_token: Optional[str], timeout: float):
        self.base_url = base_url.rstrip("/")
        self.api_token = api_token
        self.timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None

    async def start(self) -> None:
        """Open the HTTP session (on the server's event loop)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout)
            )

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _url(self, conversation_id: str, tail: str) -> str:
        # Rasa's routes do not decode %-escapes in the id: "+" and ":" (which
        # conversation ids may hold, e.g. "viber:ab+c") go as they are.
        quoted = quote(conversation_id, safe="+:")
        return f"{self.base_url}/conversations/{quoted}/{tail}"

    async def _post(self, url: str, body: Any, what: str) -> None:
        if not self.api_token:
            raise RasaError(f"{what}: Rasa's API token (API_TOKEN) is not set")
        await self.start()
        assert self._session is not None
        headers = {"Authorization": f"Bearer {self.api_token}"}
        try:
            async with self._session.post(url, json=body, headers=headers) as reply:
                await reply.read()
                if reply.status >= 300:
                    raise RasaError(f"{what}: Rasa answered HTTP {reply.status}")
        except asyncio.TimeoutError:
            raise RasaError(
                f"{what}: Rasa did not answer in {self.timeout:g} s"
            ) from None
        except aiohttp.ClientError as error:
            raise RasaError(
                f"{what}: Rasa unreachable ({type(error).__name__})"
            ) from None

    async def trigger_intent(self, conversation_id: str, intent: str) -> None:
        """Trigger an (EXTERNAL_) intent in a conversation.

        Raises:
            RasaError: The call failed.
        """
        url = self._url(conversation_id, "trigger_intent?output_channel=latest")
        await self._post(url, {"name": intent, "entities": {}}, intent)

    async def append_events(
        self,
        conversation_id: str,
        events: list[dict[str, Any]],
        execute_side_effects: bool = False,
        what: str = "append events",
    ) -> None:
        """Append events to a conversation's tracker.

        Raises:
            RasaError: The call failed.
        """
        tail = "tracker/events?output_channel=latest"
        if execute_side_effects:
            tail += "&execute_side_effects=true"
        await self._post(self._url(conversation_id, tail), events, what)

    async def staff_message(self, conversation_id: str, text: str) -> None:
        """Send a staff member's message to the person's channel.

        Raises:
            RasaError: The call failed (the person did not get it).
        """
        event = {"event": "bot", "text": text, "metadata": dict(STAFF_METADATA)}
        await self.append_events(
            conversation_id, [event], execute_side_effects=True, what="staff message"
        )

    async def resume(self, conversation_id: str) -> None:
        """Un-pause the conversation (the bot answers again).

        Raises:
            RasaError: The call failed.
        """
        await self.append_events(conversation_id, [{"event": "resume"}], what="resume")
