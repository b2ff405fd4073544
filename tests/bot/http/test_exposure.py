"""The HTTP API beyond this machine: token or JWT required, or no start at all."""

import os
import subprocess
import sys
import time

import jwt
import pytest
from sanic import Sanic

from bot.channels.checks import MAX_MESSAGE_CHARS
from bot.http import guard
from bot.http.checks import Incoming, check_request, exposure_problem, rasa_policy
from bot.production import start_problems
from bot.settings import ROOT, Settings

SECRET = "k" * 32


def request(path: str, method: str = "GET", authorization: str = "") -> Incoming:
    headers = {"host": "chat.example.org", "content-type": "application/json"}
    if authorization:
        headers["authorization"] = authorization
    body = b'{"text": "hi"}' if method == "POST" else b""
    return Incoming(method, path, headers, body, peer="203.0.113.7")


def exposed(token: str = "", secret: str = "") -> object:
    return rasa_policy(
        ("chat.example.org",),
        token or None,
        MAX_MESSAGE_CHARS,
        jwt_secret=secret or None,
        exposed=True,
    )


def bearer(payload: dict, key: str = SECRET, algorithm: str = "HS256") -> str:
    return "Bearer " + jwt.encode(payload, key, algorithm=algorithm)


def test_only_a_loopback_server_may_run_without_token_or_jwt() -> None:
    assert exposure_problem("127.0.0.1", None, None) is None
    assert exposure_problem("localhost", None, None) is None
    assert exposure_problem("::1", None, None) is None
    assert "API_TOKEN or JWT_SECRET" in str(exposure_problem("0.0.0.0", None, None))
    assert "API_TOKEN" in str(exposure_problem("10.0.0.5", "", ""))
    assert exposure_problem("0.0.0.0", "t", None) is None
    assert exposure_problem("0.0.0.0", None, SECRET) is None


def test_parse_and_status_need_credentials_once_exposed() -> None:
    policy = exposed(token="tok")
    assert check_request(policy, request("/model/parse", "POST")).status == 401
    assert check_request(policy, request("/status")).status == 401
    assert check_request(policy, request("/status", authorization="Bearer tok")) is None
    # Probes and the channels stay public.
    assert check_request(policy, request("/")) is None
    assert check_request(policy, request("/version")) is None
    assert check_request(policy, request("/webhooks/rest/webhook", "POST")) is None
    # On this machine, parsing stays public as before.
    local = rasa_policy(("chat.example.org",), "tok", MAX_MESSAGE_CHARS)
    assert check_request(local, request("/model/parse", "POST")) is None


def test_an_admin_jwt_opens_the_api_like_the_token() -> None:
    policy = exposed(secret=SECRET)
    route = "/conversations/abc/tracker"
    admin = bearer({"user": {"username": "ops", "role": "admin"}})
    assert check_request(policy, request(route, authorization=admin)) is None
    assert check_request(policy, request("/model/parse", "POST", admin)) is None
    refused = [
        "",
        "Bearer not-a-jwt",
        bearer({"user": {"username": "abc", "role": "user"}}),
        bearer({"user": {"role": "admin"}}, key="another-key-another-key-another!"),
        bearer({"user": {"role": "admin"}, "exp": int(time.time()) - 60}),
        bearer({"user": {"role": "admin"}}, algorithm="HS512"),
        "Basic " + jwt.encode({"user": {"role": "admin"}}, SECRET, algorithm="HS256"),
    ]
    for authorization in refused:
        refusal = check_request(policy, request(route, authorization=authorization))
        assert refusal is not None and refusal.status == 401, authorization


def test_an_unsigned_jwt_is_refused() -> None:
    unsigned = jwt.encode({"user": {"role": "admin"}}, None, algorithm="none")
    refusal = check_request(
        exposed(secret=SECRET), request("/status", authorization=f"Bearer {unsigned}")
    )
    assert refusal is not None and refusal.status == 401


def test_the_guard_refuses_to_start_a_server_open_to_the_network() -> None:
    app = Sanic("exposed_refused")
    with pytest.raises(RuntimeError, match="API_TOKEN or JWT_SECRET"):
        guard.install(app, Settings(rasa_host="0.0.0.0"))
    guard.install(Sanic("exposed_ok"), Settings(rasa_host="0.0.0.0", api_token="t"))


def test_replicas_need_tokens_they_can_share() -> None:
    production = ROOT / "endpoints.production.yml"
    assert start_problems(Settings()) == []
    problems = start_problems(Settings(endpoints=production, console_enabled=True))
    assert len(problems) == 1 and "SERVICE_TOKEN" in problems[0]
    assert start_problems(Settings(endpoints=production, console_enabled=False)) == []
    ok = Settings(endpoints=production, api_token="a", service_token="s")
    assert start_problems(ok) == []


def test_the_launcher_refuses_before_starting_anything() -> None:
    env = {**os.environ, "RASA_HOST": "0.0.0.0", "API_TOKEN": "", "JWT_SECRET": ""}
    env.pop("CONSOLE_ENABLED", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.launch"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Not starting: RASA_HOST=0.0.0.0 listens beyond this machine" in done.stderr
