"""Checks of one reviewed text: placeholders, length, numbers and links.

The number and link patterns are those of tests/data/test_content.py, which
checks every shipped answer: a reviewed text must pass the same test. Pure:
must not import Rasa.
"""

import re
from collections.abc import Iterable
from typing import Optional

from bot.content.helplines import Directory

MAX_ANSWER = 700
PHONE = re.compile(r"(?<![\w./-])\+?\d[\d -]{1,16}\d(?![\w./-])")
URL = re.compile(r"\b[a-z0-9.-]+\.(?:org|com|gov|ph|my|th|vn|la)(?:/[\w/.-]*)?")
_PLACEHOLDER = re.compile(r"(?<!{){([a-z_]+)}(?!})")


def directory_facts(directory: Directory) -> set[str]:
    """Every number (digits only) and contact of the helpline directory."""
    facts = set()
    for _, service in directory.all_services():
        for contact in service.contacts():
            facts.add(re.sub(r"\D", "", contact) or contact)
            facts.add(contact.lower())
    return facts


def placeholders(text: str) -> set[str]:
    """The {placeholders} of a text."""
    return set(_PLACEHOLDER.findall(text))


def unknown_contacts(text: str, facts: set[str]) -> list[str]:
    """Numbers and links in a text that the helpline directory does not have."""
    found = []
    for number in PHONE.findall(text):
        digits = re.sub(r"\D", "", number)
        if len(digits) >= 3 and digits not in facts:
            found.append(number.strip())
    for url in URL.findall(text.lower()):
        if url.rstrip(".") not in facts:
            found.append(url)
    return found


def text_problem(
    text: str,
    english: str,
    facts: set[str],
    limit: int = MAX_ANSWER,
    known: Iterable[str] = (),
) -> Optional[str]:
    """Why a reviewed text cannot be used, or None when it can.

    Args:
        text: The reviewer's version.
        english: The English text it translates (for its placeholders).
        facts: The directory's numbers and contacts (directory_facts).
        limit: The longest text allowed.
        known: Numbers or links already in the text being replaced (allowed).
    """
    if not text.strip():
        return "the text is empty"
    if len(text) > limit:
        return (
            f"the text has {len(text)} characters; at most {limit} fit a phone screen"
        )
    want, have = placeholders(english), placeholders(text)
    if want != have:
        missing = ", ".join("{" + name + "}" for name in sorted(want - have))
        extra = ", ".join("{" + name + "}" for name in sorted(have - want))
        parts = [
            f"missing {missing}" if missing else "",
            f"unknown {extra}" if extra else "",
        ]
        return "the {placeholders} must stay exactly as in English: " + "; ".join(
            p for p in parts if p
        )
    rest = _PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        return "a { or } is left over: placeholders are written {name}, as in English"
    allowed = facts | {item.lower() for item in known}
    unknown = unknown_contacts(text, allowed)
    if unknown:
        return (
            f"{', '.join(unknown)} is not in the helpline directory "
            "(data/helplines.yml): only checked numbers and links may be shown"
        )
    return None
