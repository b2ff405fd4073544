"""Webhook signatures: HMAC-SHA256 and a constant-time comparison.

Every messaging platform signs its webhook calls with a shared secret (the
HMAC-SHA256 of the raw body, sent hex- or base64-encoded in a header). These
two functions are all a channel needs to check one. Pure: no Sanic, no Rasa.
"""

import hashlib
import hmac
from typing import Optional, Union


def hmac_sha256(secret: str, body: bytes) -> bytes:
    """The raw HMAC-SHA256 digest of a body.

    Args:
        secret: The shared secret (UTF-8 encoded as the key).
        body: The raw request body, exactly as received.

    Returns:
        The 32-byte digest.
    """
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()


def signature_matches(
    expected: Union[str, bytes], given: Optional[Union[str, bytes]]
) -> bool:
    """Whether a signature is the expected one, compared in constant time.

    Args:
        expected: The signature computed here (text or bytes).
        given: The signature the caller sent (None when the header is missing).

    Returns:
        False when `given` is missing or empty, or differs from `expected`
        (including text that is not ASCII); True when they are equal.
    """
    if not given or not expected:
        return False
    try:
        left = expected.encode("ascii") if isinstance(expected, str) else expected
        right = given.encode("ascii") if isinstance(given, str) else given
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(left, right)
