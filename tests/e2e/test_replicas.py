"""Two replicas sharing PostgreSQL, Redis and RabbitMQ: no message lost, mixed, or out of order.

Two Rasa servers and two action servers (each Rasa its own action server),
started as `make run` starts them but with endpoints.production.yml: the
tracker store on one PostgreSQL database, the lock store and the rate limits
in Redis, the event broker on RabbitMQ (tests/e2e/replicas.py). Skipped, with
the reason, only where one of the three is not reachable on 127.0.0.1.

- 100 conversations at once in six languages, each turn on the other replica
  than the one before: afterwards every conversation's stored events hold each
  of its messages once, in order, each answered, redacted, and nothing of any
  other conversation; RabbitMQ received the same messages, redacted.
- Messages of one conversation sent at once to both replicas are processed one
  at a time (the shared lock): each stored once and answered, turns never
  interleaved.
- A platform's retry (the same delivery id) reaching the other replica is
  not processed again.
- The rate limits are shared: the replicas count one conversation's messages
  and one address's requests together, and the person is told kindly.
"""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from bot.channels.notice import StoreNotice
from bot.launch import Services
from bot.safety.redact import redact
from bot.settings import ROOT
from tests.e2e.replicas import (
    Shared,
    running_replicas,
    say,
    turn_problems,
    user_and_bot,
)
from tests.e2e.services import (
    REDIS,
    delete_queue,
    drain_queue,
    postgres_database,
    require_services,
    stored_events,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

CONVERSATIONS = 100
#: Messages of each language; conversation i speaks LANGUAGES[i % 6] and sends
#: them in order, each with a marker unique to the conversation and turn.
MESSAGES = {
    "en": [
        "hi",
        "someone says they will post my pics unless I pay",
        "my number is 0917 123 4567, what should I do",
        "how do I report it",
    ],
    "tl": [
        "kumusta po",
        "may nagbabanta na ikakalat ang mga litrato ko kapag hindi ako nagbayad",
        "ano po ang dapat kong gawin",
        "paano po mag report",
    ],
    "ms": [
        "hai",
        "ada orang ugut nak sebarkan gambar saya kalau saya tak bayar",
        "apa yang patut saya buat",
        "macam mana nak buat laporan",
    ],
    "vi": [
        "xin chào",
        "có người dọa đăng ảnh của mình nếu mình không trả tiền",
        "mình nên làm gì bây giờ",
        "làm sao để báo cáo",
    ],
    "th": [
        "สวัสดี",
        "มีคนขู่ว่าจะปล่อยรูปของหนูถ้าหนูไม่จ่ายเงิน",
        "หนูควรทำยังไงดี",
        "จะแจ้งความได้ยังไง",
    ],
    "lo": [
        "ສະບາຍດີ",
        "ມີຄົນຂູ່ວ່າຈະເຜີຍແຜ່ຮູບຂອງຂ້ອຍຖ້າຂ້ອຍບໍ່ຈ່າຍເງິນ",
        "ຂ້ອຍຄວນເຮັດແນວໃດ",
        "ຈະລາຍງານໄດ້ແນວໃດ",
    ],
}
LANGUAGES = list(MESSAGES)
PHONE = "0917 123 4567"
KIND = StoreNotice.load(
    ROOT / "domain.yml", ROOT / "data" / "translations", "utter_rate_limited"
).texts
SENDER_LIMIT = 8
ADDRESS_LIMIT = 12
#: A window far longer than the test, so no window ends while it counts.
WINDOW = 10 * 365 * 86400.0


def script(number: int) -> list[str]:
    """The messages of conversation `number`, each unique to it and its turn."""
    language = LANGUAGES[number % len(LANGUAGES)]
    return [
        f"{text} kq{number:03d}x{turn}" for turn, text in enumerate(MESSAGES[language])
    ]


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    require_services()
    with postgres_database() as database:
        running = Shared(database)
        yield running
        asyncio.run(delete_queue(running.queue, running.exchange))
        clear_redis(running.redis_prefix)


def logs(replicas: list[Services]) -> list[str]:
    """What each replica wrote to its log so far."""
    return [
        services.log.read_text(errors="replace") if services.log else ""
        for services in replicas
    ]


def clear_redis(prefix: str) -> None:
    """Delete this run's keys (rate-limit counters live a whole window)."""
    import redis

    client = redis.Redis(host=REDIS[0], port=REDIS[1], db=1)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def replicas(
    shared: Shared, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Services]]:
    work = tmp_path_factory.mktemp("replicas")
    with running_replicas(
        work,
        shared,
        rate_limit_sender=SENDER_LIMIT,
        rate_limit_ip=ADDRESS_LIMIT,
        rate_limit_window=WINDOW,
        proxies_count=1,
    ) as running:
        yield running


