"""`Settings`: the only reader of the environment.

Every process (Rasa server, action server, launcher, tests) builds one
`Settings` from the environment and passes it on; no other module reads
os.environ. Variables are listed in .env.example. Pure: must not import Rasa.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Runtime settings.

    Attributes:
        data_dir: Folder holding helplines.yml, translations/ and safety/.
        rasa_host: Interface the Rasa server binds (127.0.0.1 keeps the HTTP API local).
        rasa_port: Port of the Rasa server (REST, socket.io, web chat, HTTP API).
        actions_port: Port of the action server.
        tracker_db: SQLite file of the default tracker store.
        model_dir: Where trained models are kept.
        retention_days: Days after their last message that conversations are deleted.
        log_level: Log level of both servers; at INFO and above no log line
            carries message text (DEBUG does: never in production).
        actions_host: Interface the action server binds (only Rasa calls it).
        action_timeout: Seconds the Rasa server waits for one custom action
            before it answers with the fallback (the person is never left
            without a reply).
        action_restarts: How many times the launcher restarts a crashed action
            server (with backoff) before it gives up and exits non-zero.
        api_token: Token that opens the HTTP API's conversation and model
            routes (`Authorization: Bearer <token>`); unset, they stay closed.
        allowed_hosts: Host names the Rasa server answers to (Host header);
            anything else is refused, which defeats DNS rebinding.
        console_host: Interface the staff console binds.
        console_port: Port of the staff console (web pages and /api).
        console_enabled: Whether `make run` starts the console and the Rasa
            side hands conversations off to it.
        database_url: SQLAlchemy URL of the console's database (SQLite file
            under var/ unless it points to PostgreSQL).
        console_admin_user: First supervisor, created on the console's first
            start when no supervisor exists.
        console_admin_password: That supervisor's password (never logged).
        service_token: Shared secret of the Rasa side (actions, event broker)
            and the console's /internal routes; the launcher makes one per run
            when unset.
        console_secret: Key of the console's pseudonyms and session tokens;
            kept in var/console.secret when unset.
        handoff_wait: Seconds a waiting person waits for a claim before the
            assistant says nobody has taken it yet and gives the numbers.
        handoff_expiry: Seconds after which an unclaimed request expires.
        handoff_idle: Seconds without a message either way after which a held
            conversation is closed as "person left" and the bot resumes. Below
            domain.yml's session_expiration_time (60 min): a new Rasa session
            would end the pause while staff still held it.
        handoff_hours: When staff answer: "24/7" or windows such as
            "Mon-Fri 08:00-20:00; Sat 09:00-13:00" (console time zone).
        handoff_timezone: IANA time zone of `handoff_hours`.
        handoff_webhook_url: Optional URL told of each new handoff (signed
            with HMAC-SHA256 of the body under `handoff_webhook_secret`).
        handoff_webhook_secret: Key of that signature.
        console_timeout: Seconds the Rasa side waits for the console.
        public_url: The address the platforms reach this server at (https,
            no trailing slash); used to register webhooks. Empty: not set.
        widget_origins: Origins (scheme://host[:port]) of sites allowed to
            embed the website widget (cross-origin socket.io); empty: only
            the server's own pages.
        telegram_token: Telegram bot token (empty: the channel is off).
        telegram_secret: Telegram webhook secret token, checked on every update.
        telegram_api_url: Base URL of the Telegram Bot API.
        messenger_verify: Facebook Messenger webhook verify token.
        messenger_secret: Facebook app secret (X-Hub-Signature-256 check).
        messenger_page_token: Page access token (empty: the channel is off).
        messenger_api_url: Base URL of the Graph API for Messenger.
        whatsapp_verify: WhatsApp Cloud API webhook verify token.
        whatsapp_secret: Meta app secret (X-Hub-Signature-256 check).
        whatsapp_token: WhatsApp access token (empty: the channel is off).
        whatsapp_phone_id: The sending phone number's id.
        whatsapp_api_url: Base URL of the Graph API for WhatsApp.
        line_secret: LINE channel secret (X-Line-Signature check).
        line_token: LINE channel access token (empty: the channel is off).
        line_api_url: Base URL of the LINE Messaging API.
        viber_token: Viber bot token (signature key too; empty: off).
        viber_name: The sender name Viber shows.
        viber_api_url: Base URL of the Viber REST bot API.
        zalo_app_id: Zalo app id (part of the webhook signature).
        zalo_secret: Zalo Official Account secret key (signature check).
        zalo_token: Zalo OA access token (empty: the channel is off).
        zalo_api_url: Base URL of the Zalo OA open API.
        endpoints: The Rasa endpoints file: endpoints.yml (SQLite, one
            process) or endpoints.production.yml (PostgreSQL, Redis,
            RabbitMQ; README "Production: many replicas").
        action_endpoint_url: Where the Rasa server calls the action server;
            empty: http://127.0.0.1:<actions_port>/webhook.
        rasa_address: Base URL the console calls Rasa's HTTP API at (a load
            balancer in front of the replicas); empty: from rasa_host/port.
        console_address: Base URL the Rasa side calls the console at; empty:
            from console_host/port.
        db_host: PostgreSQL host of the production tracker store.
        db_port: Its port.
        db_user: Its user.
        db_password: Its password (never logged).
        db_database: Its database (created through it when missing).
        redis_host: Redis host shared by the replicas (lock store, rate
            limits); empty: no Redis (locks and limits in each process).
        redis_port: Its port.
        redis_password: Its password (empty: none).
        redis_db: Its database number.
        redis_prefix: Alphanumeric prefix of every Redis key of this assistant.
        lock_lifetime: Seconds a conversation's lock lives without renewal
            (its holder renews it while the turn runs; a crashed replica's
            lock is given up after this).
        rabbitmq_host: RabbitMQ host of the event broker; empty: no RabbitMQ.
        rabbitmq_port: Its port.
        rabbitmq_username: Its user.
        rabbitmq_password: Its password (never logged).
        rabbitmq_queue: The durable queue the redacted events go to.
        rabbitmq_exchange: The fanout exchange they are published on.
        rabbitmq_buffer: Events kept in memory while RabbitMQ is unreachable
            (beyond, the oldest are dropped, counted and logged).
        jwt_secret: Key of JSON Web Tokens accepted by the HTTP API as well
            as API_TOKEN (`Authorization: Bearer <jwt>` with role admin).
        jwt_method: Their signature algorithm (HS256...).
        rate_limit_sender: Messages one conversation may send per
            `rate_limit_window` seconds (0: no limit).
        rate_limit_ip: Requests one address may make to the public
            endpoints per window (0: no limit).
        rate_limit_window: The window of both limits, in seconds.
        proxies_count: Reverse proxies in front of the Rasa server whose
            X-Forwarded-For is trusted to name the person's address (0: none).
    """

    data_dir: Path = ROOT / "data"
    rasa_host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    tracker_db: Path = ROOT / "var" / "rasa.db"
    model_dir: Path = ROOT / "models"
    retention_days: float = 30
    log_level: str = "INFO"
    actions_host: str = "127.0.0.1"
    action_timeout: float = 5.0
    action_restarts: int = 5
    api_token: Optional[str] = None
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    console_host: str = "127.0.0.1"
    console_port: int = 5006
    console_enabled: bool = True
    database_url: str = ""
    console_admin_user: Optional[str] = None
    console_admin_password: Optional[str] = None
    service_token: Optional[str] = None
    console_secret: Optional[str] = None
    handoff_wait: float = 180.0
    handoff_expiry: float = 3600.0
    handoff_idle: float = 3000.0
    handoff_hours: str = "24/7"
    handoff_timezone: str = "Asia/Manila"
    handoff_webhook_url: Optional[str] = None
    handoff_webhook_secret: Optional[str] = None
    console_timeout: float = 3.0
    public_url: str = ""
    widget_origins: tuple[str, ...] = ()
    telegram_token: str = ""
    telegram_secret: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    messenger_verify: str = ""
    messenger_secret: str = ""
    messenger_page_token: str = ""
    messenger_api_url: str = "https://graph.facebook.com/v19.0"
    whatsapp_verify: str = ""
    whatsapp_secret: str = ""
    whatsapp_token: str = ""
    whatsapp_phone_id: str = ""
    whatsapp_api_url: str = "https://graph.facebook.com/v19.0"
    line_secret: str = ""
    line_token: str = ""
    line_api_url: str = "https://api.line.me"
    viber_token: str = ""
    viber_name: str = "Safety helper"
    viber_api_url: str = "https://chatapi.viber.com/pa"
    zalo_app_id: str = ""
    zalo_secret: str = ""
    zalo_token: str = ""
    zalo_api_url: str = "https://openapi.zalo.me"
    endpoints: Path = ROOT / "endpoints.yml"
    action_endpoint_url: str = ""
    rasa_address: str = ""
    console_address: str = ""
    db_host: str = ""
    db_port: int = 5432
    db_user: str = "postgres"
    db_password: str = ""
    db_database: str = "rasa"
    redis_host: str = ""
    redis_port: int = 6379
    redis_password: str = ""
    redis_db: int = 1
    redis_prefix: str = "safety"
    lock_lifetime: float = 20.0
    rabbitmq_host: str = ""
    rabbitmq_port: int = 5672
    rabbitmq_username: str = "guest"
    rabbitmq_password: str = ""
    rabbitmq_queue: str = "rasa_production_events"
    rabbitmq_exchange: str = "rasa-exchange"
    rabbitmq_buffer: int = 10000
    jwt_secret: str = ""
    jwt_method: str = "HS256"
    rate_limit_sender: int = 30
    rate_limit_ip: int = 300
    rate_limit_window: float = 60.0
    proxies_count: int = 0

    @property
    def helplines_path(self) -> Path:
        """The helpline directory file."""
        return self.data_dir / "helplines.yml"

    @property
    def translations_dir(self) -> Path:
        """The folder of data/translations/<lang>.yml files."""
        return self.data_dir / "translations"

    @property
    def console_database_url(self) -> str:
        """The console's SQLAlchemy URL: `database_url`, else var/console.db."""
        return self.database_url or f"sqlite:///{self.tracker_db.parent / 'console.db'}"

    @property
    def console_url(self) -> str:
        """Base URL of the staff console, as the Rasa side calls it."""
        return self.console_address.rstrip("/") or (
            f"http://{self.console_host}:{self.console_port}"
        )

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server, as the console calls it."""
        return self.rasa_address.rstrip("/") or (
            f"http://{self.rasa_host}:{self.rasa_port}"
        )

    @property
    def endpoints_path(self) -> Path:
        """The endpoints file (relative names are in the project folder)."""
        return self.endpoints if self.endpoints.is_absolute() else ROOT / self.endpoints

    @property
    def action_webhook_url(self) -> str:
        """Where the Rasa server calls the action server."""
        return (
            self.action_endpoint_url or f"http://127.0.0.1:{self.actions_port}/webhook"
        )

    def child_environment(self) -> dict[str, str]:
        """The environment for child processes (Rasa and action server).

        endpoints.yml reads ACTIONS_PORT and TRACKER_DB; Rasa refuses to start
        when a variable it names is unset, so they are always passed on.
        """
        return {
            **os.environ,
            "BOT_DATA_DIR": str(self.data_dir),
            "RASA_HOST": self.rasa_host,
            "RASA_PORT": str(self.rasa_port),
            "ACTIONS_PORT": str(self.actions_port),
            "TRACKER_DB": str(self.tracker_db),
            "MODEL_DIR": str(self.model_dir),
            "RETENTION_DAYS": str(self.retention_days),
            "LOG_LEVEL": self.log_level,
            "ACTIONS_HOST": self.actions_host,
            "ACTION_TIMEOUT": str(self.action_timeout),
            "ACTION_RESTARTS": str(self.action_restarts),
            "API_TOKEN": self.api_token or "",
            "ALLOWED_HOSTS": ",".join(self.allowed_hosts),
            "CONSOLE_HOST": self.console_host,
            "CONSOLE_PORT": str(self.console_port),
            "CONSOLE_ENABLED": "true" if self.console_enabled else "false",
            "DATABASE_URL": self.database_url,
            "CONSOLE_ADMIN_USER": self.console_admin_user or "",
            "CONSOLE_ADMIN_PASSWORD": self.console_admin_password or "",
            "SERVICE_TOKEN": self.service_token or "",
            "CONSOLE_SECRET": self.console_secret or "",
            "HANDOFF_WAIT": str(self.handoff_wait),
            "HANDOFF_EXPIRY": str(self.handoff_expiry),
            "HANDOFF_IDLE": str(self.handoff_idle),
            "HANDOFF_HOURS": self.handoff_hours,
            "HANDOFF_TIMEZONE": self.handoff_timezone,
            "HANDOFF_WEBHOOK_URL": self.handoff_webhook_url or "",
            "HANDOFF_WEBHOOK_SECRET": self.handoff_webhook_secret or "",
            "CONSOLE_TIMEOUT": str(self.console_timeout),
            "WIDGET_ORIGINS": ",".join(self.widget_origins),
            "PUBLIC_URL": self.public_url,
            "TELEGRAM_TOKEN": self.telegram_token,
            "TELEGRAM_SECRET": self.telegram_secret,
            "TELEGRAM_API_URL": self.telegram_api_url,
            "MESSENGER_VERIFY": self.messenger_verify,
            "MESSENGER_SECRET": self.messenger_secret,
            "MESSENGER_PAGE_TOKEN": self.messenger_page_token,
            "MESSENGER_API_URL": self.messenger_api_url,
            "WHATSAPP_VERIFY": self.whatsapp_verify,
            "WHATSAPP_SECRET": self.whatsapp_secret,
            "WHATSAPP_TOKEN": self.whatsapp_token,
            "WHATSAPP_PHONE_ID": self.whatsapp_phone_id,
            "WHATSAPP_API_URL": self.whatsapp_api_url,
            "LINE_SECRET": self.line_secret,
            "LINE_TOKEN": self.line_token,
            "LINE_API_URL": self.line_api_url,
            "VIBER_TOKEN": self.viber_token,
            "VIBER_NAME": self.viber_name,
            "VIBER_API_URL": self.viber_api_url,
            "ZALO_APP_ID": self.zalo_app_id,
            "ZALO_SECRET": self.zalo_secret,
            "ZALO_TOKEN": self.zalo_token,
            "ZALO_API_URL": self.zalo_api_url,
            "ENDPOINTS": str(self.endpoints),
            # endpoints.production.yml names it: never empty.
            "ACTION_ENDPOINT_URL": self.action_webhook_url,
            "RASA_URL": self.rasa_address,
            "CONSOLE_URL": self.console_address,
            "DB_HOST": self.db_host,
            "DB_PORT": str(self.db_port),
            "DB_USER": self.db_user,
            "DB_PASSWORD": self.db_password,
            "DB_DATABASE": self.db_database,
            "REDIS_HOST": self.redis_host,
            "REDIS_PORT": str(self.redis_port),
            "REDIS_PASSWORD": self.redis_password,
            "REDIS_DB": str(self.redis_db),
            "REDIS_PREFIX": self.redis_prefix,
            "LOCK_LIFETIME": str(self.lock_lifetime),
            "RABBITMQ_HOST": self.rabbitmq_host,
            "RABBITMQ_PORT": str(self.rabbitmq_port),
            "RABBITMQ_USERNAME": self.rabbitmq_username,
            "RABBITMQ_PASSWORD": self.rabbitmq_password,
            "RABBITMQ_QUEUE": self.rabbitmq_queue,
            "RABBITMQ_EXCHANGE": self.rabbitmq_exchange,
            "RABBITMQ_BUFFER": str(self.rabbitmq_buffer),
            "JWT_SECRET": self.jwt_secret,
            "JWT_METHOD": self.jwt_method,
            "RATE_LIMIT_SENDER": str(self.rate_limit_sender),
            "RATE_LIMIT_IP": str(self.rate_limit_ip),
            "RATE_LIMIT_WINDOW": str(self.rate_limit_window),
            "PROXIES_COUNT": str(self.proxies_count),
            # Nothing about conversations leaves the machine.
            "RASA_TELEMETRY_ENABLED": "false",
            # rasa-sdk binds the action server to SANIC_HOST (0.0.0.0 otherwise);
            # only the Rasa server calls it, so it stays on loopback.
            "SANIC_HOST": self.actions_host,
        }

    def export(self) -> None:
        """Put these settings into this process's environment.

        For Rasa code run in-process (e.g. bot.retention) that expands the
        ${VARS} of endpoints.yml from the environment.
        """
        os.environ.update(self.child_environment())

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Settings":
        """Build settings from environment variables, with safe local defaults."""
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            data_dir=Path(env.get("BOT_DATA_DIR", str(defaults.data_dir))),
            rasa_host=env.get("RASA_HOST", defaults.rasa_host),
            rasa_port=int(env.get("RASA_PORT", defaults.rasa_port)),
            actions_port=int(env.get("ACTIONS_PORT", defaults.actions_port)),
            tracker_db=Path(env.get("TRACKER_DB", str(defaults.tracker_db))),
            model_dir=Path(env.get("MODEL_DIR", str(defaults.model_dir))),
            retention_days=float(env.get("RETENTION_DAYS", defaults.retention_days)),
            log_level=env.get("LOG_LEVEL", defaults.log_level).upper(),
            actions_host=env.get("ACTIONS_HOST", defaults.actions_host),
            action_timeout=float(env.get("ACTION_TIMEOUT", defaults.action_timeout)),
            action_restarts=int(env.get("ACTION_RESTARTS", defaults.action_restarts)),
            api_token=env.get("API_TOKEN") or None,
            console_host=env.get("CONSOLE_HOST", defaults.console_host),
            console_port=int(env.get("CONSOLE_PORT", defaults.console_port)),
            console_enabled=env.get("CONSOLE_ENABLED", "true").strip().lower()
            not in ("0", "false", "no", "off"),
            database_url=env.get("DATABASE_URL", defaults.database_url),
            console_admin_user=env.get("CONSOLE_ADMIN_USER") or None,
            console_admin_password=env.get("CONSOLE_ADMIN_PASSWORD") or None,
            service_token=env.get("SERVICE_TOKEN") or None,
            console_secret=env.get("CONSOLE_SECRET") or None,
            handoff_wait=float(env.get("HANDOFF_WAIT", defaults.handoff_wait)),
            handoff_expiry=float(env.get("HANDOFF_EXPIRY", defaults.handoff_expiry)),
            handoff_idle=float(env.get("HANDOFF_IDLE", defaults.handoff_idle)),
            handoff_hours=env.get("HANDOFF_HOURS", defaults.handoff_hours),
            handoff_timezone=env.get("HANDOFF_TIMEZONE", defaults.handoff_timezone),
            handoff_webhook_url=env.get("HANDOFF_WEBHOOK_URL") or None,
            handoff_webhook_secret=env.get("HANDOFF_WEBHOOK_SECRET") or None,
            console_timeout=float(env.get("CONSOLE_TIMEOUT", defaults.console_timeout)),
            public_url=env.get("PUBLIC_URL", defaults.public_url).strip(),
            telegram_token=env.get("TELEGRAM_TOKEN", defaults.telegram_token).strip(),
            telegram_secret=env.get(
                "TELEGRAM_SECRET", defaults.telegram_secret
            ).strip(),
            telegram_api_url=env.get(
                "TELEGRAM_API_URL", defaults.telegram_api_url
            ).strip(),
            messenger_verify=env.get(
                "MESSENGER_VERIFY", defaults.messenger_verify
            ).strip(),
            messenger_secret=env.get(
                "MESSENGER_SECRET", defaults.messenger_secret
            ).strip(),
            messenger_page_token=env.get(
                "MESSENGER_PAGE_TOKEN", defaults.messenger_page_token
            ).strip(),
            messenger_api_url=env.get(
                "MESSENGER_API_URL", defaults.messenger_api_url
            ).strip(),
            whatsapp_verify=env.get(
                "WHATSAPP_VERIFY", defaults.whatsapp_verify
            ).strip(),
            whatsapp_secret=env.get(
                "WHATSAPP_SECRET", defaults.whatsapp_secret
            ).strip(),
            whatsapp_token=env.get("WHATSAPP_TOKEN", defaults.whatsapp_token).strip(),
            whatsapp_phone_id=env.get(
                "WHATSAPP_PHONE_ID", defaults.whatsapp_phone_id
            ).strip(),
            whatsapp_api_url=env.get(
                "WHATSAPP_API_URL", defaults.whatsapp_api_url
            ).strip(),
            line_secret=env.get("LINE_SECRET", defaults.line_secret).strip(),
            line_token=env.get("LINE_TOKEN", defaults.line_token).strip(),
            line_api_url=env.get("LINE_API_URL", defaults.line_api_url).strip(),
            viber_token=env.get("VIBER_TOKEN", defaults.viber_token).strip(),
            viber_name=env.get("VIBER_NAME", defaults.viber_name).strip(),
            viber_api_url=env.get("VIBER_API_URL", defaults.viber_api_url).strip(),
            zalo_app_id=env.get("ZALO_APP_ID", defaults.zalo_app_id).strip(),
            zalo_secret=env.get("ZALO_SECRET", defaults.zalo_secret).strip(),
            zalo_token=env.get("ZALO_TOKEN", defaults.zalo_token).strip(),
            zalo_api_url=env.get("ZALO_API_URL", defaults.zalo_api_url).strip(),
            endpoints=Path(env.get("ENDPOINTS") or str(defaults.endpoints)),
            action_endpoint_url=own_action_url(
                env.get("ACTION_ENDPOINT_URL", ""),
                int(env.get("ACTIONS_PORT", defaults.actions_port)),
            ),
            rasa_address=env.get("RASA_URL", "").strip(),
            console_address=env.get("CONSOLE_URL", "").strip(),
            db_host=env.get("DB_HOST", defaults.db_host).strip(),
            db_port=int(env.get("DB_PORT") or defaults.db_port),
            db_user=env.get("DB_USER", defaults.db_user).strip(),
            db_password=env.get("DB_PASSWORD", defaults.db_password),
            db_database=env.get("DB_DATABASE", defaults.db_database).strip(),
            redis_host=env.get("REDIS_HOST", defaults.redis_host).strip(),
            redis_port=int(env.get("REDIS_PORT") or defaults.redis_port),
            redis_password=env.get("REDIS_PASSWORD", defaults.redis_password),
            redis_db=int(env.get("REDIS_DB") or defaults.redis_db),
            redis_prefix=env.get("REDIS_PREFIX", defaults.redis_prefix).strip(),
            lock_lifetime=float(env.get("LOCK_LIFETIME") or defaults.lock_lifetime),
            rabbitmq_host=env.get("RABBITMQ_HOST", defaults.rabbitmq_host).strip(),
            rabbitmq_port=int(env.get("RABBITMQ_PORT") or defaults.rabbitmq_port),
            rabbitmq_username=env.get(
                "RABBITMQ_USERNAME", defaults.rabbitmq_username
            ).strip(),
            rabbitmq_password=env.get("RABBITMQ_PASSWORD", defaults.rabbitmq_password),
            rabbitmq_queue=env.get("RABBITMQ_QUEUE", defaults.rabbitmq_queue).strip(),
            rabbitmq_exchange=env.get(
                "RABBITMQ_EXCHANGE", defaults.rabbitmq_exchange
            ).strip(),
            rabbitmq_buffer=int(env.get("RABBITMQ_BUFFER") or defaults.rabbitmq_buffer),
            jwt_secret=env.get("JWT_SECRET", defaults.jwt_secret),
            jwt_method=env.get("JWT_METHOD", defaults.jwt_method).strip(),
            rate_limit_sender=int(
                env.get("RATE_LIMIT_SENDER") or defaults.rate_limit_sender
            ),
            rate_limit_ip=int(env.get("RATE_LIMIT_IP") or defaults.rate_limit_ip),
            rate_limit_window=float(
                env.get("RATE_LIMIT_WINDOW") or defaults.rate_limit_window
            ),
            proxies_count=int(env.get("PROXIES_COUNT") or defaults.proxies_count),
            widget_origins=tuple(
                origin.strip().rstrip("/")
                for origin in env.get("WIDGET_ORIGINS", "").split(",")
                if origin.strip()
            ),
            allowed_hosts=tuple(
                host.strip().lower()
                for host in env.get(
                    "ALLOWED_HOSTS", ",".join(defaults.allowed_hosts)
                ).split(",")
                if host.strip()
            ),
        )


def own_action_url(value: str, actions_port: int) -> str:
    """ACTION_ENDPOINT_URL as a setting: "" when it names this machine's default.

    The launcher passes the URL it uses (the default spelled out) to the
    servers, which read it back as "no URL of one's own".
    """
    value = value.strip()
    return "" if value == f"http://127.0.0.1:{actions_port}/webhook" else value
