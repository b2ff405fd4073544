"""Accounts: argon2id hashes, valid fields, the lock-out rule."""

import pytest

from bot.handoff import accounts
from bot.handoff.accounts import AccountError, LockState


def test_lock_after_five_failures_for_fifteen_minutes() -> None:
    state = LockState()
    for attempt in range(1, accounts.MAX_FAILURES):
        state = accounts.after_failure(state, 100.0 + attempt)
        assert state.failures == attempt and not accounts.is_locked(state, 110.0)
    state = accounts.after_failure(state, 200.0)
    assert accounts.is_locked(state, 200.0)
    assert accounts.is_locked(state, 200.0 + accounts.LOCK_SECONDS - 1)
    assert not accounts.is_locked(state, 200.0 + accounts.LOCK_SECONDS)


def test_failures_while_locked_do_not_extend_and_expired_lock_starts_fresh() -> None:
    locked = LockState(failures=0, locked_until=1000.0)
    assert accounts.after_failure(locked, 500.0) == locked
    fresh = accounts.after_failure(locked, 1000.0)
    assert fresh == LockState(failures=1, locked_until=None)


def test_success_resets() -> None:
    assert accounts.after_success() == LockState()


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = accounts.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert accounts.verify_password(hashed, "correct horse battery")
    assert not accounts.verify_password(hashed, "wrong horse battery")
    assert not accounts.verify_password(None, "correct horse battery")
    assert not accounts.verify_password("not a hash", "x")
    assert not accounts.needs_rehash(hashed)


def test_password_length() -> None:
    with pytest.raises(AccountError, match="at least"):
        accounts.hash_password("short")
    with pytest.raises(AccountError, match="at most"):
        accounts.check_password("x" * 257)


def test_username_role_and_languages() -> None:
    assert accounts.check_username("  Maria.S ") == "maria.s"
    for bad in ("a", "-maria", "maria santos", "x" * 41, "maría"):
        with pytest.raises(AccountError):
            accounts.check_username(bad)
    assert accounts.check_role("Supervisor") == "supervisor"
    with pytest.raises(AccountError):
        accounts.check_role("admin")
    assert accounts.parse_languages("tl, EN,tl") == ("tl", "en")
    assert accounts.parse_languages(["th"]) == ("th",)
    with pytest.raises(AccountError, match="unknown language 'fr'"):
        accounts.parse_languages("tl,fr")
    with pytest.raises(AccountError):
        accounts.parse_languages(" , ")
