"""Session and CSRF tokens, pseudonyms and the kept console secret."""

import stat
from pathlib import Path

from bot.handoff import pseudonym, sessions
from bot.handoff.secret import console_secret, secret_path
from bot.handoff.sessions import SessionRecord
from bot.settings import Settings


def test_tokens_are_random_and_only_hashes_are_kept() -> None:
    first, second = sessions.new_token(), sessions.new_token()
    assert first != second and len(first) >= 40
    assert sessions.token_hash(first) != first
    assert len(sessions.token_hash(first)) == 64


def test_csrf_is_bound_to_session_and_secret() -> None:
    token = sessions.new_token()
    csrf = sessions.csrf_for("secret", token)
    assert sessions.csrf_ok("secret", token, csrf)
    assert not sessions.csrf_ok("secret", sessions.new_token(), csrf)
    assert not sessions.csrf_ok("other", token, csrf)
    assert not sessions.csrf_ok("secret", token, None)
    assert not sessions.csrf_ok("secret", token, "")
    assert not sessions.csrf_ok("secret", token, "é")


def test_idle_and_absolute_expiry() -> None:
    record = SessionRecord(1, 1, "cookie", "l", created_at=0.0, last_used=0.0)
    assert sessions.is_alive(record, sessions.IDLE_SECONDS - 1)
    assert not sessions.is_alive(record, sessions.IDLE_SECONDS)
    busy = SessionRecord(1, 1, "cookie", "l", 0.0, sessions.ABSOLUTE_SECONDS - 10)
    assert not sessions.is_alive(busy, sessions.ABSOLUTE_SECONDS)
    assert sessions.needs_touch(record, sessions.TOUCH_SECONDS)
    assert not sessions.needs_touch(record, sessions.TOUCH_SECONDS - 1)


def test_bearer_header() -> None:
    assert sessions.bearer("Bearer abc") == "abc"
    assert sessions.bearer("bearer  abc ") == "abc"
    assert sessions.bearer("Basic abc") is None
    assert sessions.bearer("Bearer ") is None


def test_pseudonym_is_stable_short_and_keyed() -> None:
    one = pseudonym.pseudonym("key", "+639171234567")
    assert one == pseudonym.pseudonym("key", "+639171234567")
    assert one.startswith("C-") and len(one) == 8 and one[2:].isupper() is True
    assert "639171234567" not in one
    assert one != pseudonym.pseudonym("other key", "+639171234567")
    assert one != pseudonym.pseudonym("key", "+639171234568")


def test_secret_from_settings_or_kept_in_a_0600_file(tmp_path: Path) -> None:
    assert console_secret(Settings(console_secret="given")) == "given"
    settings = Settings(tracker_db=tmp_path / "var" / "rasa.db")
    made = console_secret(settings)
    path = secret_path(settings)
    assert path == tmp_path / "var" / "console.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(made) == 64
    assert console_secret(settings) == made  # kept across restarts
    path.chmod(0o644)
    assert console_secret(settings) == made
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_secret_next_to_the_sqlite_database(tmp_path: Path) -> None:
    settings = Settings(
        tracker_db=tmp_path / "rasa.db",
        database_url=f"sqlite:///{tmp_path}/console/staff.db",
    )
    assert secret_path(settings) == tmp_path / "console" / "console.secret"
    postgres = Settings(
        tracker_db=tmp_path / "var" / "rasa.db",
        database_url="postgresql://root@127.0.0.1:5432/test",
    )
    assert secret_path(postgres) == tmp_path / "var" / "console.secret"
