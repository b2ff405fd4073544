from datetime import datetime, timezone
from pathlib import Path

import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.nlg import LocalizedNLG

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
slots:
  language:
    type: categorical
    values: [en, tl]
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_hi:
    - text: "Hello {name}"
  utter_only_english:
    - text: "English only"
"""
)


def nlg(tmp_path: Path) -> LocalizedNLG:
    (tmp_path / "tl.yml").write_text(
        yaml.safe_dump({"translations": {"utter_hi": [{"text": "Kumusta {name}"}]}}),
        encoding="utf-8",
    )
    return LocalizedNLG(EndpointConfig(translations=str(tmp_path)), DOMAIN)


def tracker(language: str | None) -> DialogueStateTracker:
    state = DialogueStateTracker("t", DOMAIN.slots)
    if language:
        state.update(SlotSet("language", language))
    return state


async def test_response_follows_the_language_slot(tmp_path: Path) -> None:
    generator = nlg(tmp_path)
    tagalog = await generator.generate("utter_hi", tracker("tl"), "rest", name="Ana")
    english = await generator.generate("utter_hi", tracker(None), "rest", name="Ana")
    assert tagalog is not None and tagalog["text"] == "Kumusta Ana"
    assert english is not None and english["text"] == "Hello Ana"


async def test_untranslated_response_falls_back_to_english(tmp_path: Path) -> None:
    reply = await nlg(tmp_path).generate("utter_only_english", tracker("tl"), "rest")
    assert reply is not None and reply["text"] == "English only"


async def test_domain_assigned_later_rebuilds_every_language(tmp_path: Path) -> None:
    """Rasa's Agent creates the NLG without a domain, then assigns `responses`."""
    nlg(tmp_path)  # writes tl.yml
    generator = LocalizedNLG(EndpointConfig(translations=str(tmp_path)), None)
    generator.responses = dict(DOMAIN.responses)
    reply = await generator.generate("utter_hi", tracker("tl"), "rest", name="Jo")
    assert reply is not None and reply["text"] == "Kumusta Jo"


async def test_crisis_lines_come_from_the_directory_in_the_conversation_language() -> (
    None
):
    """The crisis fallback's numbers need no action server and no number in YAML."""
    from bot.content.helplines import FOCUS_COUNTRIES, load_directory
    from bot.settings import ROOT, Settings

    settings = Settings()
    book = load_directory(settings.helplines_path, settings.translations_dir)
    domain = Domain.load(str(ROOT / "domain.yml"))
    generator = LocalizedNLG(
        EndpointConfig(translations=str(settings.translations_dir)), domain
    )
    state = DialogueStateTracker("t", domain.slots)
    state.update(SlotSet("language", "vi"))
    before = datetime.now(timezone.utc)
    reply = await generator.generate("utter_crisis_fallback", state, "rest")
    after = datetime.now(timezone.utc)
    assert reply is not None
    assert "{" not in reply["text"]
    assert any(
        book.focus_country_lines("vi", moment) in reply["text"]
        for moment in (before, after)
    )
    for country in FOCUS_COUNTRIES:
        for service in book.country_services(country, ("emergency",)):
            assert service.phone and service.phone in reply["text"]
    assert [b["payload"] for b in reply["buttons"]] == [
        "/confirm_safe",
        "/deny",
        "/request_human",
    ]
    given = await generator.generate(
        "utter_action_failed", state, "rest", crisis_lines="(given)"
    )
    assert given is not None and given["text"].endswith("(given)")
