"""Settings: the one reader of the environment."""

from pathlib import Path

from bot.settings import Settings


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
