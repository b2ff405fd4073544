"""End-to-end: real Rasa and action-server processes, conversations over HTTP.

Uses the model trained by `make train` (the suite never trains); starts both
servers once for the module on free ports with a temporary tracker database.
"""

import json
import sqlite3
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.translations import load_translations
from bot.language.scripts import has_vietnamese_letters
from bot.launch import Services
from bot.settings import ROOT
from tests.e2e.servers import post, running_services

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    yield from running_services(tmp_path_factory, "e2e")


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
    first = chat.say("is there a hotline i can call?")
    assert "Which country" in first
    # The five countries' lines come first: "idk" to the question loses nothing.
    assert first.index("1554") < first.index("Which country")
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


def stored_events(services: Services, sender: str) -> list[dict[str, Any]]:
    with sqlite3.connect(Path(services.settings.tracker_db)) as connection:
        rows = connection.execute(
            "select data from events where sender_id = ? order by id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def test_personal_data_and_images_are_stored_redacted(services: Services) -> None:
    chat = Conversation(services)
    chat.say("he has my number 0917 123 4567 and my email teen.girl@gmail.com")
    chat.say("his ig is @bad_guy_22 and i paid with card 4111 1111 1111 1111")
    reply = chat.say("look https://cdn.example.org/leak/pic.jpg")
    assert "Take It Down" in reply and "don't send pictures" in reply
    status, _ = post(
        f"{services.rasa_url}/webhooks/rest/webhook",
        {
            "sender": chat.sender,
            "message": "see attached",
            "metadata": {"attachments": [{"url": "x"}]},
        },
    )
    assert status == 200
    stored = json.dumps(stored_events(services, chat.sender))
    for secret in (
        "0917",
        "teen.girl@gmail.com",
        "@bad_guy_22",
        "4111",
        "pic.jpg",
        "attachments",
    ):
        assert secret not in stored
    for placeholder in ("[phone]", "[email]", "[handle]", "[card]", "[image]"):
        assert placeholder in stored


def test_delete_my_chat_erases_the_conversation_after_confirmation(
    services: Services,
) -> None:
    chat = Conversation(services)
    chat.say("someone says they will post my pics unless I pay")
    assert "delete" in chat.say("delete my chat")
    assert stored_events(services, chat.sender)
    assert chat.say("yes").startswith("Done.")  # utter_deleted, not ..._failed
    assert stored_events(services, chat.sender) == []


def test_retention_command_deletes_old_conversations(services: Services) -> None:
    import subprocess
    import sys

    chat = Conversation(services)
    chat.say("hello")
    with sqlite3.connect(Path(services.settings.tracker_db)) as connection:
        connection.execute(
            "update events set timestamp = timestamp - 40 * 86400 where sender_id = ?",
            (chat.sender,),
        )
    result = subprocess.run(
        [sys.executable, "-m", "bot.retention", "--days", "30"],
        cwd=ROOT,
        env=services.settings.child_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Deleted" in result.stdout
    assert stored_events(services, chat.sender) == []


def test_crisis_interrupts_the_country_question(services: Services) -> None:
    chat = Conversation(services)
    assert "Which country" in chat.say("is there a hotline i can call?")
    reply = chat.say("i can't do this anymore")
    assert "Are you safe right now?" in reply
    assert "1553" in reply  # all five countries' lines while the country is unknown


def test_tagalog_teen_gets_first_aid_in_tagalog_and_ok_keeps_it(
    services: Services,
) -> None:
    chat = Conversation(services)
    reply = chat.say("may nagbabanta sa akin na ikakalat daw pics ko")
    assert "Hindi mo ito kasalanan" in reply
    assert "Huwag magbayad" in reply
    assert "Take It Down" in reply
    reply = chat.say("ok")  # "yes" to the offer; one shared word keeps Filipino
    assert "Saang bansa ka?" in reply


def test_tagalog_crisis_gets_philippine_numbers_in_tagalog(services: Services) -> None:
    chat = Conversation(services)
    chat.say("taga pinas po ako")
    reply = chat.say("gusto ko na mamatay")
    assert "Ligtas ka ba ngayon?" in reply
    assert "911" in reply and "1553" in reply


def test_parse_detects_tagalog(services: Services) -> None:
    status, parsed = post(
        f"{services.rasa_url}/model/parse", {"text": "pano po mag report sa fb"}
    )
    assert status == 200
    assert parsed["language"]["code"] == "tl"
    assert parsed["language"]["decided"] is True
    assert parsed["intent"]["name"] == "ask_block_report_platform"
    assert parsed["risk"] == "none"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("toi bi doa tung anh", "Đừng trả tiền"),
        ("sy kena ugut nak sebar gambar sy", "Jangan bayar"),
        ("มีคนขู่จะปล่อยรูปผมถ้าไม่จ่ายเงิน", "อย่าจ่ายเงิน"),
        ("ມີຄົນຂູ່ວ່າຈະປ່ອຍຮູບຂ້ອຍ ຖ້າບໍ່ຈ່າຍເງິນໃຫ້ເຂົາ", "ຢ່າຈ່າຍເງິນ"),
    ],
)
def test_first_aid_is_answered_in_the_language_written(
    services: Services, message: str, expected: str
) -> None:
    assert expected in Conversation(services).say(message)


