"""`python -m bot.handoff`: run the staff console and manage its accounts.

Commands:
  serve                     run the console (CONSOLE_HOST:CONSOLE_PORT, one process)
  migrate                   bring the console database up to date and exit
  add-staff NAME --role counsellor|supervisor --languages tl,en [--password-stdin]
  list-staff                accounts, roles, languages, disabled or locked
  set-password NAME [--password-stdin]   (also unlocks, ends sessions)
  disable-staff NAME [--enable]          (disabling ends its sessions)

Passwords are asked twice without echo, or read as one line from standard
input with --password-stdin (scripts). Settings come from the environment
(bot/settings.py: DATABASE_URL, CONSOLE_*...). Exit status: 0 done, 1 the
operation failed (message on standard error), 2 wrong usage.
"""

import argparse
import getpass
import logging
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.handoff.store import Store

USAGE_ERROR = 2
FAILED = 1


class CommandError(Exception):
    """A command cannot be done; the message says why (exit status 1)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.handoff",
        description="The staff console of the hand-off to people.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the console")
    commands.add_parser("migrate", help="bring the database schema up to date")
    add = commands.add_parser("add-staff", help="create a staff account")
    add.add_argument("username")
    add.add_argument("--role", choices=("counsellor", "supervisor"), required=True)
    add.add_argument(
        "--languages", required=True, help="comma-separated codes: en,tl,ms,vi,th,lo"
    )
    add.add_argument("--password-stdin", action="store_true")
    commands.add_parser("list-staff", help="list the accounts")
    password = commands.add_parser("set-password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    disable = commands.add_parser(
        "disable-staff", help="disable (or --enable) an account"
    )
    disable.add_argument("username")
    disable.add_argument("--enable", action="store_true")
    return parser


def read_password(from_stdin: bool) -> str:
    """A new password: one line of standard input, or asked twice.

    Raises:
        CommandError: The two entries differ, or standard input is empty.
    """
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise CommandError("no password on standard input")
        return line
    first = getpass.getpass("New password: ")
    second = getpass.getpass("Repeat it: ")
    if first != second:
        raise CommandError("the two passwords differ")
    return first


def _store(settings: Settings) -> "Store":
    from bot.handoff.migrate import open_engine, upgrade
    from bot.handoff.store import Store

    engine = open_engine(settings.console_database_url)
    upgrade(engine)
    return Store(engine)


def add_staff(settings: Settings, args: argparse.Namespace) -> str:
    """Create an account; the confirmation line."""
    from bot.handoff import accounts

    username = accounts.check_username(args.username)
    role = accounts.check_role(args.role)
    languages = accounts.parse_languages(args.languages)
    password_hash = accounts.hash_password(read_password(args.password_stdin))
    store = _store(settings)
    store.add_staff(username, password_hash, role, languages, time.time())
    return f"Added {role} '{username}' ({', '.join(languages)})."


def list_staff(settings: Settings) -> str:
    """A table of the accounts."""
    from bot.handoff.accounts import is_locked

    now = time.time()
    rows = [
        "username                                 role        languages          state"
    ]
    for member in _store(settings).list_staff():
        state = (
            "disabled"
            if member.disabled
            else "locked"
            if is_locked(member.lock, now)
            else "active"
        )
        rows.append(
            f"{member.username:<40} {member.role:<11} "
            f"{','.join(member.languages):<18} {state}"
        )
    return "\n".join(rows) if len(rows) > 1 else "No staff accounts yet."


def set_password(settings: Settings, args: argparse.Namespace) -> str:
    """Replace a password; the confirmation line."""
    from bot.handoff import accounts

    username = accounts.check_username(args.username)
    store = _store(settings)
    if store.staff_by_name(username) is None:
        raise CommandError(f"no account '{username}'")
    password_hash = accounts.hash_password(read_password(args.password_stdin))
    store.set_password(username, password_hash)
    return f"New password set for '{username}'; its sessions were ended."


def disable_staff(settings: Settings, args: argparse.Namespace) -> str:
    """Disable or enable an account; the confirmation line."""
    from bot.handoff import accounts

    username = accounts.check_username(args.username)
    if not _store(settings).set_disabled(username, not args.enable):
        raise CommandError(f"no account '{username}'")
    return f"{'Enabled' if args.enable else 'Disabled'} '{username}'."


def serve(settings: Settings) -> int:
    """Run the console until interrupted."""
    from bot.handoff.app import create_app

    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    app = create_app(settings)
    app.run(
        host=settings.console_host,
        port=settings.console_port,
        workers=1,
        access_log=False,  # query strings of /internal name conversations
        debug=False,
    )
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run one command; the exit status."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    settings = Settings.from_env()
    from sqlalchemy.exc import SQLAlchemyError

    from bot.content.opening import OpeningError
    from bot.database import reason
    from bot.handoff.accounts import AccountError
    from bot.handoff.outcomes import OutcomeError

    try:
        if args.command == "serve":
            return serve(settings)
        if args.command == "migrate":
            _store(settings)
            print("The console database is up to date.")
            return 0
        if args.command == "add-staff":
            print(add_staff(settings, args))
        elif args.command == "list-staff":
            print(list_staff(settings))
        elif args.command == "set-password":
            print(set_password(settings, args))
        elif args.command == "disable-staff":
            print(disable_staff(settings, args))
        return 0
    except (CommandError, AccountError, OpeningError, OutcomeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILED
    except SQLAlchemyError as error:
        print(f"error: the console database failed: {reason(error)}", file=sys.stderr)
        return FAILED
    except OSError as error:
        print(f"error: {type(error).__name__}: {error.strerror}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
