"""Pseudonyms: what staff see instead of a conversation id.

HMAC-SHA256 of the conversation id under the console secret, shortened to
"C-" and six upper-case hex digits: stable for one conversation, useless to
find the person's phone number or account. Pure.
"""

import hashlib
import hmac

PREFIX = "C-"
DIGITS = 6


def pseudonym(secret: str, conversation_id: str) -> str:
    """The pseudonym of a conversation, e.g. "C-3FA91B".

    Args:
        secret: The console secret (settings.console_secret or var/console.secret).
        conversation_id: Rasa's sender id.
    """
    digest = hmac.new(
        secret.encode("utf-8"), conversation_id.encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return PREFIX + digest[:DIGITS].upper()
