"""`assessment leader ...`: manage the leader passcode from the terminal.

The first start of the app prints a random passcode once; whoever lost it
resets it here (on the machine that holds the database, which is the proof of
being its operator), which also signs every leader browser out.
``sign-out-everyone`` does only the latter, e.g. after changing
ASSESSMENT_LEADER_PASSWORD. ``hash-passcode`` turns a chosen passcode into the
``scrypt$…`` form that ASSESSMENT_LEADER_PASSWORD also accepts, so a secrets
file need not hold the plain text.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from sqlalchemy.engine import Engine

from assessment.errors import AssessmentError
from assessment.service import auth
from assessment.settings import MIN_LEADER_PASSWORD_CHARS, load_settings
from assessment.store import sessions
from assessment.store.schema import init_db, make_engine
from assessment.vocabulary import plural

__all__ = ["register"]


def _engine_and_env_password() -> tuple[Engine, str | None]:
    settings = load_settings()
    secret = settings.leader_password
    return make_engine(settings.database_url), (
        secret.get_secret_value() if secret is not None else None
    )


def _reset(args: argparse.Namespace) -> int:
    engine, env_password = _engine_and_env_password()
    try:
        if env_password:
            raise AssessmentError(
                "ASSESSMENT_LEADER_PASSWORD is set, and it wins over a stored passcode:"
                " change or unset it instead of resetting."
            )
        passcode = auth.reset_passcode(engine)
    finally:
        engine.dispose()  # also when the database cannot be reached: main() says why
    print(auth.passcode_banner(passcode, env_password=False).replace("\n\n", "\n"))
    print("Every leader browser was signed out: sign in again with the new passcode.")
    return 0


def _sign_out_everyone(args: argparse.Namespace) -> int:
    engine, _ = _engine_and_env_password()
    try:
        init_db(engine)
        ended = sessions.revoke_all(engine)
    finally:
        engine.dispose()
    print(f"Signed out {plural(ended, 'leader browser')}.")
    return 0


def _status(args: argparse.Namespace) -> int:
    engine, env_password = _engine_and_env_password()
    try:
        auth.init_auth(engine)
        stored = auth.stored_hash(engine) is not None
    finally:
        engine.dispose()
    if env_password:
        print("Leaders sign in with ASSESSMENT_LEADER_PASSWORD.")
    elif stored:
        print("A leader passcode is stored (as a hash). Lost it? assessment leader reset-passcode")
    else:
        print("No leader passcode yet: the app creates one and prints it at its first start.")
    return 0


def _read_passcode() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Passcode: ")
        if getpass.getpass("Again: ") != first:
            raise AssessmentError("the two passcodes differ; nothing was hashed")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _hash(args: argparse.Namespace) -> int:
    passcode = _read_passcode()
    if len(passcode) < MIN_LEADER_PASSWORD_CHARS:
        raise AssessmentError(
            f"choose a passcode of at least {MIN_LEADER_PASSWORD_CHARS} characters"
        )
    print(auth.hash_passcode(passcode))
    return 0


def register(subparsers: Any) -> None:
    """Add ``leader reset-passcode | status | hash-passcode`` to the `assessment` command."""
    leader = subparsers.add_parser("leader", help="leader passcode: reset it, show its status")
    actions = leader.add_subparsers(dest="leader_command", required=True, metavar="ACTION")
    reset = actions.add_parser(
        "reset-passcode",
        help="replace the stored leader passcode with a new random one; signs everyone out",
    )
    reset.set_defaults(func=_reset)
    everyone = actions.add_parser(
        "sign-out-everyone", help="end every leader sign-in (each browser signs in again)"
    )
    everyone.set_defaults(func=_sign_out_everyone)
    status = actions.add_parser("status", help="say where the leader credential comes from")
    status.set_defaults(func=_status)
    hashed = actions.add_parser(
        "hash-passcode",
        help="print the scrypt hash of a passcode (read from stdin) for ASSESSMENT_LEADER_PASSWORD",
    )
    hashed.set_defaults(func=_hash)
