"""The PII sets (tests/data/pii/<lang>.yml) run through `redact`.

Each case names what must be gone from the stored text and what must stay: a
name, handle, school or address left in the text is a leak; a word taken out
that was no personal data ("she is [address]") is over-redaction.
"""

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.safety.redact import PLACEHOLDERS, redact
from bot.settings import ROOT

PII_DIR = ROOT / "tests" / "data" / "pii"
LANGUAGES = ("en", "tl", "ms", "vi", "th", "lo")


def pii_cases() -> list[Any]:
    cases = []
    for language in LANGUAGES:
        document = yaml.safe_load(
            (PII_DIR / f"{language}.yml").read_text(encoding="utf-8")
        )
        for case in document["cases"]:
            cases.append(pytest.param(case, id=f"{language}: {case['text']}"))
    return cases


@pytest.mark.parametrize("case", pii_cases())
def test_pii_is_redacted_and_the_rest_kept(case: dict[str, Any]) -> None:
    stored = redact(case["text"])
    for secret in case.get("must_redact") or ():
        assert str(secret) not in stored, f"{secret!r} left in {stored!r}"
    for kept in case.get("must_keep") or ():
        assert str(kept) in stored, f"{kept!r} lost from {stored!r}"
    if case.get("must_redact"):
        assert any(p in stored for p in PLACEHOLDERS), stored
    else:
        assert stored == case["text"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_covers_every_kind_of_pii(language: str) -> None:
    cases = yaml.safe_load((PII_DIR / f"{language}.yml").read_text("utf-8"))["cases"]
    kinds = {
        placeholder
        for case in cases
        if case.get("must_redact")
        for placeholder in ("[name]", "[handle]", "[link]", "[school]", "[address]")
        if placeholder in redact(case["text"])
    }
    assert kinds == {"[name]", "[handle]", "[link]", "[school]", "[address]"}
    assert len(cases) >= 12
    assert sum(not case.get("must_redact") for case in cases) >= 3


def test_the_issue_examples_are_in_the_sets() -> None:
    texts = "\n".join(path.read_text("utf-8") for path in sorted(PII_DIR.glob("*.yml")))
    for example in (
        "his ig is jake.x99",
        "facebook.com/jake.x99",
        "my name is Maria Santos",
        "Brgy San Isidro, Quezon City",
        "25 Lê Lợi, Quận 1",
        "Rizal High School in Pasig",
        "she is 14 and goes to St. Scholastica's",
    ):
        assert example in texts, example


def test_pii_files_exist_for_every_language() -> None:
    assert sorted(p.stem for p in Path(PII_DIR).glob("*.yml")) == sorted(LANGUAGES)
