"""`assessment items`: item analysis of a responses file, for whoever maintains the bank.

Which statements work: one row per statement with its answers, its
don't-know rate, its item-rest correlation and the scale's alpha without it
(`scoring.item_analysis`). The analysis is of the whole file, never per team,
and only when the file holds at least the bank's minimum group size: the
same rule that lets the organisation's scores be shown.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from assessment.bank import DEFAULT_BANK_PATH, Bank, load_bank
from assessment.cli.output import printable, write_output
from assessment.errors import AssessmentError
from assessment.interchange import read_responses
from assessment.interchange.write import emit, to_bytes
from assessment.scoring.item_analysis import ItemAnalysis, item_analysis, kinds_of
from assessment.scoring.privacy import shown_total

__all__ = ["items_table", "register", "summary_lines"]

EXIT_OK = 0
_RATIOS = ("mean", "sd", "item_rest", "alpha_if_dropped")


def items_table(analysis: ItemAnalysis) -> pd.DataFrame:
    """The statement table as text cells: two decimals, rates to three, flags as yes/empty."""
    frame = analysis.items.copy()
    for column in frame.columns:
        values = frame[column]
        if column in _RATIOS:
            frame[column] = values.map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
        elif column.endswith("_rate"):
            frame[column] = values.map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
        elif column.startswith("flag_") or column == "reverse":
            frame[column] = values.map(lambda v: "yes" if v else "")
        else:
            frame[column] = values.astype(str)
    return frame


def summary_lines(analysis: ItemAnalysis, bank: Bank) -> list[str]:
    """What a person at a terminal reads: each scale's alpha, then each flagged statement."""
    lines = ["Scales (Cronbach's alpha, 95% interval, complete respondents):"]
    for row in analysis.scales.itertuples():
        alpha = "too few to estimate" if pd.isna(row.alpha) else (
            f"{row.alpha:.2f} ({row.alpha_low:.2f} to {row.alpha_high:.2f})"
        )  # fmt: skip
        lines.append(f"  {row.dimension} / {row.lens}: {alpha}, n {row.n}")
    flagged = analysis.items[analysis.items["flag_keying"] | analysis.items["flag_dont_know"]]
    if flagged.empty:
        lines.append("No statement is flagged.")
    for row in flagged.itertuples():
        reasons = []
        if row.flag_keying:
            reasons.append(f"item-rest correlation {row.item_rest:.2f}: check its keying")
        if row.flag_dont_know:
            reasons.append(f"{row.dont_know_rate:.0%} don't know")
        lines.append(f"Flagged {row.item}: {'; '.join(reasons)}")
    return [printable(line) for line in lines]


def _items(args: argparse.Namespace) -> int:
    bank = load_bank(args.bank)
    coded = bank.scale.not_applicable  # a file tells the two apart only where the scale does
    responses = read_responses(Path(args.responses), bank, kinds=coded)
    if shown_total(len(responses), bank.min_group_size) is None:
        raise AssessmentError(
            f"{args.responses}: {len(responses)} response(s); item analysis needs at least"
            f" {bank.min_group_size} (the bank's minimum group size), like any shown score"
        )
    analysis = item_analysis(responses, bank, kinds_of(bank, coded=coded))
    table = items_table(analysis)
    if args.output:
        write_output(args.output, to_bytes(table))
        print("\n".join(summary_lines(analysis, bank)))
    elif sys.stdout.isatty():
        print("\n".join(summary_lines(analysis, bank)))
        print("The full table per statement: add --output FILE (a CSV).")
    else:
        emit(table, sys.stdout)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add ``items`` to the `assessment` command."""
    items = sub.add_parser(
        "items", help="item analysis of a responses CSV: which statements work (CSV table)"
    )
    items.add_argument("responses", metavar="RESPONSES.csv", help="wide responses CSV")
    items.add_argument("--bank", type=Path, default=DEFAULT_BANK_PATH, help="question bank YAML")
    items.add_argument("--output", type=Path, metavar="FILE", help="write the CSV here")
    items.set_defaults(func=_items)
