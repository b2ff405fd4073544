import pytest

from bot.channels.numbered import ButtonMemory, numbered_text, text_parts

BUTTONS = [
    {"title": "I'm a parent", "payload": "/i_am_parent"},
    {"title": "I'm a teen", "payload": '/i_am_teen{"age": "teen"}'},
]


def test_numbered_text() -> None:
    assert numbered_text("Who are you?", BUTTONS) == (
        "Who are you?\n1. I'm a parent\n2. I'm a teen"
    )
    assert numbered_text("", BUTTONS) == "1. I'm a parent\n2. I'm a teen"
    assert numbered_text("Just text", []) == "Just text"


@pytest.mark.parametrize(
    ("reply", "resolved"),
    [
        ("1", "/i_am_parent"),
        (" 2 ", '/i_am_teen{"age": "teen"}'),
        ("๒", '/i_am_teen{"age": "teen"}'),  # Thai digit two
        ("i'M A TEEN", '/i_am_teen{"age": "teen"}'),
        ("3", "3"),
        ("0", "0"),
        ("hello", "hello"),
        ("1 2", "1 2"),
    ],
)
def test_a_reply_maps_back_to_the_payload(reply: str, resolved: str) -> None:
    memory = ButtonMemory()
    memory.remember("u1", BUTTONS)
    assert memory.resolve("u1", reply) == resolved


def test_buttons_belong_to_their_recipient_and_can_be_forgotten() -> None:
    memory = ButtonMemory()
    memory.remember("u1", BUTTONS)
    assert memory.resolve("u2", "1") == "1"
    memory.forget("u1")
    assert memory.resolve("u1", "1") == "1"
    memory.remember("u1", BUTTONS)
    memory.remember("u1", [])  # a message without buttons replaces them
    assert memory.resolve("u1", "1") == "1"


def test_a_button_without_payload_answers_its_title() -> None:
    memory = ButtonMemory()
    memory.remember("u1", [{"title": "Yes"}])
    assert memory.resolve("u1", "1") == "Yes"


def test_the_least_recent_recipients_are_forgotten() -> None:
    memory = ButtonMemory(size=2)
    for recipient in ("a", "b", "c"):
        memory.remember(recipient, BUTTONS)
    assert memory.resolve("a", "1") == "1"
    assert memory.resolve("c", "1") == "/i_am_parent"


def test_text_parts_cut_at_paragraphs_lines_then_spaces() -> None:
    assert text_parts("short", 10) == ["short"]
    assert text_parts("", 10) == [""]
    assert text_parts("aaaa\n\nbbbb cccc", 10) == ["aaaa", "bbbb cccc"]
    assert text_parts("aaaa bbbb\ncccc", 10) == ["aaaa bbbb", "cccc"]
    assert text_parts("aaaa bbbb cccc", 10) == ["aaaa bbbb", "cccc"]
    assert text_parts("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    long = "word " * 1000
    parts = text_parts(long, 100)
    assert all(len(part) <= 100 for part in parts)
    assert " ".join(parts).split() == long.split()
