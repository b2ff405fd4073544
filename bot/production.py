"""What must hold before the assistant starts in a shared (production) setup. Pure.

`start_problems` is checked by the launcher (`python -m bot.launch`, `make run`)
before it starts anything; the Rasa server checks the exposure rule itself
too (bot/http/guard.py), so `rasa run` in a container refuses as well.
"""

from bot.http.checks import exposure_problem
from bot.settings import ROOT, Settings


def start_problems(settings: Settings) -> list[str]:
    """Why the launcher must not start with these settings (empty: it may).

    - Rasa listening beyond this machine needs API_TOKEN or JWT_SECRET.
    - With another endpoints file than endpoints.yml (replicas) and the
      console on, API_TOKEN and SERVICE_TOKEN must be set: the launcher would
      otherwise make its own per run, which the other replicas and the
      console cannot know.

    Args:
        settings: The settings the launcher would use.
    """
    problems = []
    exposure = exposure_problem(
        settings.rasa_host, settings.api_token, settings.jwt_secret
    )
    if exposure:
        problems.append(exposure)
    shared = settings.endpoints_path.resolve() != (ROOT / "endpoints.yml").resolve()
    if (
        shared
        and settings.console_enabled
        and not (settings.api_token and settings.service_token)
    ):
        problems.append(
            f"ENDPOINTS={settings.endpoints} runs replicas: set API_TOKEN and "
            "SERVICE_TOKEN, the same for every replica and the console."
        )
    return problems
