"""The `assessment` command line: validate banks, score files, run rounds.

Each family of subcommands registers itself from its own module
(`cli_rounds`, `cli_csv`, `cli_leader`); this module holds the entry point
and the commands of the foundation: validate, score, findings.
Every user error ends with exit code 2 and one line per problem, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from assessment import cli_csv, cli_leader, cli_rounds
from assessment.bank import DEFAULT_BANK_PATH, Bank, load_bank
from assessment.csvio import read_responses, write_scores
from assessment.errors import AssessmentError
from assessment.findings import findings
from assessment.scoring import group_scores

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_INVALID = 0, 2


def _validate(args: argparse.Namespace) -> int:
    bank = load_bank(args.bank)
    print(f"{args.bank}: valid — {bank.title} (id {bank.id}, version {bank.version}),"
          f" {len(bank.items)} items in {len(bank.scales)} scales")  # fmt: skip
    return EXIT_OK


def _min_size(value: str) -> int:
    number = int(value)
    if number < 3:
        raise argparse.ArgumentTypeError("the minimum group size is at least 3")
    return number


def _scores(args: argparse.Namespace) -> tuple[Bank, pd.DataFrame]:
    bank = load_bank(args.bank)
    responses = read_responses(Path(args.responses), bank)
    missing = [col for col in args.by if col not in responses.columns]
    if missing:
        raise AssessmentError(
            f"{args.responses}: --by column '{col}' is not in the file" for col in missing
        )
    return bank, group_scores(responses, bank, by=args.by, min_group_size=args.min_group_size)


def _score(args: argparse.Namespace) -> int:
    _, tidy = _scores(args)
    if args.output:
        with open(args.output, "w", encoding="utf-8-sig", newline="") as handle:
            write_scores(tidy, handle)
    else:
        write_scores(tidy, sys.stdout)
    return EXIT_OK


def _findings(args: argparse.Namespace) -> int:
    bank, tidy = _scores(args)
    results = findings(tidy, bank, args.by)
    if not results:
        print("No findings: every group is under the minimum group size.")
    for finding in results:
        print(f"\n{finding.headline}\n  Evidence: {finding.evidence}")
        print("  For the retrospective:")
        for prompt in finding.prompts:
            print(f"  - {prompt}")
    return EXIT_OK


def _add_scoring_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("responses", metavar="RESPONSES.csv", help="wide responses CSV")
    parser.add_argument("--bank", type=Path, default=DEFAULT_BANK_PATH, help="question bank YAML")
    parser.add_argument(
        "--by", action="append", default=[], metavar="COLUMN", help="group by this column (repeat)"
    )
    parser.add_argument(
        "--min-group-size", type=_min_size, default=None, metavar="N",
        help="anonymity threshold (default: the bank's)",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assessment",
        description="Role Radar: is product management blurred with project management?",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check a question bank")
    validate.add_argument("bank", nargs="?", type=Path, default=DEFAULT_BANK_PATH, metavar="BANK")
    validate.set_defaults(func=_validate)

    score = sub.add_parser("score", help="score a responses CSV (tidy scores)")
    _add_scoring_arguments(score)
    score.add_argument("--output", type=Path, metavar="FILE", help="write here instead of stdout")
    score.set_defaults(func=_score)

    find = sub.add_parser("findings", help="print the findings for a responses CSV")
    _add_scoring_arguments(find)
    find.set_defaults(func=_findings)

    for module in (cli_rounds, cli_csv, cli_leader):
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
