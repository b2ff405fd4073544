"""End-to-end: a person on socket.io reaches helpline staff working in the console.

Rasa, the action server and the staff console run as real processes on free
ports (`Services`, what `make run` starts), with temporary SQLite databases.
Staff work through the console's JSON API (the pages use the same routes; the
browser tests in tests/browser/ drive them); the person uses python-socketio's
client, as a web widget would. Timings of the same paths are printed by
`python -m benchmarks.handoff`, not asserted here.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any, Optional

import pytest
import yaml

from bot.launch import Services
from bot.settings import ROOT
from tests.e2e.servers import post, running_services
from tests.e2e.socket_chat import Chat, texts

pytestmark = pytest.mark.e2e

ADMIN = ("supervisor", "a long supervisor passphrase")
COUNSELLOR_TL = ("maria", "another long passphrase")
COUNSELLOR_TH = ("somchai", "a third long passphrase")


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    yield from running_services(
        tmp_path_factory,
        "e2e_handoff",
        console_enabled=True,
        console_admin_user=ADMIN[0],
        console_admin_password=ADMIN[1],
        handoff_wait=600,
    )


def add_staff(services: Services, user: tuple[str, str], languages: str) -> None:
    """Add a counsellor with the documented CLI (password on stdin)."""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bot.handoff", "add-staff", user[0]),
            *("--role", "counsellor", "--languages", languages, "--password-stdin"),
        ],
        input=user[1] + "\n",
        text=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, **services.settings.child_environment()},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


class Staff:
    """A staff member using the console's JSON API with a Bearer token."""

    def __init__(self, services: Services, user: tuple[str, str]) -> None:
        self.base = services.console_url
        status, body = post(
            f"{self.base}/api/login", {"username": user[0], "password": user[1]}
        )
        assert status == 200, body
        self.headers = {"Authorization": f"Bearer {body['token']}"}

    def get(self, path: str) -> tuple[int, Any]:
        request = urllib.request.Request(self.base + path, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        return post(self.base + path, body, timeout=30, headers=self.headers)

    def waiting(self) -> list[dict[str, Any]]:
        status, body = self.get("/api/handoffs?status=waiting")
        assert status == 200, body
        return list(body)

    def wait_for_handoff(
        self, language: str, timeout: float = 30
    ) -> Optional[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self.waiting():
                if item["language"] == language:
                    return item
            time.sleep(0.2)
        return None


def helpline_numbers(country: Optional[str] = None) -> set[str]:
    """Numbers of the verified directory (one country's or all)."""
    directory = yaml.safe_load((ROOT / "data" / "helplines.yml").read_text())
    found: set[str] = set()

    def walk(node: Any, inside: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                here = inside or country is None or key == country
                if key in ("number", "phone") and here and isinstance(value, str):
                    found.add(value)
                walk(value, here)
        elif isinstance(node, list):
            for value in node:
                walk(value, inside)

    walk(directory, False)
    return found


@pytest.fixture
def chat(services: Services) -> Iterator[Chat]:
    connection = Chat(services)
    yield connection
    connection.close()


def test_tagalog_request_reaches_a_counsellor_and_back(
    services: Services, chat: Chat
) -> None:
    add_staff(services, COUNSELLOR_TL, "tl,en")
    staff = Staff(services, COUNSELLOR_TL)
    session = uuid.uuid4().hex
    chat.start_session(session)

    asked = chat.say(session, "pwede po ba ako makausap ng totoong tao?")
    handoff = staff.wait_for_handoff("tl")
    assert handoff is not None, f"no waiting Tagalog handoff; the bot said {asked!r}"
    assert handoff["channel"] == "socketio"
    assert session not in json.dumps(handoff)  # staff never see the id

    status, claimed = staff.post(f"/api/handoffs/{handoff['id']}/claim", {})
    assert status == 200, claimed
    joined = texts(chat.wait_for(lambda events: texts(events)))
    assert joined, "the person was not told someone joined"

    status, body = staff.post(
        f"/api/handoffs/{handoff['id']}/messages",
        {"text": "Kumusta, ako si Maria mula sa helpline. Nandito ako."},
    )
    assert status == 200, body
    received = chat.wait_for(
        lambda events: any("ako si Maria" in t for t in texts(events))
    )
    assert any(
        d.get("handoff") == "staff" and "ako si Maria" in d.get("text", "")
        for e, d in received
        if e == "bot_uttered"
    ), received  # marked as a person's message

    # The person's reply reaches the transcript, and the bot stays quiet.
    ack, events = chat.send(
        {"message": "salamat po, natatakot po ako", "session_id": session}
    )
    assert ack == {"status": "ok"}, ack
    time.sleep(2)
    assert texts(events + chat.take()) == []
    deadline = time.monotonic() + 15
    while True:
        status, detail = staff.get(f"/api/handoffs/{handoff['id']}")
        assert status == 200, detail
        said = [m["text"] for m in detail["transcript"] if m["sender"] == "user"]
        if "salamat po, natatakot po ako" in said:
            break
        assert time.monotonic() < deadline, detail["transcript"]
        time.sleep(0.2)
    assert session not in json.dumps(detail)
    assert detail["urgent"] is False

    # A crisis message while the counsellor holds it: still no bot answer (the
    # person is talking to a human), but the handoff becomes urgent.
    ack, events = chat.send(
        {"message": "ayoko na po mabuhay, gusto ko na mamatay", "session_id": session}
    )
    assert ack == {"status": "ok"}, ack
    deadline = time.monotonic() + 15
    while not staff.get(f"/api/handoffs/{handoff['id']}")[1]["urgent"]:
        assert time.monotonic() < deadline, "the crisis did not make it urgent"
        time.sleep(0.2)
    assert staff.get(f"/api/handoffs/{handoff['id']}")[1]["risk"] == "high"
    assert texts(events + chat.take()) == []

    # Closing hands the person back to the assistant, which answers again.
    status, body = staff.post(
        f"/api/handoffs/{handoff['id']}/close", {"outcome": "supported"}
    )
    assert status == 200, body
    back = chat.wait_for(lambda events: texts(events))
    assert texts(back)
    assert chat.say(session, "ano ang sextortion?")


def test_a_thai_crisis_is_urgent_and_first_in_the_queue(
    services: Services, chat: Chat
) -> None:
    add_staff(services, COUNSELLOR_TH, "th")
    supervisor = Staff(services, ADMIN)
    first = uuid.uuid4().hex
    chat.start_session(first)
    chat.say(first, "can I talk to a real person please")
    assert any(h["language"] == "en" for h in supervisor.waiting())

    other = Chat(services)
    try:
        session = uuid.uuid4().hex
        other.start_session(session)
        reply = other.say(session, "หนูไม่อยากมีชีวิตอยู่แล้ว")
        assert "1323" in reply or "1300" in reply, reply  # the crisis numbers first
        deadline = time.monotonic() + 30
        while True:
            queue = supervisor.waiting()
            if queue and queue[0]["language"] == "th":
                break
            assert time.monotonic() < deadline, queue
            time.sleep(0.2)
        assert queue[0]["risk"] == "high" and queue[0]["urgent"] is True
        assert [h["language"] for h in queue].index("en") > 0
        # The Thai counsellor sees it; a Tagalog counsellor does not.
        assert Staff(services, COUNSELLOR_TH).waiting()[0]["id"] == queue[0]["id"]
        add_staff(services, ("tl_only", "tl only passphrase!"), "tl")
        only_tl = Staff(services, ("tl_only", "tl only passphrase!"))
        assert all(h["language"] != "th" for h in only_tl.waiting())
        status, _ = only_tl.get(f"/api/handoffs/{queue[0]['id']}")
        assert status == 403
    finally:
        other.close()


def test_rasa_api_needs_the_token_once_the_console_talks_to_it(
    services: Services,
) -> None:
    token = services.settings.api_token
    assert token, "the launcher makes a token when the console runs"
    url = f"{services.rasa_url}/conversations/someone/tracker"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=30)
    assert refused.value.code in (401, 403)
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert reply.status == 200


def test_web_chat_page_users_get_staff_messages_by_long_polling(
    services: Services,
) -> None:
    supervisor = Staff(services, ADMIN)
    sender = "web-" + uuid.uuid4().hex
    webhook = f"{services.rasa_url}/webhooks/webchat/webhook"
    status, replies = post(webhook, {"sender": sender, "message": "/greet"})
    assert status == 200, replies
    status, replies = post(
        webhook, {"sender": sender, "message": "boleh saya cakap dengan orang betul?"}
    )
    assert status == 200 and replies, replies
    handoff = supervisor.wait_for_handoff("ms")
    assert handoff is not None and handoff["channel"] == "webchat", handoff
    assert supervisor.post(f"/api/handoffs/{handoff['id']}/claim", {})[0] == 200
    status, body = supervisor.post(
        f"/api/handoffs/{handoff['id']}/messages", {"text": "Hai, saya di sini."}
    )
    assert status == 200, body
    updates = f"{services.rasa_url}/webhooks/webchat/updates?sender={sender}&wait=10"
    received: list[str] = []
    deadline = time.monotonic() + 30
    while not any("saya di sini" in t for t in received):
        assert time.monotonic() < deadline, received
        with urllib.request.urlopen(updates, timeout=30) as reply:
            received += [m.get("text", "") for m in json.loads(reply.read())]
    assert (
        supervisor.post(
            f"/api/handoffs/{handoff['id']}/close", {"outcome": "supported"}
        )[0]
        == 200
    )


def test_without_the_console_the_person_still_gets_the_numbers(
    services: Services, chat: Chat
) -> None:
    console = services.console
    assert console is not None
    console.terminate()
    console.wait(timeout=30)
    session = uuid.uuid4().hex
    chat.start_session(session)
    chat.say(session, "I'm from the Philippines")
    reply = chat.say(session, "i want to talk to a human")
    numbers = helpline_numbers("PH")
    assert numbers and any(number in reply for number in numbers), reply
