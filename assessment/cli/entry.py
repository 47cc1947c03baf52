"""The `assessment` command line: the parser and the one place errors become messages.

Each family of subcommands registers itself from its own module (`scoring`,
`rounds`, `files`, `leader`). Every user error ends with exit code 2 and one
line per problem, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from assessment.cli import files as cli_csv
from assessment.cli import leader as cli_leader
from assessment.cli import rounds as cli_rounds
from assessment.cli import scoring as cli_scoring
from assessment.errors import AssessmentError

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_INVALID = 0, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assessment",
        description="Role Radar: is product management blurred with project management?",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for module in (cli_scoring, cli_rounds, cli_csv, cli_leader):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except AssessmentError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        return EXIT_OK
