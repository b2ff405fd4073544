import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.checks import (
    MAX_MESSAGE_CHARS,
    MAX_METADATA_CHARS,
    MAX_SENDER_CHARS,
    SEND_IMAGE,
    Incoming,
    PayloadError,
    check_id,
    clean_text,
    parse_payload,
    parse_session_request,
    parse_socket_message,
)


def test_control_characters_and_lone_surrogates_are_removed() -> None:
    assert clean_text("a\x00b\x07c\x1bd\x7fe\x85f") == "abcdef"
    assert clean_text("one\r\ntwo\rthree\tfour") == "one\ntwo\nthree\tfour"
    assert clean_text("x\ud800y") == "xy"
    # Joiners and the scripts we serve are kept.
    text = "👩\u200d👧 ສະບາຍດີ ภาษาไทย Tiếng Việt"
    assert clean_text(text) == text


@pytest.mark.parametrize(
    "value",
    ["a", "web-0f3a", "e2e-1234abcd", "5f3c1e0a9b8d4c2e", "user.1:2+x_y", "a" * 128],
)
def test_safe_ids_are_accepted(value: str) -> None:
    assert check_id(value, "session_id") == value


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, "non-empty string"),
        ("", "non-empty string"),
        (5, "non-empty string"),
        (True, "non-empty string"),
        (["a"], "non-empty string"),
        ("a" * (MAX_SENDER_CHARS + 1), "at most 128"),
        ("x" * 10_000, "at most 128"),
        ("has space", "may only contain"),
        ("new\nline", "may only contain"),
        ("nul\x00", "may only contain"),
        ("../../etc", "may only contain"),
        ("ผู้ใช้", "may only contain"),
        ("a'; drop table events; --", "may only contain"),
    ],
)
def test_unsafe_ids_are_refused(value: Any, error: str) -> None:
    with pytest.raises(PayloadError, match=error):
        check_id(value, "session_id")


def test_rest_accepts_an_integer_sender_but_socketio_does_not() -> None:
    assert check_id(7, "sender", allow_int=True) == "7"
    with pytest.raises(PayloadError):
        parse_socket_message({"message": "hi", "session_id": 7})


def test_socket_message_is_checked_like_rest() -> None:
    assert parse_socket_message({"message": "hi\x00", "session_id": "s1"}) == Incoming(
        "s1", "hi", None
    )
    assert parse_socket_message({"message": "hi"}) == Incoming("", "hi", None)
    assert parse_socket_message(
        {"message": "hi", "session_id": "s1", "customData": {"language": "vi"}},
        metadata_key="customData",
    ) == Incoming("s1", "hi", {"language": "vi"})


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (None, "object"),
        ("hi", "object"),
        ([{"message": "hi"}], "object"),
        ({"session_id": "s1"}, "'message' must be a string"),
        ({"message": None, "session_id": "s1"}, "'message' must be a string"),
        ({"message": {"text": "hi"}, "session_id": "s1"}, "'message' must be a string"),
        ({"message": "x" * (MAX_MESSAGE_CHARS + 1), "session_id": "s1"}, "at most"),
        ({"message": "x" * 900_000, "session_id": "s1"}, "at most 4000"),
        ({"message": "hi", "session_id": "s" * 10_000}, "at most 128"),
        ({"message": "hi", "session_id": "s1", "metadata": "{}"}, "object"),
        ({"message": "hi", "session_id": "s1", "metadata": [1]}, "object"),
        (
            {"message": "hi", "metadata": {"k": "v" * MAX_METADATA_CHARS}},
            "at most 4000 characters as JSON",
        ),
    ],
)
def test_bad_socket_messages_are_refused(data: Any, error: str) -> None:
    with pytest.raises(PayloadError, match=error):
        parse_socket_message(data)


def test_deeply_nested_metadata_is_refused_not_a_crash() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(5000):
        node["k"] = {}
        node = node["k"]
    with pytest.raises(PayloadError, match="as JSON"):
        parse_socket_message({"message": "hi", "metadata": deep})


def test_deeply_nested_rest_body_is_a_json_error_not_a_crash() -> None:
    with pytest.raises(PayloadError, match="JSON"):
        parse_payload(b"[" * 100_000)


@pytest.mark.parametrize(
    "data",
    [
        {"message": "look", "attachment": {"type": "image"}},
        {"message": "look", "metadata": {"images": ["x"]}},
        {"message": "x" * 10, "metadata": {"media": "y" * (MAX_METADATA_CHARS * 2)}},
    ],
)
def test_socket_attachments_become_the_send_image_intent(data: Any) -> None:
    incoming = parse_socket_message({**data, "session_id": "s1"})
    assert (incoming.text, incoming.metadata) == (SEND_IMAGE, None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, None),
        ({}, None),
        ({"session_id": None}, None),
        ({"session_id": "abc123"}, "abc123"),
    ],
)
def test_session_requests(data: Any, expected: Any) -> None:
    assert parse_session_request(data) == expected


@pytest.mark.parametrize(
    "data", ["abc", 5, [1], {"session_id": "x" * 10_000}, {"session_id": "a b"}]
)
def test_bad_session_requests_are_refused(data: Any) -> None:
    with pytest.raises(PayloadError):
        parse_session_request(data)


def test_rest_cleans_the_message_too() -> None:
    body = json.dumps({"sender": "a", "message": "hi\u0000 there\r\n"}).encode()
    assert parse_payload(body) == ("a", "hi there\n", None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "message": json_values | st.text(max_size=5000),
                "session_id": json_values | st.text(max_size=200),
                "metadata": json_values,
                "attachment": json_values,
            },
        ),
    )
)
def test_any_socket_payload_is_accepted_clean_or_refused(data: Any) -> None:
    try:
        incoming = parse_socket_message(data)
    except PayloadError as error:
        assert str(error)
        return
    assert len(incoming.text) <= MAX_MESSAGE_CHARS
    assert incoming.text == clean_text(incoming.text)
    assert incoming.sender == "" or check_id(incoming.sender, "s") == incoming.sender
    assert incoming.metadata is None or isinstance(incoming.metadata, dict)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_rest_body_is_accepted_or_refused_with_a_reason(body: bytes) -> None:
    try:
        sender, text, _ = parse_payload(body)
    except PayloadError as error:
        assert str(error)
        return
    assert check_id(sender, "sender") == sender
    assert text == clean_text(text)