def test_ok_in_a_vietnamese_conversation_is_answered_in_vietnamese(
    services: Services,
) -> None:
    chat = Conversation(services)
    chat.say("làm sao gỡ ảnh của mình trên mạng")
    for undecided in ("👍", "ok"):
        reply = chat.say(undecided)
        assert has_vietnamese_letters(reply), reply


@pytest.mark.parametrize(
    ("where", "crisis", "care", "number"),
    [
        (
            "im in the philippines",
            "i want to end it all tonight",
            "Are you safe",
            "1553",
        ),
        ("taga pinas ako", "wala na kong ganang mabuhay", "Mahalaga ka", "1553"),
        ("sy duduk kat malaysia", "aku rasa nak mati je", "Awak penting", "15999"),
        ("minh o viet nam", "minh muon chet lam roi", "Bạn rất quan trọng", "111"),
        ("อยู่ประเทศไทยค่ะ", "อยากตายมากเลยตอนนี้", "คุณสำคัญ", "1323"),
        ("ຂ້ອຍຢູ່ລາວ", "ຢາກຕາຍແທ້ໆ ບໍ່ໄຫວແລ້ວ", "ເຈົ້າສຳຄັນ", "1554"),
    ],
)
def test_crisis_is_answered_in_the_language_with_the_country_lines(
    services: Services, where: str, crisis: str, care: str, number: str
) -> None:
    chat = Conversation(services)
    chat.say(where)
    reply = chat.say(crisis)
    assert care in reply
    assert number in reply


def test_server_logs_carry_no_message_text(services: Services) -> None:
    assert services.log is not None
    secret = f"my number is 0917 555 {uuid.uuid4().int % 10000:04d} pls help"
    chat = Conversation(services)
    chat.say(secret)
    chat.say("gusto ko na mamatay")
    logged = services.log.read_text(errors="replace")
    assert "INFO" in logged, "the servers' log is empty: nothing was checked"
    assert secret not in logged
    assert "0917 555" not in logged
    assert "mamatay" not in logged


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("ລາວຂູ່ວ່າຈະປ່ອຍຮູບຂ້ອຍ", []),  # "he threatens to release my pics"
        ("ລາວຂູ່ຂ້ອຍ", []),  # "he threatens me"
        ("ຂ້ອຍຢູ່ລາວ", ["LA"]),  # "I am in Laos"
        ("nasa malaysia po ako", ["MY"]),
        ("my bf wants pics", []),  # "my" is not Malaysia
    ],
)
def test_parse_finds_countries_but_not_lookalike_words(
    services: Services, text: str, countries: list[str]
) -> None:
    status, parsed = post(f"{services.rasa_url}/model/parse", {"text": text})
    assert status == 200
    found = [e["value"] for e in parsed["entities"] if e["entity"] == "country"]
    assert found == countries


def response_text(language: str, name: str) -> str:
    """A response's first text in a language (domain.yml for English)."""
    if language == "en":
        domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
        return str(domain["responses"][name][0]["text"])
    table = load_translations(ROOT / "data" / "translations")[language]
    return str(table[name][0]["text"])


# (language, where, crisis, no, not really, idk, I'm safe)
AFTER_CRISIS = [
    (
        "en",
        "im in the philippines",
        "honestly i just want to end my life",
        "no",
        "not really",
        "idk",
        "ok im safe now, my mom is home",
    ),
    (
        "tl",
        "taga pinas ako",
        "ayoko na talagang mabuhay, gusto ko na lang mamatay",
        "hindi",
        "hindi naman masyado",
        "ewan ko",
        "ligtas na ako ngayon, nandito na si mama",
    ),
    (
        "ms",
        "sy duduk kat malaysia",
        "sy rasa nak bunuh diri je malam ni",
        "tak",
        "tak sangat",
        "entah la",
        "sy dah selamat sekarang, ada dgn mak",
    ),
    (
        "vi",
        "minh o viet nam",
        "em không muốn sống nữa, em muốn chết",
        "không",
        "không hẳn",
        "em không biết",
        "em an toàn rồi, mẹ em về rồi",
    ),
    (
        "th",
        "อยู่ประเทศไทยค่ะ",
        "หนูไม่อยากมีชีวิตอยู่แล้ว อยากตาย",
        "ไม่",
        "ไม่ค่อย",
        "ไม่รู้",
        "หนูปลอดภัยแล้วค่ะ แม่กลับมาแล้ว",
    ),
    (
        "lo",
        "ຂ້ອຍຢູ່ລາວ",
        "ຂ້ອຍບໍ່ຢາກມີຊີວິດຢູ່ແລ້ວ ຢາກຕາຍ",
        "ບໍ່",
        "ບໍ່ປານໃດ",
        "ບໍ່ຮູ້",
        "ຂ້ອຍປອດໄພແລ້ວ ແມ່ກັບມາແລ້ວ",
    ),
]


