"""The privacy answer says what the code keeps, in every language.

`utter_privacy` promises a retention period, a way to delete, and which kinds
of personal data are blanked out. These tests tie each promise to the code or
data that keeps it, so that changing one without the other fails.
"""

import re
from typing import Any

import pytest
import yaml

from bot.safety.redact import PLACEHOLDERS
from bot.settings import ROOT, Settings

LANGUAGES = ("tl", "ms", "vi", "th", "lo")
# What the English answer calls each placeholder of bot.safety.redact.
KINDS = {
    "[email]": "e-mails",
    "[image]": "pictures",
    "[link]": "links",
    "[card]": "card numbers",
    "[phone]": "phone numbers",
    "[handle]": "usernames",
    "[school]": "schools",
    "[address]": "addresses",
    "[name]": "names",
}


def privacy_texts(domain: dict[str, Any]) -> dict[str, str]:
    texts = {"en": domain["responses"]["utter_privacy"][0]["text"]}
    for language in LANGUAGES:
        table = yaml.safe_load(
            (ROOT / "data" / "translations" / f"{language}.yml").read_text("utf-8")
        )["translations"]
        texts[language] = table["utter_privacy"][0]["text"]
    return texts


def delete_examples(language: str) -> set[str]:
    document = yaml.safe_load(
        (ROOT / "data" / "nlu" / f"{language}.yml").read_text("utf-8")
    )
    examples: set[str] = set()
    for block in document["nlu"]:
        if block.get("intent") == "delete_conversation":
            examples |= {
                line[2:].strip()
                for line in block["examples"].splitlines()
                if line.startswith("- ")
            }
    return examples


def test_the_answer_names_every_kind_of_data_the_code_blanks_out(
    domain: dict[str, Any],
) -> None:
    text = privacy_texts(domain)["en"]
    assert set(KINDS) == set(PLACEHOLDERS)
    for placeholder, words in KINDS.items():
        assert words in text, f"{placeholder} is redacted but not named: {words!r}"
    assert "not kept" in text  # pictures, files, message details (metadata)


@pytest.mark.parametrize("language", ("en", *LANGUAGES))
def test_the_retention_period_is_the_default_setting(
    domain: dict[str, Any], language: str
) -> None:
    text = privacy_texts(domain)[language]
    days = Settings().retention_days
    assert days == int(days)
    assert re.findall(r"\d+", text) == [str(int(days))]


@pytest.mark.parametrize("language", ("en", *LANGUAGES))
def test_the_delete_phrase_is_one_the_assistant_understands(
    domain: dict[str, Any], language: str
) -> None:
    phrases = re.findall(r"\"([^\"]+)\"", privacy_texts(domain)[language])
    assert len(phrases) == 1
    assert phrases[0] in delete_examples(language)


@pytest.mark.parametrize("language", ("en", *LANGUAGES))
def test_the_answer_is_short_enough_for_a_phone(
    domain: dict[str, Any], language: str
) -> None:
    assert len(privacy_texts(domain)[language]) <= 700


def test_no_promise_that_nobody_can_read_it(domain: dict[str, Any]) -> None:
    # The database is a file on the operator's server: the answer must say
    # who can open it rather than "Nobody reads it".
    text = privacy_texts(domain)["en"]
    assert "Nobody reads it" not in text
    assert "people who run the server could open it" in text
