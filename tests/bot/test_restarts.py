"""The pure restart decision of the launcher's supervisor."""

from bot.restarts import Backoff, Restart, next_restart

BACKOFF = Backoff(max_restarts=5, base_delay=1.0, max_delay=10.0, stable_after=60.0)


def test_restarts_back_off_exponentially_up_to_the_limit() -> None:
    delays = []
    made = 0
    while (restart := next_restart(made, ran_for=2.0, backoff=BACKOFF)) is not None:
        assert restart.attempt == made + 1
        delays.append(restart.delay)
        made += 1
    assert delays == [1.0, 2.0, 4.0, 8.0, 10.0]
    assert made == 5


def test_gives_up_after_the_configured_restarts() -> None:
    assert next_restart(5, ran_for=1.0, backoff=BACKOFF) is None
    assert next_restart(0, ran_for=1.0, backoff=Backoff(max_restarts=0)) is None
    assert next_restart(1, ran_for=1.0, backoff=Backoff(max_restarts=1)) is None


def test_a_server_that_ran_stably_starts_a_fresh_count() -> None:
    assert next_restart(5, ran_for=60.0, backoff=BACKOFF) == Restart(1, 1.0)
    assert next_restart(3, ran_for=59.0, backoff=BACKOFF) == Restart(4, 8.0)
