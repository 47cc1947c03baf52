"""The retrospective pack: one row per group x dimension, ready to paste into a retro board.

It is written from the published scores (`scoring.levels.published_scores`)
and the findings the results page shows for them (`scoring.findings`), so
the pack and the page never disagree on a verdict, a number or a hidden group.
A borderline finding says so in its finding and evidence cells, with the
verdicts its 95% intervals allow; each row offers the prompts for its verdict.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.interchange.write import Target, emit, neutralise, one_decimal, to_bytes, whole
from assessment.scoring.findings import Finding
from assessment.scoring.scores import dimension_table
from assessment.vocabulary import LENSES, HiddenReason, hidden_text

__all__ = ["RETRO_NUMBERS", "retro_csv_bytes", "retro_frame", "write_retro"]

RETRO_NUMBERS = (*LENSES, "blur_index", "balance")


def retro_frame(
    tidy: pd.DataFrame,
    found: Sequence[Finding],
    bank: Bank,
    by: Sequence[str] = (),
    min_group_size: int | None = None,
) -> pd.DataFrame:
    """The retrospective pack as text, one row per group x dimension.

    Columns: ``<by>, dimension, classification, finding, evidence, product,
    project, clarity, blur_index, balance, n, prompt_1 .. prompt_k``. One
    prompt per column, not several joined by line breaks: pasting a row range
    into a retro board (Miro, FigJam, Mural) makes one sticky per cell, and
    text tools that split pasted CSV on newlines keep one line per dimension.
    A fully suppressed group says why it is hidden ("fewer than N responses —
    hidden", or hidden to protect a smaller group) and shows no number; a
    partly suppressed one shows only its visible scores. `found` are the
    findings of the same scores (`scoring.findings.findings`).
    """
    by = list(by)
    prompts = max(
        max([len(d.retro_prompts), *(len(p) for p in d.verdict_prompts.values())])
        for d in bank.dimensions
    )
    columns = [*by, "dimension", "classification", "finding", "evidence", *RETRO_NUMBERS, "n"]
    columns += [f"prompt_{i}" for i in range(1, prompts + 1)]
    if tidy.empty:
        return pd.DataFrame(columns=columns, dtype=str)
    minimum = min_group_size or bank.min_group_size
    table = dimension_table(tidy, by)
    verdicts = {(*(f.group[col] for col in by), f.dimension): f for f in found}
    rows = []
    for record in table.to_dict("records"):
        key = (*(str(record[col]) for col in by), record["dimension"])
        finding = verdicts.get(key)
        lens_hidden = [pd.isna(record[lens]) for lens in LENSES]
        why = [record.get(f"reason_{lens}") or "" for lens in LENSES]
        hidden = hidden_text(next((w for w in why if w), HiddenReason.TOO_SMALL), minimum)
        row: dict[str, object] = {col: record[col] for col in by}
        row["dimension"] = bank.dimension(record["dimension"]).name
        if finding is not None:
            row.update(
                classification=finding.classification,
                finding=finding.headline,
                evidence=finding.evidence,
            )
        elif all(lens_hidden):
            row.update(classification="hidden", finding=hidden, evidence="")
        else:
            row.update(
                classification="",
                finding=f"Some scores are hidden ({hidden}); too few to classify.",
                evidence="",
            )
        for col in RETRO_NUMBERS:
            row[col] = record[col]
        counts = [record[f"n_{lens}"] for lens in LENSES]
        row["n"] = np.nan if all(lens_hidden) else max(counts)
        offered = bank.dimension(record["dimension"]).retro_prompts
        for i, prompt in enumerate(finding.prompts if finding is not None else offered, 1):
            row[f"prompt_{i}"] = prompt  # the prompts for the finding's own verdict
        rows.append(row)
    frame = pd.DataFrame(rows, columns=columns)
    for col in frame.columns:
        if col in RETRO_NUMBERS:
            frame[col] = one_decimal(frame[col])
        elif col == "n":
            frame[col] = whole(frame[col])
        else:
            frame[col] = neutralise(frame[col])
    return frame


def write_retro(
    tidy: pd.DataFrame,
    found: Sequence[Finding],
    bank: Bank,
    target: Target,
    *,
    by: Sequence[str] = (),
    min_group_size: int | None = None,
) -> None:
    """Write the retrospective pack (see `retro_frame`)."""
    emit(retro_frame(tidy, found, bank, by, min_group_size), target)


def retro_csv_bytes(
    tidy: pd.DataFrame,
    found: Sequence[Finding],
    bank: Bank,
    *,
    by: Sequence[str] = (),
    min_group_size: int | None = None,
) -> bytes:
    return to_bytes(retro_frame(tidy, found, bank, by, min_group_size))
