"""`python -m bot.training` (`make train`): train only when something changed.

    python -m bot.training [--config config.yml] [--domain domain.yml]
        [--data data] [--out models] [--check] [--force] [--debug]

When the latest model in --out was trained on exactly what a training would
use now (Rasa's fingerprint of every component, the full domain and the
config), it is kept and nothing is written. Otherwise the project is
validated and trained as by `rasa train` (components already in Rasa's cache
are restored, not retrained), and the new model's stamp is written beside it.

Exit codes: 0 the latest model is current (kept or just trained); 1 with
--check, a training is needed (nothing is written); 2 nothing to train on.
"""

import argparse
import logging
from pathlib import Path
from typing import Optional

import rasa.utils.common
import rasa.utils.io
from rasa.utils.tensorflow import environment

from bot.training.fingerprint import files_digest
from bot.training.graph import Project
from bot.training.models import latest_model, read_stamp, why_train, write_stamp


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.training",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--domain", type=Path, default=Path("domain.yml"))
    parser.add_argument("--data", type=Path, nargs="+", default=[Path("data")])
    parser.add_argument("--out", type=Path, default=Path("models"))
    parser.add_argument(
        "--check", action="store_true", help="only say whether a training is needed"
    )
    parser.add_argument("--force", action="store_true", help="retrain every component")
    parser.add_argument("--debug", action="store_true", help="Rasa's debug log")
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else logging.WARNING
    rasa.utils.common.configure_logging_and_warnings(
        level, warn_only_once=True, filter_repeated_logs=True
    )
    rasa.utils.io.configure_colored_logging(level)
    environment.setup_tf_environment()

    inputs = [args.config, args.domain, *args.data]
    before = files_digest(inputs)
    project = Project(args.config, args.domain, args.data)
    model = latest_model(args.out)
    reason = "forced (--force)"
    if not args.force:
        check = project.check()
        recorded = read_stamp(model) if model else None
        found = why_train(model, recorded, check.stamp, check.to_train)
        if found is None:
            print(f"Nothing changed: {model} is up to date; no training needed.")
            return 0
        reason = found
    if args.check:
        print(f"A training is needed: {reason}.")
        return 1
    print(f"Training: {reason}.")
    trained = project.train(args.out, force=args.force)
    if trained is None:
        print("Nothing to train on: add stories or NLU data (--data).")
        return 2
    # Loaded afresh: training adds tokens and features to the loaded examples.
    stamp = Project(args.config, args.domain, args.data).check().stamp
    if files_digest(inputs) != before:
        print("Training data changed during the training: the next run trains again.")
    elif stamp is None:
        print(
            "Rasa's cache did not keep every component (RASA_MAX_CACHE_SIZE?): "
            "the next run trains again."
        )
    else:
        write_stamp(trained, stamp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
