"""`assessment validate | score | findings`: a bank file and a responses file, no database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from assessment.bank import DEFAULT_BANK_PATH, Bank, load_bank
from assessment.cli.output import printable, write_output
from assessment.errors import AssessmentError
from assessment.interchange import read_responses, scores_csv_bytes, write_scores
from assessment.policy import min_group_size_problem
from assessment.scoring.findings import Finding, findings, verdict_counts
from assessment.scoring.levels import published_scores
from assessment.vocabulary import Classification

__all__ = ["register"]

EXIT_OK = 0


def _validate(args: argparse.Namespace) -> int:
    bank = load_bank(args.bank)
    print(f"{args.bank}: valid — {bank.title} (id {bank.id}, version {bank.version}),"
          f" {len(bank.items)} items in {len(bank.scales)} scales")  # fmt: skip
    return EXIT_OK


def _min_size(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = None
    problem = min_group_size_problem(number if number is not None else value)
    if problem:
        raise argparse.ArgumentTypeError(f"the minimum group size {problem}")
    return int(value)


def _scores(args: argparse.Namespace) -> tuple[Bank, pd.DataFrame]:
    bank = load_bank(args.bank)
    responses = read_responses(Path(args.responses), bank)
    missing = [col for col in args.by if col not in responses.columns]
    if missing:
        raise AssessmentError(
            f"{args.responses}: --by column '{col}' is not in the file" for col in missing
        )
    minimum = bank.min_group_size if args.min_group_size is None else args.min_group_size
    # The same published table as the results page and the scores CSV of a round.
    return bank, published_scores(responses, bank, args.by, minimum)


def _score(args: argparse.Namespace) -> int:
    _, tidy = _scores(args)
    if args.output:
        write_output(args.output, scores_csv_bytes(tidy))
    else:
        write_scores(tidy, sys.stdout)
    return EXIT_OK


def _findings(args: argparse.Namespace) -> int:
    bank, tidy = _scores(args)
    results = findings(tidy, bank, args.by)
    if not results:
        print("No findings: every group is under the minimum group size.")
    for finding in results:
        print(f"\n{printable(finding.headline)}\n  Evidence: {printable(finding.evidence)}")
        print("  For the retrospective:")
        for prompt in finding.prompts:
            print(f"  - {printable(prompt)}")
    if results:
        print(f"\n{_tally(results)}")
    return EXIT_OK


def _tally(results: list[Finding]) -> str:
    """'Firm: blurred 2, distinct 3. Borderline (the 95% intervals allow more than one): ...'."""
    firm, borderline = verdict_counts(results)

    def listed(counts: Mapping[Classification, int]) -> str:
        return ", ".join(f"{label} {count}" for label, count in counts.items() if count) or "none"

    return (
        f"Firm: {listed(firm)}. "
        f"Borderline (the 95% intervals allow more than one verdict): {listed(borderline)}."
    )


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


def register(sub: Any) -> None:
    """Add ``validate``, ``score`` and ``findings`` to the `assessment` command."""
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
