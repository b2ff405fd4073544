import pytest

from bot.channels.deliveries import Deliveries


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_new_once() -> None:
    seen = Deliveries()
    assert seen.first_time("update:1")
    assert not seen.first_time("update:1")
    assert not seen.first_time("update:1")
    assert seen.first_time("update:2")


def test_the_oldest_keys_are_forgotten_beyond_the_size() -> None:
    seen = Deliveries(size=2)
    for key in ("a", "b", "c"):
        assert seen.first_time(key)
    assert len(seen) == 2
    assert seen.first_time("a")  # forgotten: new again
    assert not seen.first_time("c")


def test_keys_expire() -> None:
    clock = Clock()
    seen = Deliveries(keep_seconds=60, clock=clock)
    assert seen.first_time("a")
    clock.now = 59
    assert not seen.first_time("a")
    assert seen.first_time("b")
    clock.now = 61
    assert seen.first_time("a")  # a is 61 s old, forgotten
    assert not seen.first_time("b")  # b only 2 s
    assert len(seen) == 2


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="size"):
        Deliveries(size=0)


def test_a_forgotten_key_is_new_again() -> None:
    seen = Deliveries()
    assert seen.first_time("a")
    seen.forget("a")
    seen.forget("never seen")
    assert seen.first_time("a")
    assert not seen.first_time("a")
