"""Settings: the one reader of the environment."""

import os
from pathlib import Path

import pytest
import yaml

from bot.settings import ROOT, Settings


def test_defaults_are_local_and_quiet() -> None:
    settings = Settings.from_env({})
    assert settings.rasa_host == "127.0.0.1"
    assert settings.retention_days == 30
    assert settings.log_level == "INFO"


def test_environment_overrides_and_reaches_the_servers() -> None:
    settings = Settings.from_env(
        {"RETENTION_DAYS": "7", "LOG_LEVEL": "warning", "TRACKER_DB": "/tmp/x.db"}
    )
    child = settings.child_environment()
    assert settings.retention_days == 7
    assert settings.tracker_db == Path("/tmp/x.db")
    assert child["LOG_LEVEL"] == "WARNING"
    assert child["RETENTION_DAYS"] == "7.0"
    assert child["RASA_TELEMETRY_ENABLED"] == "false"
    assert child["SANIC_HOST"] == "127.0.0.1"


def test_every_variable_is_documented_in_env_example_and_round_trips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documented = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    internal = {
        "BOT_DATA_DIR",
        "MODEL_DIR",
        "RASA_TELEMETRY_ENABLED",
        "SANIC_HOST",
    }
    monkeypatch.setattr(os, "environ", {})
    names = set(Settings().child_environment()) - internal
    monkeypatch.undo()
    assert "CONSOLE_PORT" in names
    assert names - documented == set()
    # What a child process reads back is what the parent had.
    settings = Settings(
        console_port=6001,
        console_enabled=False,
        database_url="postgresql://u@127.0.0.1:5432/d",
        service_token="s",
        handoff_wait=5,
        handoff_hours="Mon-Fri 08:00-20:00",
    )
    assert Settings.from_env(settings.child_environment()) == settings


def test_console_urls_and_default_database() -> None:
    settings = Settings(tracker_db=Path("/x/var/rasa.db"), console_port=6001)
    assert settings.console_database_url == "sqlite:////x/var/console.db"
    assert settings.console_url == "http://127.0.0.1:6001"
    assert settings.rasa_url == "http://127.0.0.1:5005"


def test_held_conversations_close_before_rasa_starts_a_new_session() -> None:
    # A new Rasa session would end the pause while staff still hold the chat.
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    session_minutes = domain["session_config"]["session_expiration_time"]
    assert Settings().handoff_idle < session_minutes * 60
