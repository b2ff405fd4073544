"""The console's client of Rasa's HTTP API builds URLs Rasa understands."""

from bot.handoff.rasa import RasaClient


def test_ids_with_plus_and_colon_are_not_escaped() -> None:
    # Rasa does not decode %-escapes in the conversation id: "%2B" would be
    # another conversation, and staff messages would go astray.
    client = RasaClient("http://127.0.0.1:5005", api_token=None, timeout=1.0)
    url = client._url("viber:ab+cd_ef.gh-1", "tracker/events")
    assert url == (
        "http://127.0.0.1:5005/conversations/viber:ab+cd_ef.gh-1/tracker/events"
    )


def test_anything_else_is_escaped() -> None:
    client = RasaClient("http://127.0.0.1:5005", api_token=None, timeout=1.0)
    assert "/conversations/a%2Fb%3Fc/" in client._url("a/b?c", "tracker")