async def converse(
    session: aiohttp.ClientSession, bases: list[str], number: int
) -> list[tuple[int, int]]:
    """Conversation `number`: turn t on replica (number + t) % 2; (status, replies)."""
    answers = []
    for turn, text in enumerate(script(number)):
        reply = await say(
            session,
            bases[(number + turn) % len(bases)],
            f"conv-{number:03d}",
            text,
            address=f"10.77.{number // 250}.{number % 250 + 1}",
        )
        answers.append((reply.status, len(reply.texts)))
    return answers


async def test_100_conversations_alternating_between_replicas_keep_every_message(
    replicas: list[Services], shared: Shared
) -> None:
    expected = {
        f"conv-{n:03d}": [redact(text) for text in script(n)]
        for n in range(CONVERSATIONS)
    }
    every_text = [text for texts in expected.values() for text in texts]
    assert len(set(every_text)) == len(every_text), "markers must survive redaction"
    bases = [services.rasa_url for services in replicas]
    started = time.monotonic()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        answers = await asyncio.gather(
            *(converse(session, bases, n) for n in range(CONVERSATIONS))
        )
    seconds = time.monotonic() - started
    turns = sum(len(a) for a in answers)
    print(
        f"\n{CONVERSATIONS} conversations, {turns} turns on 2 replicas in "
        f"{seconds:.1f} s ({turns / seconds:.1f} turns/s)"
    )
    failed = [
        (n, a) for n, a in enumerate(answers) if any(s != 200 or k == 0 for s, k in a)
    ]
    assert not failed, f"turns not answered with 200 and a reply: {failed[:5]}"

    stored = stored_events(shared.database)
    problems = {
        sender: turn_problems(stored.get(sender, []), texts)
        for sender, texts in expected.items()
    }
    problems = {sender: found for sender, found in problems.items() if found}
    assert not problems, list(problems.items())[:3]
    # Nothing else was stored by a person, nor under another conversation.
    assert set(expected) <= set(stored)
    assert not any(
        PHONE in text for events in stored.values() for _, text in user_and_bot(events)
    )

    # RabbitMQ got the same messages, redacted: each once (at least once
    # if a replica had to publish again, which it then logged), the
    # person's in order.
    published = await drain_queue(shared.queue)
    by_sender: dict[str, list[dict[str, Any]]] = {}
    for event in published:
        by_sender.setdefault(str(event.get("sender_id")), []).append(event)
    assert set(by_sender) == set(stored)
    retried = any(
        "did not confirm" in log or "unreachable" in log for log in logs(replicas)
    )
    for sender in expected:
        events = by_sender[sender]
        wanted = Counter(user_and_bot(stored[sender]))
        got = Counter(user_and_bot(events))
        if retried:  # nothing lost, nothing foreign; repeats allowed
            assert set(got) == set(wanted), sender
        else:
            assert got == wanted, sender
        users = sorted(
            (e for e in events if e["event"] == "user"), key=lambda e: e["timestamp"]
        )
        assert list(dict.fromkeys(e["text"] for e in users)) == expected[sender]
    leaked = PHONE in json.dumps(published, ensure_ascii=False)
    assert not leaked, "a phone number reached RabbitMQ"


async def test_messages_sent_at_once_to_both_replicas_are_handled_one_at_a_time(
    replicas: list[Services], shared: Shared
) -> None:
    bases = [services.rasa_url for services in replicas]
    senders = [f"burst-{n}" for n in range(10)]
    sent = {
        sender: [f"{MESSAGES['en'][1]} kb{n:02d}x{turn}" for turn in range(4)]
        for n, sender in enumerate(senders)
    }
    async with aiohttp.ClientSession() as session:
        replies = await asyncio.gather(
            *(
                say(session, bases[turn % 2], sender, text, address=f"10.78.0.{n + 1}")
                for n, sender in enumerate(senders)
                for turn, text in enumerate(sent[sender])
            )
        )
    assert all(r.status == 200 and r.texts for r in replies), [
        (r.status, r.body) for r in replies if r.status != 200 or not r.texts
    ][:3]
    stored = stored_events(shared.database)
    for sender, texts in sent.items():
        said = [text for kind, text in user_and_bot(stored[sender]) if kind == "user"]
        # The order of messages sent at the same moment is the lock's: any,
        # but each once, each answered before the next is read.
        assert Counter(said) == Counter(redact(t) for t in texts), sender
        assert turn_problems(stored[sender], said) == [], sender


async def test_a_retry_reaching_the_other_replica_is_processed_once(
    replicas: list[Services], shared: Shared
) -> None:
    """A delivery id is claimed in Redis: the retry on replica B is not a turn."""
    bases = [services.rasa_url for services in replicas]
    text = f"{MESSAGES['en'][1]} retry-1"
    async with aiohttp.ClientSession() as session:
        first = await say(session, bases[0], "retried", text, message_id="m-1")
        again = await say(session, bases[1], "retried", text, message_id="m-1")
        later = await say(session, bases[1], "retried", "thank you", message_id="m-2")
    assert first.status == 200 and first.texts
    assert (again.status, again.body) == (200, [])
    assert later.status == 200 and later.texts
    stored = stored_events(shared.database)["retried"]
    said = [text for kind, text in user_and_bot(stored) if kind == "user"]
    assert said == [redact(text), "thank you"]


