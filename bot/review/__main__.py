"""`python -m bot.review export|import`: the review round trip's command line.

    python -m bot.review export [--language th] [--out review] [--sample 5]
    python -m bot.review import review/th-answers.csv [--reviewer "Name"]

Import exit codes: 0 every filled-in row applied; 1 some rows refused (the
others applied); 2 the file refused as a whole (nothing changed).
"""

import argparse
import sys
from pathlib import Path
from typing import Optional

from bot.review.project import Project
from bot.review.roundtrip import export, import_file


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot.review", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the checkout")
    commands = parser.add_subparsers(dest="command", required=True)
    out = commands.add_parser("export", help="write the review files")
    out.add_argument("--language", action="append", help="a language code (repeatable)")
    out.add_argument("--out", type=Path, default=None, help="folder (default review/)")
    out.add_argument(
        "--sample", type=int, default=5, help="training examples per intent"
    )
    back = commands.add_parser("import", help="check and apply a returned file")
    back.add_argument("file", type=Path)
    back.add_argument("--reviewer", default="", help="the reviewer's name")
    args = parser.parse_args(argv)
    project = Project(args.root.resolve())
    if args.command == "export":
        folder = args.out or project.root / "review"
        only = [
            code for item in args.language or [] for code in item.split(",") if code
        ]
        for line in export(project, folder, only or None, args.sample):
            print(line)
        print(f"review files written to {folder}")
        return 0
    report = import_file(project, args.file, args.reviewer or None)
    print(report.text())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
