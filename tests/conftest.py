"""Shared fixtures: the domain, a tracker factory, the dispatcher, test settings."""

from pathlib import Path
from typing import Any, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import ROOT, Settings


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """domain.yml as a dict."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """A real dispatcher that collects what actions send."""
    return CollectingDispatcher()


def make_tracker(
    slots: Optional[dict[str, Any]] = None,
    intent: str = "greet",
    text: str = "hi",
    entities: Optional[list[dict[str, Any]]] = None,
    language: Optional[dict[str, Any]] = None,
    parse: Optional[dict[str, Any]] = None,
) -> Tracker:
    """A real rasa_sdk Tracker whose latest message has the given parse.

    `parse` adds further keys of the parse output (risk, intent_ranking...).
    """
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
        **(parse or {}),
    }
    if language is not None:
        latest["language"] = language
    return Tracker(
        sender_id="test",
        slots=slots or {},
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a temporary tracker database."""
    return Settings(tracker_db=tmp_path / "rasa.db")
