"""End-to-end: a real socket.io client talks to the real servers.

Real Rasa and action-server processes on free ports with a temporary tracker
database (as tests/e2e/test_conversations.py), credentials.yml's socket.io
channel, python-socketio's client. Replies must arrive as `bot_uttered`
(Rasa 3.6's own channel delivered none), be stored, and bad input must be
refused with `input_error` without being stored or breaking the server.

The client uses the long-polling transport: python-engineio's websocket client
needs aiohttp >= 3.10, and Rasa 3.6 pins aiohttp < 3.10. Browsers' widgets
upgrade to websockets, which the server side supports.
"""

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.launch import Services
from tests.e2e.servers import running_services
from tests.e2e.socket_chat import Chat

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    yield from running_services(tmp_path_factory, "e2e_socketio")


@pytest.fixture
def chat(services: Services) -> Iterator[Chat]:
    connection = Chat(services)
    yield connection
    connection.close()


def stored(services: Services, sender: str) -> list[dict[str, Any]]:
    with sqlite3.connect(Path(services.settings.tracker_db)) as connection:
        rows = connection.execute(
            "select data from events where sender_id = ? order by id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def new_session() -> str:
    return uuid.uuid4().hex


def test_english_conversation_with_crisis_arrives_and_is_stored(
    services: Services, chat: Chat
) -> None:
    session = new_session()
    chat.start_session(session)
    reply = chat.say(session, "someone says they will post my pics unless I pay")
    assert "not your fault" in reply and "Take It Down" in reply
    reply = chat.say(session, "he knows where i live and he is coming now")
    for number in ("911", "999", "191", "113", "1191"):  # every country's line
        assert number in reply, reply
    events = stored(services, session)
    said = [e["text"] for e in events if e["event"] == "user"]
    assert said[0] == "someone says they will post my pics unless I pay"
    bot = " ".join(e.get("text") or "" for e in events if e["event"] == "bot")
    assert "Take It Down" in bot and "1191" in bot


def test_vietnamese_crisis_gets_vietnams_lines_in_vietnamese(
    services: Services, chat: Chat
) -> None:
    session = new_session()
    chat.start_session(session)
    chat.say(session, "minh o viet nam")
    reply = chat.say(session, "minh muon chet lam roi")
    assert "Bạn rất quan trọng" in reply
    assert "111" in reply
    bot = " ".join(
        e.get("text") or "" for e in stored(services, session) if e["event"] == "bot"
    )
    assert "Bạn rất quan trọng" in bot


def test_thai_message_without_session_request_is_answered_in_thai(
    services: Services, chat: Chat
) -> None:
    session = new_session()
    chat.say(session, "อยู่ประเทศไทยค่ะ")
    reply = chat.say(session, "อยากตายมากเลยตอนนี้")
    assert "คุณสำคัญ" in reply and "1323" in reply


def test_oversized_message_and_huge_session_id_are_refused_and_not_stored(
    services: Services, chat: Chat
) -> None:
    session = new_session()
    chat.start_session(session)
    ack, events = chat.send({"message": "x" * 5000, "session_id": session})
    assert "at most 4000" in ack["error"]
    assert events == [("input_error", ack)]
    long_id = "s" * 10_000
    ack, events = chat.send({"message": "hello", "session_id": long_id})
    assert "at most 128" in ack["error"]
    assert events == [("input_error", ack)]
    assert stored(services, session) == []
    assert stored(services, long_id) == []
    # The same connection still works afterwards.
    assert "not your fault" in chat.say(
        session, "someone says they will post my pics unless I pay"
    )
    assert [e["text"] for e in stored(services, session) if e["event"] == "user"] == [
        "someone says they will post my pics unless I pay"
    ]


def test_a_900_kb_event_is_refused_by_the_transport_and_not_stored(
    services: Services,
) -> None:
    session = new_session()
    chat = Chat(services)
    try:
        chat.start_session(session)
        chat.client.emit(
            "user_uttered", {"message": "x" * 900_000, "session_id": session}
        )
        deadline = time.monotonic() + 60
        while chat.client.connected:  # the server refused the body: disconnected
            assert time.monotonic() < deadline, "still connected"
            time.sleep(0.1)
        assert not [e for e in chat.take() if e[0] == "bot_uttered"]
    finally:
        chat.close()
    assert stored(services, session) == []
    chat = Chat(services)  # a new connection to the same session works
    try:
        assert "Take It Down" in chat.say(
            session, "someone says they will post my pics unless I pay"
        )
    finally:
        chat.close()


def test_control_characters_are_removed_before_storing(
    services: Services, chat: Chat
) -> None:
    session = new_session()
    chat.say(session, "hello\x00\x1b[31m there")
    said = [e["text"] for e in stored(services, session) if e["event"] == "user"]
    assert said == ["hello[31m there"]


TEXT = st.text(max_size=300) | st.text(
    alphabet=st.characters(max_codepoint=0x20), max_size=40
)
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
SESSION_IDS = st.just("fuzz-session") | st.text(max_size=140) | VALUES
MESSAGES = (
    TEXT
    | VALUES
    | st.binary(max_size=64)
    | st.sampled_from(["x" * 4001, "ก" * 4001, "\x00" * 4000, "/restart"])
)
PAYLOADS = (
    VALUES
    | st.fixed_dictionaries(
        {},
        optional={
            "message": MESSAGES,
            "session_id": SESSION_IDS,
            "metadata": VALUES,
            "attachment": VALUES,
        },
    )
    # Well-formed messages with any text, so that many reach Rasa.
    | st.fixed_dictionaries(
        {"message": TEXT, "session_id": st.just("fuzz-session")},
        optional={"metadata": st.dictionaries(st.text(max_size=8), VALUES)},
    )
)


def test_arbitrary_payloads_never_break_the_socketio_endpoint(
    services: Services,
) -> None:
    assert services.log is not None
    log_start = services.log.stat().st_size
    answers: list[Any] = []

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(payload=PAYLOADS)
    def check(payload: Any) -> None:
        chat = Chat(services)
        try:
            ack, events = chat.send(payload)
        finally:
            chat.close()
        answers.append(ack)
        # Handled (replies may be empty for a stray "/restart") or refused
        # with a reason; never a store failure, never silence.
        assert ack == {"status": "ok"} or set(ack) == {"error"}, ack
        if "error" in ack:
            assert events == [("input_error", ack)]

    check()
    assert any(a == {"status": "ok"} for a in answers), "nothing got through"
    assert any("error" in a for a in answers), "nothing was refused"
    with open(services.log, "rb") as log:
        log.seek(log_start)
        logged = log.read().decode(errors="replace")
    assert "Traceback" not in logged
    assert " ERROR " not in logged and "[ERROR]" not in logged
    # And a normal conversation still gets its reply.
    chat = Chat(services)
    try:
        assert "not your fault" in chat.say(
            new_session(), "someone says they will post my pics unless I pay"
        )
    finally:
        chat.close()
    with sqlite3.connect(Path(services.settings.tracker_db)) as connection:
        (largest,) = connection.execute(
            "select max(length(data)) from events"
        ).fetchone()
    assert largest < 200_000  # a 900 KB message once became a 9.8 MB row