async def test_a_conversations_rate_limit_is_counted_across_replicas(
    replicas: list[Services],
) -> None:
    bases = [services.rasa_url for services in replicas]
    async with aiohttp.ClientSession() as session:
        replies = [
            await say(
                session,
                bases[turn % 2],
                "too-fast",
                f"xin chào lần {turn}",
                address=f"10.79.0.{turn + 1}",  # a new address each time
            )
            for turn in range(SENDER_LIMIT + 2)
        ]
    statuses = [r.status for r in replies]
    assert statuses == [200] * SENDER_LIMIT + [429, 429], statuses
    refused = replies[-1]
    assert refused.body == [{"recipient_id": "too-fast", "text": KIND["vi"]}]
    assert int(refused.headers["Retry-After"]) > 0


async def test_an_addresss_rate_limit_is_counted_across_replicas(
    replicas: list[Services],
) -> None:
    bases = [services.rasa_url for services in replicas]
    async with aiohttp.ClientSession() as session:
        replies = [
            await say(
                session,
                bases[n % 2],
                f"school-{n}",  # many people behind one address
                "hi",
                address="10.80.0.1",
            )
            for n in range(ADDRESS_LIMIT + 1)
        ]
        other = await say(session, bases[0], "elsewhere", "hi", address="10.80.0.2")
    statuses = [r.status for r in replies]
    assert statuses == [200] * ADDRESS_LIMIT + [429], statuses
    assert replies[-1].body == [
        {"recipient_id": f"school-{ADDRESS_LIMIT}", "text": KIND["en"]}
    ]
    assert other.status == 200


async def test_the_http_api_needs_the_shared_token_on_every_replica(
    replicas: list[Services], shared: Shared
) -> None:
    async with aiohttp.ClientSession() as session:
        for services in replicas:
            url = f"{services.rasa_url}/conversations/conv-000/tracker"
            async with session.get(url) as reply:
                assert reply.status == 401
            headers = {"Authorization": f"Bearer {shared.api_token}"}
            async with session.get(url, headers=headers) as reply:
                assert reply.status == 200
                tracker = await reply.json()
            said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
            assert said == [redact(t) for t in script(0)]


def test_the_replicas_logged_no_message_text(replicas: list[Services]) -> None:
    written = logs(replicas)
    assert len(written) == 2 and all(written)
    for log in written:
        assert "kq000x" not in log and PHONE not in log


async def staff_message(base: str, token: str, sender: str, text: str) -> int:
    """Send a message to the person as the console does (Rasa's HTTP API)."""
    url = (
        f"{base}/conversations/{sender}/tracker/events"
        "?output_channel=latest&execute_side_effects=true"
    )
    event = {"event": "bot", "text": text, "metadata": {"handoff": "staff"}}
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=[event], headers=headers) as reply,
    ):
        return reply.status


async def test_a_staff_message_reaches_a_web_chat_polling_the_other_replica(
    replicas: list[Services], shared: Shared
) -> None:
    first, other = (services.rasa_url for services in replicas)
    sender = "web-staff-1"
    async with aiohttp.ClientSession() as session:
        reply = await say(session, other, sender, "/greet", address="10.81.0.1")
        assert reply.status == 200
        polling = asyncio.ensure_future(
            session.get(
                f"{other}/webhooks/rest/updates",
                params={"sender": sender, "wait": "20"},
                headers={"X-Forwarded-For": "10.81.0.1"},
            )
        )
        await asyncio.sleep(0.5)
        assert (
            await staff_message(first, shared.api_token, sender, "Hi, I'm Ana.") == 200
        )
        async with await polling as answer:
            received = await answer.json()
    assert [m.get("text") for m in received] == ["Hi, I'm Ana."]


async def test_a_staff_message_reaches_a_socketio_connection_on_the_other_replica(
    replicas: list[Services], shared: Shared
) -> None:
    import socketio

    first, other = (services.rasa_url for services in replicas)
    client = socketio.AsyncClient(reconnection=False)
    received: list[dict[str, Any]] = []
    client.on("bot_uttered", lambda data: received.append(data))
    await client.connect(
        other, transports=["polling"], headers={"X-Forwarded-For": "10.81.0.2"}
    )
    try:
        session_id = "sio-staff-1"
        await client.emit("session_request", {"session_id": session_id})
        ack = await client.call(
            "user_uttered", {"message": "/greet", "session_id": session_id}, timeout=60
        )
        assert ack == {"status": "ok"}
        received.clear()
        status = await staff_message(
            first, shared.api_token, session_id, "Hi, I'm Ana."
        )
        assert status == 200
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.1)
        assert [m.get("text") for m in received] == ["Hi, I'm Ana."]
        assert received[0].get("handoff") == "staff"
    finally:
        await client.eio.disconnect(abort=True)
