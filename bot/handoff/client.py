"""The Rasa side's client of the staff console's `/internal` API.

Used by the handoff actions (actions/handoff.py, actions/safety.py) and the
event broker (bot/handoff/broker.py). Every call carries
`Authorization: Bearer <SERVICE_TOKEN>` and gives up after
`Settings.console_timeout` seconds. Whatever goes wrong (refused connection,
timeout, an error status, a body that is not the contract's JSON) raises
`ConsoleUnavailableError`, whose message names the kind of failure only:
never a message text, never the conversation id.
"""

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import aiohttp

from bot.languages import CODES
from bot.settings import Settings

HANDOFFS = "/internal/handoffs"
CANCEL = "/internal/handoffs/cancel"
STATUS = "/internal/handoffs/status"
EVENTS = "/internal/events"
# What the console accepts (bot/handoff/bodies.py); anything else is sent as
# null rather than have the whole request refused.
COUNTRY = re.compile(r"[A-Za-z]{2,3}")
CHANNEL = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")


def checked(value: Optional[str], pattern: "re.Pattern[str]") -> Optional[str]:
    """The value if it has the agreed form, else None."""
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


class ConsoleUnavailableError(Exception):
    """The console could not be reached or did not answer as agreed."""


@dataclass(frozen=True)
class HandoffRequest:
    """What `POST /internal/handoffs` is told (see the design's contract).

    Attributes:
        conversation_id: Rasa's sender id (the console never shows it).
        language: Language code of the conversation, if known.
        country: Country code, if known.
        channel: Name of the input channel (socketio, rest...), if known.
        risk: "none", "elevated" or "high".
        reason: "request_human", "fallback" or "crisis".
        transcript: The last turns, already redacted
            (`bot.handoff.transcript.recent_turns`).
    """

    conversation_id: str
    language: Optional[str]
    country: Optional[str]
    channel: Optional[str]
    risk: str
    reason: str
    transcript: Sequence[Mapping[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The request body.

        A language, country or channel name the console would refuse is sent
        as null ("Japan" is no country code) rather than lose the request.
        """
        return {
            "conversation_id": self.conversation_id,
            "language": self.language if self.language in CODES else None,
            "country": checked(self.country, COUNTRY),
            "channel": checked(self.channel, CHANNEL),
            "risk": self.risk,
            "reason": self.reason,
            "transcript": [dict(turn) for turn in self.transcript],
        }


@dataclass(frozen=True)
class HandoffReply:
    """The console's answer about one conversation's handoff.

    Attributes:
        status: "waiting" or "active" ("none" from the status route when
            the conversation has no open handoff).
        id: The handoff's id (0 when there is none).
        urgent: Whether it is first in the queue (crisis or raised risk).
        position: Its place in the queue (1 = next).
        staff_online: Staff online who can take it.
        within_hours: Whether it is within the configured hours.
        available: Whether someone can take it now (within hours and staff
            online).
        wait_estimate_s: Rough wait in seconds; None without claim history.
        expires_in_s: Seconds until an unclaimed request expires.
    """

    status: str
    id: int = 0
    urgent: bool = False
    position: int = 0
    staff_online: int = 0
    within_hours: bool = False
    available: bool = False
    wait_estimate_s: Optional[int] = None
    expires_in_s: int = 0

    @classmethod
    def from_json(cls, body: Any) -> "HandoffReply":
        """Read a reply body.

        Raises:
            ConsoleUnavailableError: The body is not the contract's object.
        """
        if not isinstance(body, dict) or not isinstance(body.get("status"), str):
            raise ConsoleUnavailableError("reply without a status")
        try:
            estimate = body.get("wait_estimate_s")
            return cls(
                status=body["status"],
                id=int(body.get("id") or 0),
                urgent=bool(body.get("urgent", False)),
                position=int(body.get("position") or 0),
                staff_online=int(body.get("staff_online") or 0),
                within_hours=bool(body.get("within_hours", False)),
                available=bool(body.get("available", False)),
                wait_estimate_s=None if estimate is None else int(estimate),
                expires_in_s=int(body.get("expires_in_s") or 0),
            )
        except (TypeError, ValueError) as error:
            raise ConsoleUnavailableError("reply with a malformed field") from error


class ConsoleClient:
    """Calls the console's `/internal` routes.

    Args:
        base_url: The console's base URL (`Settings.console_url`).
        token: The shared service token (`Settings.service_token`).
        timeout: Seconds one call may take, connection included.
        session: An open aiohttp session to reuse (the event broker keeps
            one); without it each call opens and closes its own.
    """

    def __init__(
        self,
        base_url: str,
        token: Optional[str],
        timeout: float,
        session: Optional[aiohttp.ClientSession] = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self._token = token or ""
        self._session = session

    @classmethod
    def from_settings(cls, settings: Settings) -> "ConsoleClient":
        """The client of the console named by the settings."""
        return cls(
            settings.console_url, settings.service_token, settings.console_timeout
        )

    def with_session(self, session: aiohttp.ClientSession) -> "ConsoleClient":
        """The same client, reusing an open session for every call."""
        return ConsoleClient(self.base_url, self._token, self.timeout, session)

    async def open_handoff(self, request: HandoffRequest) -> HandoffReply:
        """`POST /internal/handoffs`: open (or find) the conversation's handoff.

        Raises:
            ConsoleUnavailableError: The console is down, slow or refused it.
        """
        body = await self._call("POST", HANDOFFS, request.as_json())
        return HandoffReply.from_json(body)

    async def cancel(self, conversation_id: str) -> bool:
        """`POST /internal/handoffs/cancel`: whether a waiting handoff was cancelled.

        Raises:
            ConsoleUnavailableError: The console is down, slow or refused it.
        """
        body = await self._call("POST", CANCEL, {"conversation_id": conversation_id})
        if not isinstance(body, dict) or "cancelled" not in body:
            raise ConsoleUnavailableError("reply without 'cancelled'")
        return bool(body["cancelled"])

    async def status(self, conversation_id: str) -> HandoffReply:
        """`GET /internal/handoffs/status`: the conversation's open handoff, if any.

        Raises:
            ConsoleUnavailableError: The console is down, slow or refused it.
        """
        body = await self._call(
            "GET", STATUS, params={"conversation_id": conversation_id}
        )
        return HandoffReply.from_json(body)

    async def send_events(self, events: Sequence[Mapping[str, Any]]) -> int:
        """`POST /internal/events`: how many of the events the console accepted.

        Raises:
            ConsoleUnavailableError: The console is down, slow or refused it.
        """
        body = await self._call("POST", EVENTS, {"events": [dict(e) for e in events]})
        if not isinstance(body, dict):
            raise ConsoleUnavailableError("reply is not an object")
        try:
            return int(body.get("accepted") or 0)
        except (TypeError, ValueError) as error:
            raise ConsoleUnavailableError("reply with a malformed count") from error

    async def _call(
        self,
        method: str,
        path: str,
        body: Optional[dict[str, Any]] = None,
        params: Optional[dict[str, str]] = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {self._token}"}
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            if self._session is not None:
                return await self._send(
                    self._session, method, path, body, params, headers, timeout
                )
            async with aiohttp.ClientSession() as session:
                return await self._send(
                    session, method, path, body, params, headers, timeout
                )
        except ConsoleUnavailableError:
            raise
        except asyncio.TimeoutError as error:
            raise ConsoleUnavailableError(
                f"no answer within {self.timeout:g} s"
            ) from error
        except (aiohttp.ClientError, OSError) as error:
            raise ConsoleUnavailableError(type(error).__name__) from error

    async def _send(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        body: Optional[dict[str, Any]],
        params: Optional[dict[str, str]],
        headers: dict[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> Any:
        async with session.request(
            method,
            self.base_url + path,
            json=body,
            params=params,
            headers=headers,
            timeout=timeout,
        ) as response:
            text = await response.text()
            if response.status != 200:
                raise ConsoleUnavailableError(f"{path} answered {response.status}")
            try:
                return json.loads(text)
            except ValueError as error:
                raise ConsoleUnavailableError(f"{path} answered no JSON") from error
