"""Canned replies: the bot's own reviewed content, in the handoff's language."""

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.helplines import LISTINGS, send_listing
from bot.content.helplines import FOCUS_COUNTRIES
from bot.handoff import canned
from bot.handoff.canned import ADVICE, CannedError, Catalogue, load_catalogue
from bot.languages import CODES, DEFAULT
from bot.review import record
from bot.settings import ROOT, Settings

NOON_MANILA = datetime(2026, 3, 4, 4, 0, tzinfo=timezone.utc)
# 02:00 in Kuala Lumpur: Talian HEAL (08:00 to midnight) is closed.
NIGHT_KL = datetime(2026, 3, 3, 18, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    """The catalogue of the project's real files."""
    settings = Settings()
    return load_catalogue(
        ROOT / "domain.yml", settings.translations_dir, settings.helplines_path
    )


def by_key(replies: list[canned.CannedReply]) -> dict[str, canned.CannedReply]:
    """Replies by key (keys are unique)."""
    keys = [reply.key for reply in replies]
    assert len(keys) == len(set(keys))
    return {reply.key: reply for reply in replies}


def test_kinds_match_the_bots_listings() -> None:
    assert LISTINGS["helplines"].kinds == canned.HELPLINE_KINDS
    assert LISTINGS["report"].kinds == canned.REPORT_KINDS
    assert LISTINGS["crisis"].kinds == canned.CRISIS_KINDS


@pytest.mark.parametrize("language", CODES)
@pytest.mark.parametrize(
    "country,purpose,key",
    [
        ("PH", "helplines", "helplines"),
        ("MY", "report", "report_routes"),
        ("TH", "crisis", "crisis_lines"),
        ("LA", "helplines", "helplines"),
        ("VN", "crisis", "crisis_lines"),
        ("ZZ", "report", "report_routes"),
    ],
)
def test_lists_are_what_the_bot_sends(
    catalogue: Catalogue, language: str, country: str, purpose: str, key: str
) -> None:
    dispatcher = CollectingDispatcher()
    send_listing(dispatcher, purpose, country, language, now=NOON_MANILA)
    (message,) = dispatcher.messages
    text, used, _, _ = catalogue.response(message["response"], language)
    expected = text
    for name in ("country_name", "helpline_list"):
        if name in message:
            expected = expected.replace("{" + name + "}", message[name])
    reply = by_key(catalogue.replies(language, country, NOON_MANILA))[key]
    assert reply.text == expected
    assert reply.language == used
    assert "{" not in reply.text


def test_replies_are_in_the_handoffs_language(catalogue: Catalogue) -> None:
    english = by_key(catalogue.replies("en", "PH", NOON_MANILA))
    for language in CODES:
        replies = by_key(catalogue.replies(language, "PH", NOON_MANILA))
        assert set(replies) == set(english)
        for name, _ in ADVICE:
            reply = replies[name]
            assert reply.language == language
            if language == DEFAULT:
                assert reply.source == f"domain.yml: {name}"
                assert reply.review == "source text"
            else:
                assert reply.text != english[name].text
                assert reply.source == f"data/translations/{language}.yml: {name}"
                assert reply.review.startswith("translation ")


def test_every_number_comes_from_the_data(catalogue: Catalogue) -> None:
    data = (ROOT / "data" / "helplines.yml").read_text(encoding="utf-8")
    data += (ROOT / "domain.yml").read_text(encoding="utf-8")
    for path in sorted((ROOT / "data" / "translations").glob("*.yml")):
        data += path.read_text(encoding="utf-8")
    for language in CODES:
        for country in (*FOCUS_COUNTRIES, None, "INT"):
            for reply in catalogue.replies(language, country, NOON_MANILA):
                for number in re.findall(r"\d[\d-]{2,}\d", reply.text):
                    assert number in data, (reply.key, number)


def test_helpline_sources_name_the_rows_and_dates(catalogue: Catalogue) -> None:
    reply = by_key(catalogue.replies("tl", "PH", NOON_MANILA))["helplines"]
    book = catalogue.directory
    for service in book.services("PH", canned.HELPLINE_KINDS):
        assert service.title("tl") in reply.text
        assert f"{service.row} (checked {service.last_checked})" in reply.source
    assert reply.source.startswith("data/translations/tl.yml: utter_helplines")


def test_crisis_lines_follow_the_clock(catalogue: Catalogue) -> None:
    heal = next(
        s for s in catalogue.directory.countries["MY"].services if s.id == "my_heal"
    )
    day = by_key(catalogue.replies("ms", "MY", NOON_MANILA))["crisis_lines"]
    night = by_key(catalogue.replies("ms", "MY", NIGHT_KL))["crisis_lines"]
    assert heal.title("ms") in day.text
    assert heal.title("ms") not in night.text


def test_without_a_country_every_focus_country_is_listed(
    catalogue: Catalogue,
) -> None:
    replies = by_key(catalogue.replies("vi", None, NOON_MANILA))
    crisis = replies["crisis_lines"]
    for country in FOCUS_COUNTRIES:
        name = catalogue.directory.country_name(country, "vi")
        assert name[:1].upper() + name[1:] in crisis.text
    assert crisis.source.startswith("data/translations/vi.yml: utter_crisis_lines_all")
    # No empty list is offered: no international line is a child helpline.
    assert all(reply.text.strip() for reply in replies.values())
    for reply in replies.values():
        assert not reply.text.rstrip().endswith(":"), reply.key


def test_untranslated_falls_back_to_english_and_says_so(
    catalogue: Catalogue,
) -> None:
    partial = Catalogue(
        english=catalogue.english,
        tables={
            "tl": {
                k: v for k, v in catalogue.tables["tl"].items() if k != "utter_evidence"
            }
        },
        reviews={},
        directory=catalogue.directory,
    )
    reply = by_key(partial.replies("tl", "PH", NOON_MANILA))["utter_evidence"]
    assert reply.language == DEFAULT
    assert reply.text == catalogue.english["utter_evidence"][0]["text"]
    assert reply.review == "not translated yet"
    assert reply.source == "domain.yml: utter_evidence"


def test_review_status_follows_the_review_block(catalogue: Catalogue) -> None:
    text = catalogue.tables["th"]["utter_evidence"][0]["text"]
    block = {
        "rows": {
            "utter_evidence/1": record.make_record("Somchai", date(2026, 3, 3), text),
            "utter_take_it_down/1": record.make_record(
                "Somchai", date(2026, 3, 3), "an older text"
            ),
        }
    }
    reviewed = Catalogue(
        english=catalogue.english,
        tables=catalogue.tables,
        reviews={"th": block},
        directory=catalogue.directory,
    )
    replies = by_key(reviewed.replies("th", "TH", NOON_MANILA))
    assert replies["utter_evidence"].review == (
        "translation reviewed by Somchai on 3 March 2026"
    )
    assert replies["utter_take_it_down"].review == (
        "translation awaiting review (changed since the last review)"
    )
    assert replies["utter_block_report"].review == "translation awaiting review"


@pytest.mark.parametrize("language", ["", "xx", "EN", "en-US", "de"])
def test_unknown_languages_are_refused(catalogue: Catalogue, language: str) -> None:
    with pytest.raises(CannedError, match="language must be one of"):
        catalogue.replies(language, "PH", NOON_MANILA)


@pytest.mark.parametrize("country", ["", "ph", "P", "PHIL", "P1", "<b>"])
def test_malformed_countries_are_refused(catalogue: Catalogue, country: str) -> None:
    with pytest.raises(CannedError, match="country must be"):
        catalogue.replies("en", country, NOON_MANILA)


def test_a_missing_response_is_reported(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text("responses:\n  utter_evidence:\n  - text: x\n", "utf-8")
    settings = Settings()
    with pytest.raises(ValueError, match="utter_take_it_down"):
        Catalogue.load(domain, settings.translations_dir, settings.helplines_path)


def test_no_number_or_address_in_the_code() -> None:
    source = Path(canned.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\d{3,}|https?:|www\.|\.org|\.gov", source)


def test_replies_serialise_to_json(catalogue: Catalogue) -> None:
    reply = catalogue.replies("lo", "LA", NOON_MANILA)[0]
    assert reply.as_json() == {
        "key": reply.key,
        "title": reply.title,
        "text": reply.text,
        "language": reply.language,
        "source": reply.source,
        "review": reply.review,
    }
