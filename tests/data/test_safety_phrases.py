"""The crisis phrases check themselves against the project's own text.

- every phrase matches the message it is written for, in its language (and,
  when it may be matched without diacritics, that plain form too);
- no phrase matches a non-crisis example of any language: training and
  held-out examples, and the training part of the background set (the held-out
  part is measured by `make evaluate`, not asserted, so it stays natural);
- every crisis example is caught by a phrase or the crisis classifier
  (tests/data/test_crisis_examples.py, which needs the trained model).
"""

from collections.abc import Iterator
from functools import lru_cache

import pytest

from bot.content.background import read_lines
from bot.content.nlu_data import examples_by_language
from bot.language.scripts import fold
from bot.safety.collisions import languages_of, training_matcher
from bot.safety.crisis import CrisisMatcher
from bot.safety.crisis_model import CRISIS_INTENTS
from bot.safety.phrases import load_phrase_book, load_reply_words
from bot.safety.triage import is_unsure
from bot.settings import ROOT

SAFETY = ROOT / "data" / "safety"


@lru_cache(maxsize=1)
def matcher() -> CrisisMatcher:
    return training_matcher(ROOT)


def non_crisis_texts() -> Iterator[tuple[str, str]]:
    for folder in ("data/nlu", "tests/nlu"):
        for language, examples in examples_by_language(ROOT / folder).items():
            for example in examples:
                if example.intent not in CRISIS_INTENTS:
                    yield f"{folder}/{language}.yml", example.text
    for path in sorted((ROOT / "data" / "background").glob("*.txt")):
        for line in read_lines(path):
            yield f"data/background/{path.name}", line


def test_every_language_has_a_phrase_file_with_uncertain_words() -> None:
    book = load_phrase_book(SAFETY)
    assert set(book.languages()) == {"en", "tl", "ms", "vi", "th", "lo"}
    for language in book.languages():
        assert book.uncertain[language], f"{language}: no uncertain words"
        assert any(p.language == language for p in book.phrases)


def test_the_action_servers_reply_words_are_the_phrase_books() -> None:
    book = load_phrase_book(SAFETY)
    replies = load_reply_words(SAFETY)
    assert replies.uncertain == book.uncertain
    assert replies.reassuring == book.reassuring


def test_every_language_says_i_dont_know_in_its_unsure_list() -> None:
    replies = load_reply_words(SAFETY)
    idk = {
        "en": "idk",
        "tl": "ewan ko",
        "ms": "entah la",
        "vi": "em không biết",
        "th": "ไม่รู้",
        "lo": "ບໍ່ຮູ້",
    }
    for language, text in idk.items():
        assert is_unsure(text, replies.unsure[language]), language


def test_every_phrase_matches_the_message_it_is_written_for() -> None:
    missed = []
    for phrase in matcher().phrases:
        text = " ".join(phrase.text.replace("*", " ").split())
        if matcher().match(text, {phrase.language, "en"}) is None:
            missed.append(f"[{phrase.language}] {phrase.text} ({phrase.template})")
    assert not missed, f"{len(missed)} phrases miss themselves: {missed[:20]}"


def test_foldable_phrases_match_without_diacritics() -> None:
    missed = []
    for phrase in matcher().phrases:
        if phrase.language not in ("vi", "tl", "ms", "en"):
            continue
        plain = " ".join(fold(phrase.text).replace("*", " ").split())
        if plain == phrase.text or not matcher().foldable(phrase):
            continue
        if matcher().match(plain, {phrase.language, "en"}) is None:
            missed.append(f"[{phrase.language}] {plain} ({phrase.text})")
    assert not missed, f"{len(missed)} plain forms missed: {missed[:20]}"


def test_no_phrase_matches_ordinary_text() -> None:
    alarms = []
    for source, text in non_crisis_texts():
        found = matcher().match(text, languages_of(text))
        if found is not None:
            alarms.append(f"{source}: {text!r} <- [{found.language}] {found.phrase}")
    assert not alarms, f"{len(alarms)} false alarms:\n" + "\n".join(alarms[:40])


@pytest.mark.parametrize(
    "text",
    [
        "cho em xin số tư vấn",
        "em muốn gặp tư vấn viên",
        "cho em xin so tu van",
        "gambar tu, tu bukan saya",
        "ຂ້າພະເຈົ້າຂໍຂອບໃຈ",
    ],
)
def test_the_known_collisions_stay_fixed(text: str) -> None:
    assert matcher().match(text, languages_of(text)) is None
