"""Crisis phrase files: families expand, malformed files are rejected."""

import pytest
import yaml

from bot.safety.phrases import (
    expand,
    parse_tables,
    reassuring_expressions,
    reply_words,
    uncertain_words,
)


def test_families_expand_to_every_combination() -> None:
    families = {"I": ["i", "im"], "want": ["want to", "wanna"]}
    assert expand("{I} {want} die", families) == [
        "i want to die",
        "i wanna die",
        "im want to die",
        "im wanna die",
    ]
    assert expand("kms", families) == ["kms"]


def test_unknown_family_and_explosions_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown family"):
        expand("{you} die", {"I": ["i"]})
    with pytest.raises(ValueError, match="variants"):
        expand("{a}{a}{a}{a}", {"a": [str(i) for i in range(10)]})


def test_tables_give_phrases_ordinary_and_uncertain_words() -> None:
    book = parse_tables(
        {
            "en": {
                "families": {"I": ["i", "im"]},
                "crisis": {"crisis_self_harm": {"high": ["{I} done"]}},
                "ordinary": ["{I} done with homework"],
                "uncertain": ["Not", "idk"],
            }
        }
    )
    assert [p.text for p in book.phrases] == ["i done", "im done"]
    assert {p.template for p in book.phrases} == {"{I} done"}
    assert book.ordinary["en"] == ("i done with homework", "im done with homework")
    assert uncertain_words(book, ["en", "vi"]) == {"not", "idk"}


def test_reply_words_are_read_without_expanding_any_phrase() -> None:
    # A family that does not exist would fail the expansion: reply_words never
    # looks at the phrases, so it reads this table (the action server's path).
    tables = {
        "en": {
            "crisis": {"crisis_self_harm": {"high": ["{nosuchfamily} done"]}},
            "uncertain": ["Not", "idk"],
            "reassuring": ["No worries"],
        }
    }
    replies = reply_words(tables)
    assert uncertain_words(replies, ["en"]) == {"not", "idk"}
    assert reassuring_expressions(replies, ["en"]) == ["no worries"]
    with pytest.raises(ValueError, match="unknown family"):
        parse_tables(tables)


@pytest.mark.parametrize(
    "table",
    [
        {"nothing": 1},
        {"crisis": {"crisis_self_harm": {"urgent": ["x"]}}},
        {"crisis": {"feeling_sad": {"high": ["x"]}}},
        {"crisis": {"crisis_self_harm": {"high": "not a list"}}},
        {"families": ["i"], "crisis": {}},
    ],
)
def test_malformed_files_are_rejected(table: dict) -> None:
    with pytest.raises(ValueError):
        parse_tables({"en": table})


def test_a_bare_yaml_boolean_is_rejected() -> None:
    # `accident: [at, on]` reads "on" as True: the spelling would be lost.
    table = yaml.safe_load(
        "families: {accident: [at, on]}\n"
        "crisis: {crisis_self_harm: {high: ['hurt myself {accident}']}}\n"
    )
    with pytest.raises(ValueError, match="YAML boolean"):
        parse_tables({"en": table})
    quoted = yaml.safe_load(
        "families: {accident: [at, 'on']}\n"
        "crisis: {crisis_self_harm: {high: ['hurt myself {accident}']}}\n"
    )
    phrases = [p.text for p in parse_tables({"en": quoted}).phrases]
    assert phrases == ["hurt myself at", "hurt myself on"]
