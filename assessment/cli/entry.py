"""The `assessment` command line: the parser and the one place errors become messages.

Each family of subcommands registers itself from its own module (`scoring`,
`items`, `rounds`, `files`, `leader`). Every error a user or an operator can fix ends
with exit code 2 and one line per problem, never a traceback: bad input
(`AssessmentError`), a database that cannot be reached or refuses to work
(locked, read-only, disk full), and files that cannot be written. Lines are
printed through `output.printable`, so control characters from a file never
reach the terminal raw.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import NoReturn

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from assessment.cli import files as cli_csv
from assessment.cli import items as cli_items
from assessment.cli import leader as cli_leader
from assessment.cli import rounds as cli_rounds
from assessment.cli import scoring as cli_scoring
from assessment.cli import serve as cli_serve
from assessment.cli.output import database_problem, os_problem, printable
from assessment.errors import AssessmentError

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_INVALID, EXIT_INTERRUPTED = 0, 2, 130


class _Parser(argparse.ArgumentParser):
    """argparse, with its messages (which quote the arguments) made safe to print."""

    def error(self, message: str) -> NoReturn:
        super().error(printable(message))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="assessment",
        description="Role Radar: is product management blurred with project management?",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for module in (cli_scoring, cli_items, cli_rounds, cli_csv, cli_leader, cli_serve):
        module.register(sub)
    return parser


def _error(line: str) -> None:
    print(f"error: {printable(line)}", file=sys.stderr)


def _quiet_stdout() -> None:
    """After a closed pipe (`assessment export ... | head`), let the exit flush go nowhere."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except AssessmentError as exc:
        for problem in exc.problems:
            _error(problem)
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_OK
    except (DBAPIError, PoolTimeoutError, sqlite3.Error) as exc:
        _error(database_problem(exc))
    except OSError as exc:
        _error(os_problem(exc))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_INVALID
