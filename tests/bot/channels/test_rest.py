import json

import pytest

from bot.channels.rest import SEND_IMAGE, PayloadError, parse_payload


def body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def test_valid_message_is_parsed() -> None:
    assert parse_payload(body(sender="a", message="hi")) == ("a", "hi", None)
    assert parse_payload(body(sender=7, message="hi", metadata={"k": 1})) == (
        "7",
        "hi",
        {"k": 1},
    )


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", "JSON"),
        (b"\xff\xfe", "JSON"),
        (b"[1, 2]", "object"),
        (body(message="hi"), "sender"),
        (body(sender="", message="hi"), "sender"),
        (body(sender=True, message="hi"), "sender"),
        (body(sender="a" * 200, message="hi"), "sender"),
        (body(sender="a"), "message"),
        (body(sender="a", message={"text": "hi"}), "message"),
        (body(sender="a", message="x" * 5000), "at most"),
        (body(sender="a", message="hi", metadata=[1]), "metadata"),
    ],
)
def test_bad_bodies_are_rejected_with_a_reason(raw: bytes, error: str) -> None:
    with pytest.raises(PayloadError, match=error):
        parse_payload(raw)


@pytest.mark.parametrize(
    "fields",
    [
        {"attachments": [{"url": "x"}]},
        {"metadata": {"image": "data"}},
        {"metadata": {"file": 1}},
    ],
)
def test_attachments_become_the_send_image_intent_and_are_dropped(
    fields: dict[str, object],
) -> None:
    _, message, metadata = parse_payload(body(sender="a", message="look", **fields))
    assert (message, metadata) == (SEND_IMAGE, None)
