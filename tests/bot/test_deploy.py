"""The deployment files agree with the code: images, variables, published routes.

Docker is not run here (CI has no daemon); these checks catch a compose file
or an endpoints file that names a variable nobody sets, an image that is not
Rasa's official one, or a proxy that publishes the HTTP API.
"""

import re
from typing import Any

import yaml

from bot.settings import ROOT, Settings

DEPLOY = ROOT / "deploy"
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)")


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text())


def test_images_are_rasas_official_ones_at_our_versions() -> None:
    rasa = (DEPLOY / "Dockerfile.rasa").read_text()
    actions = (DEPLOY / "Dockerfile.actions").read_text()
    assert "FROM rasa/rasa:3.6.21-full" in rasa
    assert "FROM rasa/rasa-sdk:3.6.2" in actions
    assert "rasa==3.6.21" in (ROOT / "requirements.txt").read_text()
    assert "rasa-sdk==3.6.2" in (ROOT / "actions" / "requirements.txt").read_text()


def test_every_variable_of_the_production_endpoints_is_set_for_rasa() -> None:
    lines = (ROOT / "endpoints.production.yml").read_text().splitlines()
    named = set(
        VARIABLE.findall("\n".join(x for x in lines if not x.lstrip().startswith("#")))
    )
    assert {"DB_HOST", "REDIS_HOST", "RABBITMQ_HOST", "ACTION_ENDPOINT_URL"} <= named
    services = compose()["services"]
    for name in ("rasa", "actions", "console", "retention"):
        environment = services[name]["environment"]
        assert named <= set(environment), (name, named - set(environment))
    # And the launcher always passes them (Rasa refuses to start otherwise).
    assert named <= set(Settings().child_environment())
    # So do the Helm values.
    helm = yaml.safe_load((DEPLOY / "helm" / "rasa-values.yaml").read_text())
    assert named <= {item["name"] for item in helm["extraEnv"]}
    assert helm["args"][-2:] == ["--endpoints", "endpoints.production.yml"]
    assert helm["replicaCount"] >= 2


def test_compose_variables_are_settings_and_the_replicas_share_state() -> None:
    services = compose()["services"]
    known = set(Settings().child_environment())
    rasa = services["rasa"]
    assert rasa["deploy"]["replicas"] >= 2
    assert services["actions"]["deploy"]["replicas"] >= 2
    assert set(rasa["environment"]) <= known | {"RASA_TELEMETRY_ENABLED"}
    environment = rasa["environment"]
    assert environment["ENDPOINTS"] == "endpoints.production.yml"
    assert environment["RASA_HOST"] == "0.0.0.0"
    assert environment["API_TOKEN"].startswith("${API_TOKEN:?")  # required
    assert environment["PROXIES_COUNT"] == "1"
    for name in ("API_TOKEN", "SERVICE_TOKEN", "CONSOLE_SECRET"):
        values = {services[s]["environment"][name] for s in ("rasa", "console")}
        assert len(values) == 1, name  # one secret for all
    # Only nginx is published to the network; the console on loopback only.
    published = {n: s.get("ports") for n, s in services.items() if s.get("ports")}
    assert set(published) == {"nginx", "console"}
    assert all(p.startswith("127.0.0.1:") for p in published["console"])


def test_nginx_publishes_the_channels_only_and_passes_the_address() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    locations = re.findall(r"location\s+(\S+)", conf)
    assert locations == ["/webhooks/", "/socket.io/", "/"]
    assert "return 404" in conf.split("location / ")[1]
    assert conf.count("proxy_set_header X-Forwarded-For $remote_addr;") == 2
    assert "ip_hash" in conf  # socket.io long polling stays on one replica
