"""Rate-limit rules: windows, verdicts, hashed keys, limited paths."""

from bot.ratelimit.rules import (
    ADDRESS,
    SENDER,
    Limit,
    address_limited,
    counter_key,
    decide,
    seconds_left,
    window_index,
)


def test_windows_are_aligned_so_every_replica_counts_in_the_same_one() -> None:
    assert window_index(120.0, 60) == window_index(179.9, 60) == 2
    assert window_index(180.0, 60) == 3
    assert seconds_left(170.2, 60) == 10
    assert seconds_left(179.99, 60) == 1  # never 0


def test_the_limit_allows_exactly_count_events_per_window() -> None:
    limit = Limit(3, 60)
    verdicts = [decide(count, limit, now=130.0) for count in range(1, 6)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert verdicts[3].retry_after == 50
    assert decide(10_000, Limit(0, 60), now=1.0).allowed  # 0: no limit


def test_keys_hash_the_subject_and_name_the_window() -> None:
    key = counter_key("safety", SENDER, "whatsapp:+639171234567", 42)
    assert key.startswith("safety:rl:sender:") and key.endswith(":42")
    assert "639171234567" not in key
    assert counter_key("safety", ADDRESS, "10.0.0.1", 42) != counter_key(
        "safety", ADDRESS, "10.0.0.2", 42
    )
    assert counter_key("safety", SENDER, "a", 1) != counter_key(
        "safety", ADDRESS, "a", 1
    )


def test_only_endpoints_a_persons_device_calls_count_per_address() -> None:
    for path in (
        "/webhooks/rest/webhook",
        "/webhooks/webchat/webhook",
        "/webhooks/webchat/updates",
        "/webhooks/widget/widget.js",
        "/socket.io/",
        "/socket.io",
        "/model/parse",
    ):
        assert address_limited(path), path
    # Platforms deliver every user's message from a few addresses of their own.
    for path in (
        "/webhooks/telegram/webhook",
        "/webhooks/facebook/webhook",
        "/webhooks/whatsapp/webhook",
        "/webhooks/line/webhook",
        "/",
        "/status",
        "/conversations/x/tracker",
    ):
        assert not address_limited(path), path
