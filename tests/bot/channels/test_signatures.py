import base64
import hashlib
import hmac
from typing import Optional, Union

import pytest

from bot.channels.signatures import hmac_sha256, signature_matches


def test_hmac_sha256_is_the_standard_digest() -> None:
    expected = hmac.new(b"key", b"body", hashlib.sha256).digest()
    assert hmac_sha256("key", b"body") == expected
    # A known vector (RFC 4231 test case 2).
    assert hmac_sha256("Jefe", b"what do ya want for nothing?").hex() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_a_non_ascii_secret_is_utf8_encoded() -> None:
    assert hmac_sha256("clé", b"x") == hmac.new("clé".encode(), b"x", "sha256").digest()


@pytest.mark.parametrize(
    ("expected", "given", "matches"),
    [
        ("abc", "abc", True),
        (b"abc", b"abc", True),
        ("abc", b"abc", True),
        ("abc", "abd", False),
        ("abc", "ab", False),
        ("abc", None, False),
        ("abc", "", False),
        ("abc", b"", False),
        ("", "", False),
        ("abc", "äbc", False),
    ],
)
def test_signature_matches(
    expected: Union[str, bytes], given: Optional[Union[str, bytes]], matches: bool
) -> None:
    assert signature_matches(expected, given) is matches


def test_a_base64_signature_round_trips() -> None:
    given = base64.b64encode(hmac_sha256("s", b"{}")).decode()
    assert signature_matches(base64.b64encode(hmac_sha256("s", b"{}")), given)
    assert not signature_matches(base64.b64encode(hmac_sha256("t", b"{}")), given)
