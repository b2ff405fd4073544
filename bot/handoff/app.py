"""The staff console's Sanic app: pages, /api, /internal, live updates, timers.

`create_app(settings)` builds it (nothing is opened before the server starts:
the database is migrated and the service made in `before_server_start`, off
the event loop); `python -m bot.handoff serve` runs it.
"""

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import jinja2
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.handoff import checks, guard, hours, timers
from bot.handoff.migrate import open_engine, upgrade
from bot.handoff.outcomes import load_outcomes
from bot.handoff.rasa import RasaClient
from bot.handoff.secret import console_secret
from bot.handoff.service import ConsoleService
from bot.handoff.store import Store
from bot.http.checks import is_loopback_interface
from bot.settings import Settings

logger = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"


def templates() -> jinja2.Environment:
    """The pages' Jinja2 environment (autoescape on for every template)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def create_app(
    settings: Settings,
    name: Optional[str] = None,
    timer_interval: float = timers.INTERVAL_SECONDS,
    keepalive: Optional[float] = None,
    clock: Optional[Callable[[], float]] = None,
) -> Sanic:
    """Build the console app.

    Args:
        settings: Ports, database URL, tokens, hand-off timings.
        name: Sanic app name (several apps may live in one test process).
        timer_interval: Seconds between rounds of the background timers.
        keepalive: Seconds between keep-alive comments of live streams.
        clock: Epoch seconds for the service (tests).

    Returns:
        The app, with the pages blueprint, /api and /internal registered.

    Raises:
        OpeningError: HANDOFF_HOURS or HANDOFF_TIMEZONE is malformed.
        OutcomeError: data/handoff.yml is missing or malformed.
    """
    from bot.handoff import api, internal
    from bot.handoff.pages import blueprint as pages

    schedule = hours.parse_hours(settings.handoff_hours)
    zone = hours.time_zone(settings.handoff_timezone, "HANDOFF_TIMEZONE")
    outcomes = load_outcomes(settings.data_dir)

    app = Sanic(name or "handoff_console", register=False)
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 3.0
    app.config.KEEP_ALIVE_TIMEOUT = 75
    app.ctx.settings = settings
    app.ctx.templates = templates()
    if keepalive is not None:
        app.ctx.keepalive = keepalive
    policy = checks.ConsolePolicy(
        allowed_hosts=settings.allowed_hosts,
        service_token=settings.service_token,
        local_only=is_loopback_interface(settings.console_host),
    )
    guard.install(app, policy)
    app.blueprint(api.blueprint)
    app.blueprint(internal.blueprint)
    app.blueprint(pages)
    if STATIC.is_dir():
        app.static("/static", str(STATIC), name="console_static")

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        """Liveness for the launcher: no information."""
        return response.json({"status": "ok"})

    async def start(app: Sanic, loop: Any) -> None:
        engine = await asyncio.to_thread(open_engine, settings.console_database_url)
        await asyncio.to_thread(upgrade, engine)
        secret = await asyncio.to_thread(console_secret, settings)
        rasa = RasaClient(
            settings.rasa_url, settings.api_token, settings.console_timeout
        )
        await rasa.start()
        service = ConsoleService(
            Store(engine),
            secret,
            rasa,
            outcomes,
            schedule,
            zone,
            settings.handoff_wait,
            settings.handoff_expiry,
            settings.retention_days,
            settings.handoff_webhook_url,
            settings.handoff_webhook_secret,
            settings.console_timeout,
            **({"clock": clock} if clock is not None else {}),
            handoff_idle=settings.handoff_idle,
        )
        app.ctx.engine = engine
        app.ctx.service = service
        await service.ensure_admin(
            settings.console_admin_user, settings.console_admin_password
        )
        if not await service.db(service.store.supervisor_exists):
            logger.warning(
                "No supervisor account yet: set CONSOLE_ADMIN_USER and "
                "CONSOLE_ADMIN_PASSWORD, or run `python -m bot.handoff add-staff "
                "NAME --role supervisor --languages en,tl`."
            )
        if not settings.service_token:
            logger.warning(
                "SERVICE_TOKEN is not set: /internal refuses every request, so "
                "the Rasa side cannot hand conversations off."
            )
        if not settings.api_token:
            logger.warning(
                "API_TOKEN is not set: the console cannot reach Rasa (claims, "
                "messages and closing will report an error)."
            )
        if settings.handoff_webhook_url and not settings.handoff_webhook_secret:
            logger.warning(
                "HANDOFF_WEBHOOK_URL is set without HANDOFF_WEBHOOK_SECRET: "
                "no webhook is sent (it must be signed)."
            )

    async def started(app: Sanic, loop: Any) -> None:
        app.ctx.timers = loop.create_task(
            timers.run(app.ctx.service, interval=timer_interval)
        )

    async def stopping(app: Sanic, loop: Any) -> None:
        task = getattr(app.ctx, "timers", None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def stopped(app: Sanic, loop: Any) -> None:
        service = getattr(app.ctx, "service", None)
        if service is not None:
            await service.rasa.close()
            await asyncio.to_thread(service.shutdown)
        engine = getattr(app.ctx, "engine", None)
        if engine is not None:
            engine.dispose()

    app.register_listener(start, "before_server_start")
    app.register_listener(started, "after_server_start")
    app.register_listener(stopping, "before_server_stop")
    app.register_listener(stopped, "after_server_stop")
    return app
