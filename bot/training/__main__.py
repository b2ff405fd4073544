"""`python -m bot.training`: train only when the inputs changed (`make train`).

Rasa 3.6 restores unchanged components from its cache but still packages and
writes a new model on every `rasa train` (about 45 s and 20 MB here). This
command stamps the inputs (bot.training.inputs, bot.training.fingerprint):
when a model made from the same inputs is in the folder, it is kept and made
the newest, and nothing is trained; otherwise `rasa train` runs with the stamp
in the model's name, and the oldest models beyond `--keep` are deleted.

Options: --force trains anyway; --config, --domain, --data, --out as for
`rasa train`.
"""

import argparse
import datetime
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

from bot.training.fingerprint import project_stamp
from bot.training.inputs import training_parts
from bot.training.models import KEEP, current, model_name, models_in, to_prune


def parse(argv: Optional[list[str]]) -> argparse.Namespace:
    """The command line's options (paths relative to the current folder)."""
    parser = argparse.ArgumentParser(prog="python -m bot.training")
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--domain", type=Path, default=Path("domain.yml"))
    parser.add_argument("--data", type=Path, default=Path("data"))
    parser.add_argument("--out", type=Path, default=Path("models"))
    parser.add_argument("--keep", type=int, default=KEEP, help="models kept")
    parser.add_argument("--force", action="store_true", help="train anyway")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    """Keep the current model or train one; the exit code of the training.

    Run from the project's folder (`make train` does), as `rasa train` is:
    relative paths in config.yml are read from there.
    """
    args = parse(argv)
    parts = training_parts(Path.cwd(), args.config, args.domain, args.data)
    stamp = project_stamp(parts)
    found = current(args.out, stamp)
    if found is not None and not args.force:
        os.utime(found)  # the newest: the one Rasa and the tests load
        print(
            f"{found}: current (config, domain, training data, component code "
            "and packages unchanged since it was trained): not training again "
            "(FORCE=1 trains anyway)."
        )
        return 0
    name = model_name(stamp, datetime.datetime.now(datetime.timezone.utc))
    command = [
        *(sys.executable, "-m", "rasa", "train"),
        *("--config", str(args.config), "--domain", str(args.domain)),
        *("--data", str(args.data), "--out", str(args.out)),
        *("--fixed-model-name", name, "--quiet"),
    ]
    done = subprocess.run(command, check=False)
    trained = args.out / f"{name}.tar.gz"
    if done.returncode != 0 or not trained.is_file():
        return done.returncode or 1
    for old in to_prune(models_in(args.out), trained, args.keep):
        old.unlink()
        print(f"{old}: removed (only the {args.keep} newest models are kept)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
