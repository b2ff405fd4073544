"""`python -m bot.action_server --port N`: rasa-sdk's action server, checked.

The same app as `rasa run actions` (rasa_sdk.endpoint.create_app), bound to
`Settings.actions_host` (loopback) and protected like the Rasa server by
bot/http/guard.py: Host allow-list, no browser origin at all, no CORS, body
size and JSON nesting limits, no compressed bodies, and `POST /webhook`
accepted only as a JSON object with `next_action` (string), `tracker` and
`domain` (objects). Errors are `{"error": "..."}` without any part of the
request (rasa-sdk's own 500 reply echoes the body; it is replaced).
"""

import argparse
import logging
import sys
from collections.abc import Sequence

from sanic import Sanic

from bot.http import checks, guard
from bot.settings import Settings

logger = logging.getLogger(__name__)


def build_app(settings: Settings, package: str = "actions") -> Sanic:
    """The action server's Sanic app with the checks installed.

    Args:
        settings: Gives the allowed host names and the bind address.
        package: The package of the custom actions.
    """
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.plugin import plugin_manager

    # No CORS origin: only the Rasa server calls this server, never a browser.
    app = create_app(package, cors_origins="")
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    hosts = (*settings.allowed_hosts, settings.actions_host)
    guard.protect(
        app,
        checks.action_server_policy(
            hosts, local_only=checks.is_loopback_interface(settings.actions_host)
        ),
        checks.content_security_policy(),
    )
    return app


def parse_args(argv: Sequence[str], settings: Settings) -> argparse.Namespace:
    """Command-line options (defaults from the settings)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.action_server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=settings.actions_port)
    parser.add_argument("--actions", default="actions", help="package of actions")
    return parser.parse_args(list(argv))


def main(argv: Sequence[str] = ()) -> int:
    """Run the action server until stopped; returns the exit status."""
    from rasa_sdk import utils

    settings = Settings.from_env()
    args = parse_args(argv, settings)
    utils.configure_colored_logging(settings.log_level)
    utils.update_sanic_log_level()
    app = build_app(settings, args.actions)
    logger.info(
        "Action server on http://%s:%d (checked)", settings.actions_host, args.port
    )
    app.run(host=settings.actions_host, port=args.port, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
