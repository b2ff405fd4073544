"""Optional outgoing webhook on new hand-offs (HANDOFF_WEBHOOK_URL).

The body is JSON without the conversation id; the header
`X-Signature: sha256=<hex HMAC-SHA256(body, HANDOFF_WEBHOOK_SECRET)>` lets the
receiver check it came from the console. Sent in the background with the
console timeout; a failure is logged, never retried, never blocks anything.
"""

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"


def signed_body(payload: dict[str, Any], secret: str) -> tuple[bytes, str]:
    """The body to send and its signature header value ("sha256=<hex>")."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return body, f"sha256={digest}"


def signature_ok(body: bytes, secret: str, header: str) -> bool:
    """Whether a received body carries the right signature (for receivers)."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={digest}", header.strip())


async def send(url: str, secret: str, payload: dict[str, Any], timeout: float) -> bool:
    """POST a signed payload; True when the receiver answered 2xx.

    Never raises: failures are logged (without the body).
    """
    body, signature = signed_body(payload, secret)
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature}
    try:
        async with (
            aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=timeout)
            ) as session,
            session.post(url, data=body, headers=headers) as reply,
        ):
            await reply.read()
            if reply.status >= 300:
                logger.warning("Hand-off webhook answered HTTP %d.", reply.status)
                return False
            return True
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        logger.warning("Hand-off webhook failed: %s.", type(error).__name__)
        return False
