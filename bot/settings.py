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

    @property
    def helplines_path(self) -> Path:
        """The helpline directory file."""
        return self.data_dir / "helplines.yml"

    @property
    def translations_dir(self) -> Path:
        """The folder of data/translations/<lang>.yml files."""
        return self.data_dir / "translations"

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
            allowed_hosts=tuple(
                host.strip().lower()
                for host in env.get(
                    "ALLOWED_HOSTS", ",".join(defaults.allowed_hosts)
                ).split(",")
                if host.strip()
            ),
        )
