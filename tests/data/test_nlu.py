"""The training data checks itself: contract intents, counts, order, duplicates."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.content.nlu_data import examples_by_language, read_examples
from bot.languages import CODES
from bot.settings import ROOT

NLU = ROOT / "data" / "nlu"
SPEC = ROOT.parent / "shared" / "spec" / "intents.md"
MIN_EXAMPLES = 25


def contract_intents() -> list[str]:
    """Intent names of the contract (or of domain.yml without ../shared)."""
    if SPEC.exists():
        names = re.findall(
            r"^\| `([a-z_]+)` \|", SPEC.read_text(encoding="utf-8"), flags=re.M
        )
        return [n for n in names if n not in CODES]
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return list(domain["intents"])


LANGUAGES = sorted(examples_by_language(NLU))


def intent_order(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [block["intent"] for block in data["nlu"] if "intent" in block]


def test_english_training_data_exists() -> None:
    assert "en" in LANGUAGES


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_contract_intent_has_enough_examples(code: str) -> None:
    counts = Counter(e.intent for e in read_examples(NLU / f"{code}.yml", code))
    thin = {i: counts[i] for i in contract_intents() if counts[i] < MIN_EXAMPLES}
    assert not thin, f"{code}: fewer than {MIN_EXAMPLES} examples: {thin}"


@pytest.mark.parametrize("code", LANGUAGES)
def test_intents_appear_in_contract_order(code: str) -> None:
    order = [i for i in intent_order(NLU / f"{code}.yml") if i in contract_intents()]
    assert order == contract_intents()


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_block_is_labelled_with_its_language(code: str) -> None:
    data = yaml.safe_load((NLU / f"{code}.yml").read_text(encoding="utf-8"))
    for block in data["nlu"]:
        if "intent" in block:
            assert (block.get("metadata") or {}).get("language") == code, block[
                "intent"
            ]


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_example_is_given_two_intents(code: str) -> None:
    seen: dict[str, str] = {}
    for example in read_examples(NLU / f"{code}.yml", code):
        key = example.text.lower()
        assert seen.setdefault(key, example.intent) == example.intent, example.text


@pytest.mark.parametrize("code", LANGUAGES)
def test_examples_hold_no_personal_data(code: str) -> None:
    pattern = re.compile(r"\d{6,}|@\w+\.\w+|https?://")
    leaks = [
        e.text
        for e in read_examples(NLU / f"{code}.yml", code)
        if pattern.search(e.text)
    ]
    assert not leaks


@pytest.mark.parametrize("code", LANGUAGES)
def test_country_and_platform_terms_are_listed(code: str) -> None:
    data = yaml.safe_load((NLU / f"{code}.yml").read_text(encoding="utf-8"))
    tables = {b["lookup"] for b in data["nlu"] if "lookup" in b}
    assert {"country", "platform"} <= tables


def test_held_out_and_safety_story_messages_are_not_training_examples() -> None:
    """Figures and the crisis-in-every-language stories must measure generalisation."""
    trained = {
        e.text.lower()
        for code in LANGUAGES
        for e in read_examples(NLU / f"{code}.yml", code)
    }
    held_out = [
        e.text
        for path in sorted((ROOT / "tests" / "nlu").glob("*.yml"))
        for e in read_examples(path, path.stem)
    ]
    stories = [
        str(step["user"]).strip()
        for name in ("test_safety_languages.yml", "test_safety_followup_languages.yml")
        for story in yaml.safe_load(
            (ROOT / "tests" / "stories" / name).read_text(encoding="utf-8")
        )["stories"]
        for step in story["steps"]
        # Short replies ("no", "not really") are everyday words; the crisis
        # and counsellor messages are the ones the NLU must generalise to.
        if "user" in step and step.get("intent") != "deny"
    ]
    seen = [text for text in held_out + stories if text.lower() in trained]
    assert not seen, f"evaluation messages found in the training data: {seen}"
