"""End-to-end: real Rasa and action-server processes, conversations over HTTP.

Uses the model trained by `make train` (the suite never trains); starts both
servers once for the module on free ports with a temporary tracker database.
"""

import json
import socket
import sqlite3
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.launch import Services
from bot.settings import ROOT, Settings

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    models = sorted((ROOT / "models").glob("*.tar.gz"))
    assert models, "no trained model in models/: run `make train` (make test does)"
    work = tmp_path_factory.mktemp("e2e")
    settings = Settings(
        rasa_port=free_port(), actions_port=free_port(), tracker_db=work / "rasa.db"
    )
    running = Services(settings, model=models[-1])
    running.start(log=work / "servers.log")
    try:
        running.wait_ready(timeout=240)
    except RuntimeError:
        running.stop()
        print((work / "servers.log").read_text(errors="replace")[-4000:])
        raise
    yield running
    running.stop()


def post(url: str, body: Any) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Conversation:
    def __init__(self, services: Services) -> None:
        self.url = f"{services.rasa_url}/webhooks/rest/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:8]}"

    def say(self, text: str) -> str:
        status, replies = post(self.url, {"sender": self.sender, "message": text})
        assert status == 200, replies
        assert replies, f"no answer to {text!r}"
        return "\n".join(r.get("text", "") for r in replies)


def test_threatened_teen_gets_first_aid(services: Services) -> None:
    reply = Conversation(services).say(
        "someone says they will post my pics unless I pay"
    )
    assert "not your fault" in reply
    assert "Don't pay" in reply
    assert "Take It Down" in reply


def test_crisis_gets_the_emergency_number_of_the_country_given(
    services: Services,
) -> None:
    chat = Conversation(services)
    chat.say("i'm in the philippines")
    reply = chat.say("i don't want to live anymore")
    assert "911" in reply
    assert "1553" in reply
    assert "Are you safe right now?" in reply


def test_crisis_without_country_lists_all_five(services: Services) -> None:
    reply = Conversation(services).say("he knows where i live and he is coming now")
    for number in ("911", "999", "191", "113", "1191"):
        assert number in reply


def test_helpline_question_asks_for_the_country_then_answers(
    services: Services,
) -> None:
    chat = Conversation(services)
    assert "Which country" in chat.say("is there a hotline i can call?")
    assert "15999" in chat.say("Malaysia")


def test_parse_returns_contract_intent_and_language(services: Services) -> None:
    status, parsed = post(
        f"{services.rasa_url}/model/parse", {"text": "how do i report him on instagram"}
    )
    assert status == 200
    assert parsed["intent"]["name"] == "ask_block_report_platform"
    assert parsed["language"]["code"] == "en"
    assert set(parsed["language"]) == {"code", "confidence", "decided"}
    assert {"entity": "platform", "value": "instagram"}.items() <= parsed["entities"][
        0
    ].items()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"not json", "JSON"),
        ({"message": "hi"}, "sender"),
        ({"sender": "x", "message": 5}, "message"),
        ({"sender": "x", "message": "a" * 5000}, "at most"),
    ],
)
def test_bad_input_gets_a_clear_400(services: Services, body: Any, error: str) -> None:
    status, reply = post(f"{services.rasa_url}/webhooks/rest/webhook", body)
    assert status == 400
    assert error in reply["error"]


def test_web_chat_page_is_served(services: Services) -> None:
    with urllib.request.urlopen(
        f"{services.rasa_url}/webhooks/webchat/", timeout=10
    ) as reply:
        page = reply.read().decode()
    assert "<form" in page and "webhook" in page


def test_conversations_are_stored_in_sqlite(services: Services) -> None:
    chat = Conversation(services)
    chat.say("hello")
    database = Path(services.settings.tracker_db)
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "select count(*) from events where sender_id = ?", (chat.sender,)
        ).fetchone()
    assert rows[0] > 0