@pytest.mark.parametrize(
    ("language", "where", "crisis", "no", "not_really", "idk", "safe"), AFTER_CRISIS
)
def test_after_a_crisis_only_a_clear_safe_gets_im_glad(
    services: Services,
    language: str,
    where: str,
    crisis: str,
    no: str,
    not_really: str,
    idk: str,
    safe: str,
) -> None:
    glad = response_text(language, "utter_crisis_safe")
    question = response_text(language, "utter_crisis_check")
    number = {"en": "1553", "tl": "1553", "ms": "999", "vi": "111", "th": "1323"}.get(
        language, "1554"
    )
    chat = Conversation(services)
    chat.say(where)
    first = chat.say(crisis)
    assert question in first
    # "" is silence: an empty message (the classifier may call it affirm)
    for reply_to_question in (no, not_really, idk, ""):
        reply = chat.say(reply_to_question)
        assert glad not in reply, (reply_to_question, reply)
        assert number in reply, (reply_to_question, reply)
        assert question in reply, (reply_to_question, reply)
    assert glad in chat.say(safe)


def test_a_request_for_a_counsellor_is_not_a_crisis(services: Services) -> None:
    for text in (
        "cho em xin số tư vấn",
        "em muốn gặp tư vấn viên",
        "cho em xin so tu van",
        "can i talk to a counsellor please",
    ):
        status, parsed = post(f"{services.rasa_url}/model/parse", {"text": text})
        assert status == 200
        assert parsed["risk"] == "none", text
        assert parsed["intent"]["name"] in ("ask_helpline", "request_human"), parsed


@pytest.mark.parametrize(
    "text",
    [
        "the traffic was terrible this morning",
        "I watched a film last night with my cousins",
        "what's the best credit card for travel rewards",
        "gambar tu, tu bukan saya",
        "hôm nay trời đẹp quá",
        "วันนี้ฝนตกหนักมาก",
        "ຂ້າພະເຈົ້າຂໍຂອບໃຈ",
    ],
)
def test_ordinary_text_is_not_a_crisis(services: Services, text: str) -> None:
    status, parsed = post(f"{services.rasa_url}/model/parse", {"text": text})
    assert status == 200
    assert parsed["risk"] == "none", parsed
    assert parsed["intent"]["name"] not in ("crisis_self_harm", "immediate_danger")


def test_an_elevated_message_gets_the_caring_question_first(
    services: Services,
) -> None:
    chat = Conversation(services)
    reply = chat.say("sometimes i wish i could just disappear")
    assert response_text("en", "utter_concern_check") in reply
    assert "1553" not in reply
    assert response_text("en", "utter_crisis_check") in chat.say("yes")


# (language, an elevated message, "no", "I don't know") per language.
CARING_QUESTION = [
    ("en", "sometimes i wish i could just disappear", "no", "idk"),
    ("tl", "nawalan na ako ng pag-asa", "hindi", "ewan ko"),
    ("ms", "aku rasa aku tak berguna", "tak", "entah la"),
    ("vi", "mình thấy bế tắc quá", "không", "em không biết"),
    ("th", "หนูหมดหวังกับชีวิต", "ไม่", "ไม่รู้"),
    ("lo", "ຂ້ອຍຮູ້ສຶກໄຮ້ຄ່າ", "ບໍ່", "ບໍ່ຮູ້"),
]


@pytest.mark.parametrize(("language", "elevated", "no", "idk"), CARING_QUESTION)
def test_the_caring_question_unclear_or_silence_leads_to_the_crisis_answer(
    services: Services, language: str, elevated: str, no: str, idk: str
) -> None:
    caring = response_text(language, "utter_concern_check")
    crisis = response_text(language, "utter_crisis_check")
    # "I don't know" and silence (an empty message) are not a "no".
    for unclear in (idk, ""):
        chat = Conversation(services)
        assert caring in chat.say(elevated)
        reply = chat.say(unclear)
        assert crisis in reply, (unclear, reply)
    # A clear no goes back to the topic or the menu, never the crisis script.
    chat = Conversation(services)
    assert caring in chat.say(elevated)
    reply = chat.say(no)
    assert crisis not in reply and caring not in reply, reply


def test_talk_to_a_person_lists_helplines_at_once_and_evidence_keeps_the_order(
    services: Services,
) -> None:
    """Issue 14: the handoff answer lists numbers before asking; Take It Down first."""
    chat = Conversation(services)
    reply = chat.say("/request_human")
    assert response_text("en", "utter_request_human") in reply
    for number in ("#163", "1553", "15999", "1323", "111", "1554"):
        assert number in reply, number
    assert reply.index("1554") < reply.index("Which country")
    assert "15999" in chat.say("Malaysia")
    evidence = chat.say("/ask_evidence")
    assert evidence.index("Take It Down") < evidence.index("delete")
