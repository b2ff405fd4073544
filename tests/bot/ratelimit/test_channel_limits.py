"""Rate limits in the channels and the HTTP guard, in-process (a fake Rasa handler).

A conversation over its limit and an address over its limit get the kind
`utter_rate_limited` answer, in the language of the message, and Rasa never
sees the message. The limits shared by real replicas are in
tests/e2e/test_replicas.py.
"""

import uuid
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
import pytest_asyncio
from sanic import Sanic

from bot.channels.notice import StoreNotice
from bot.channels.rest import CheckedRestInput
from bot.channels.socketio import CheckedSocketIOInput
from bot.http import guard
from bot.ratelimit import http as address_http
from bot.ratelimit.counters import MemoryCounters
from bot.ratelimit.limiter import RateLimiter
from bot.ratelimit.rules import ADDRESS, SENDER, Limit
from bot.settings import ROOT, Settings
from tests.bot.channels.test_channels import SERVING, Client, FakeRasa, free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")
KIND = StoreNotice.load(
    ROOT / "domain.yml", ROOT / "data" / "translations", "utter_rate_limited"
).texts
ADDRESS_LIMIT = 30
LIMITER = RateLimiter(
    MemoryCounters(), {SENDER: Limit(2, 600), ADDRESS: Limit(ADDRESS_LIMIT, 600)}
)


@pytest.fixture(scope="module")
def small_limits() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("bot.channels.base.limiter", lambda: LIMITER)
        patch.setattr(address_http, "limiter", lambda: LIMITER)
        yield


class Running:
    def __init__(self, url: str, rasa: FakeRasa) -> None:
        self.url, self.rasa = url, rasa


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(small_limits: None) -> AsyncIterator[Running]:
    import asyncio

    Sanic.test_mode = True
    app = Sanic(f"limits_{uuid.uuid4().hex[:8]}")
    rasa = FakeRasa()
    for channel in (
        CheckedRestInput(),
        CheckedSocketIOInput.from_credentials({"session_persistence": True}),
    ):
        app.blueprint(
            channel.blueprint(rasa), url_prefix=f"/webhooks/{channel.url_prefix()}"
        )
    # The guard as on the Rasa server, behind one trusted proxy.
    guard.install(app, Settings(proxies_count=1))
    port = free_port()
    served = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True
    )
    assert served is not None
    await served.startup()
    SERVING.add(asyncio.ensure_future(served.serve_forever()))
    yield Running(f"http://127.0.0.1:{port}", rasa)
    served.close()
    await served.wait_closed()


async def post(url: str, body: dict, address: str) -> tuple[int, dict, object]:
    headers = {"X-Forwarded-For": address}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as reply,
    ):
        return reply.status, dict(reply.headers), await reply.json()


async def test_a_conversation_over_its_limit_gets_the_kind_answer_unprocessed(
    server: Running,
) -> None:
    url = f"{server.url}/webhooks/rest/webhook"
    for number in range(2):
        status, _, _ = await post(
            url, {"sender": "fast", "message": f"m{number}"}, "10.1.0.1"
        )
        assert status == 200
    seen = len(server.rasa.seen)
    status, headers, replies = await post(
        url,
        {"sender": "fast", "message": "Tôi cần giúp đỡ, làm ơn trả lời tôi"},
        "10.1.0.2",
    )
    assert status == 429
    assert 0 < int(headers["Retry-After"]) <= 600
    assert replies == [{"recipient_id": "fast", "text": KIND["vi"]}]
    assert len(server.rasa.seen) == seen  # Rasa never saw it
    # Someone else is not affected.
    status, _, replies = await post(
        url, {"sender": "calm", "message": "hi"}, "10.1.0.3"
    )
    assert status == 200 and replies == [{"recipient_id": "calm", "text": "echo hi"}]


async def test_socketio_over_the_limit_is_told_kindly(server: Running) -> None:
    client = Client()
    # Its own address: engine.io's polling requests count per address too.
    await client.sio.connect(
        server.url, transports=["polling"], headers={"X-Forwarded-For": "10.4.0.1"}
    )
    try:
        session = "sio-" + uuid.uuid4().hex[:8]
        await client.sio.emit("session_request", {"session_id": session})
        for number in range(2):
            ack = await client.send({"message": f"m{number}", "session_id": session})
            assert ack == {"status": "ok"}
        ack = await client.send({"message": "hello again", "session_id": session})
        assert ack == {"status": "rate_limited"}
        assert client.texts()[-1] == KIND["en"]
        assert "hello again" not in [m.text for m in server.rasa.seen]
    finally:
        await client.close()


async def test_an_address_over_its_limit_is_refused_before_any_channel(
    server: Running,
) -> None:
    url = f"{server.url}/webhooks/rest/webhook"
    for number in range(ADDRESS_LIMIT):
        status, _, _ = await post(
            url, {"sender": f"p{number}", "message": "hi"}, "10.2.0.9"
        )
        assert status == 200
    seen = len(server.rasa.seen)
    status, headers, replies = await post(
        url, {"sender": "p9", "message": "Saya perlukan bantuan sekarang"}, "10.2.0.9"
    )
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert replies == [{"recipient_id": "p9", "text": KIND["ms"]}]
    assert len(server.rasa.seen) == seen
    # Other paths of that address: a plain JSON error carrying the same words.
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{server.url}/webhooks/rest/updates?sender=p9",
            headers={"X-Forwarded-For": "10.2.0.9"},
        ) as reply,
    ):
        assert reply.status == 429
        assert await reply.json() == {"error": KIND["en"]}
    # Another address behind the same proxy is served.
    status, _, _ = await post(url, {"sender": "p10", "message": "hi"}, "10.2.0.10")
    assert status == 200


async def test_a_bad_sender_is_never_echoed_in_the_refusal(server: Running) -> None:
    url = f"{server.url}/webhooks/rest/webhook"
    address = "10.3.0.1"
    for number in range(ADDRESS_LIMIT):
        await post(url, {"sender": f"q{number}", "message": "hi"}, address)
    status, _, replies = await post(
        url, {"sender": "<script>", "message": "hi"}, address
    )
    assert status == 429
    assert replies == [{"recipient_id": "", "text": KIND["en"]}]


def test_every_language_has_the_kind_answer() -> None:
    assert set(KIND) == {"en", "tl", "ms", "vi", "th", "lo"}
    assert len(set(KIND.values())) == 6


async def test_requests_from_this_machine_are_not_counted_per_address(
    server: Running,
) -> None:
    url = f"{server.url}/webhooks/rest/webhook"
    async with aiohttp.ClientSession() as session:
        for number in range(ADDRESS_LIMIT + 5):  # no X-Forwarded-For: 127.0.0.1
            async with session.post(
                url, json={"sender": f"local-{number}", "message": "hi"}
            ) as reply:
                assert reply.status == 200
