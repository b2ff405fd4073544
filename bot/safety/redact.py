"""Personal-data redaction for what is stored or logged.

Replaces phone numbers, e-mail addresses, social-media handles, links to images,
payment details (card numbers, e-wallet numbers) and street addresses in user
text with typed placeholders such as "[phone]". The NLU still sees the original
message; only stores and logs get the redacted text. Pure: must not import Rasa.
"""

import re
from collections.abc import Callable

PLACEHOLDERS = (
    "[email]",
    "[image]",
    "[link]",
    "[card]",
    "[phone]",
    "[handle]",
    "[address]",
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IMAGE_URL = re.compile(
    r"(?:https?://|www\.)\S+?\.(?:jpe?g|png|gif|webp|heic|bmp|mp4|mov)(?:\?\S*)?(?=\s|$)"
    r"|data:(?:image|video)/[\w+.-]+;base64,[A-Za-z0-9+/=]+",
    re.IGNORECASE,
)
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# 13 to 19 digits, optionally grouped by spaces or dashes.
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Phone and e-wallet numbers: 7+ digits, optional +country code, spaces, dashes,
# dots or brackets between groups ("0917 123 4567", "+60 12-345 6789").
_PHONE = re.compile(r"(?<![\w@])\+?\(?\d[\d\s().-]{5,}\d(?!\w)")
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]{2,30}")
# A house number followed by a street word, in our languages ("12 Jalan Ampang",
# "45 Rizal St", "số 7 đường Lê Lợi", "88/2 ถนน สุขุมวิท").
_ADDRESS = re.compile(
    r"(?:(?:no\.?|số|nhà|เลขที่|ເລກທີ)\s*)?\d{1,5}[a-z]?(?:/\d{1,4})?,?\s+"
    r"(?:[\w.'-]+\s+){0,3}?"
    r"(?:st\.?|street|road|rd\.?|avenue|ave\.?|blvd|lane|drive|jalan|jln\.?|lorong|"
    r"taman|barangay|brgy\.?|purok|sitio|đường|phố|ngõ|hẻm|ถนน|ซอย|ຖະໜົນ|ບ້ານ)\S*"
    r"(?:\s+[\w.'-]+){0,3}",
    re.IGNORECASE,
)


def _card(match: re.Match[str]) -> str:
    # No Luhn check: a mistyped card number is still a card number.
    digits = re.sub(r"\D", "", match.group())
    return "[card]" if 13 <= len(digits) <= 19 else match.group()


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "[phone]" if 7 <= len(digits) <= 15 else match.group()


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_EMAIL, lambda m: "[email]"),
    (_IMAGE_URL, lambda m: "[image]"),
    (_LINK, lambda m: "[link]"),
    (_CARD, _card),
    (_PHONE, _phone),
    (_HANDLE, lambda m: "[handle]"),
    (_ADDRESS, lambda m: "[address]"),
)


def redact(text: str) -> str:
    """Replace personal data in a text with typed placeholders.

    Args:
        text: A user message (any of our languages).

    Returns:
        The text with e-mails, image links, other links, card numbers, phone and
        e-wallet numbers, handles and street addresses replaced, e.g.
        "call me 0917 123 4567" -> "call me [phone]".
    """
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def contains_image(text: str) -> bool:
    """Whether a text carries a link to an image or video, or an inline image."""
    return bool(_IMAGE_URL.search(text))
