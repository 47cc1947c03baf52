"""A round's downloadable files: the one function the data page and the CLI both call.

Scores and the retrospective pack are computed from the round's stored
responses with the round's own bank snapshot and minimum group size, so a file
downloaded today and one exported from the terminal next month are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy.engine import Engine

from assessment.errors import InputError
from assessment.interchange.retro import retro_csv_bytes
from assessment.interchange.write import (
    EXPORT_KINDS,
    export_filename,
    responses_csv_bytes,
    scores_csv_bytes,
)
from assessment.scoring.findings import findings
from assessment.scoring.levels import published_scores
from assessment.store import Round, get_round, responses_frame

__all__ = ["GROUPINGS", "GROUP_COLUMNS", "Export", "export_name", "round_export", "round_scores"]

GROUPINGS: dict[str, tuple[str, ...]] = {
    "Whole organisation": (),
    "By team": ("team",),
    "By role": ("role",),
    "By team and role": ("team", "role"),
}
GROUP_COLUMNS = ("team", "role")


@dataclass(frozen=True)
class Export:
    """A file ready to hand over: its name, its bytes and how many data rows it has."""

    filename: str
    data: bytes
    rows: int


def round_scores(rnd: Round, responses: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """The round's published scores (`levels.published_scores`): what its results page shows."""
    by = list(by)
    unknown = [col for col in by if col not in GROUP_COLUMNS]
    if unknown:
        raise InputError(
            f"cannot group by {', '.join(repr(c) for c in unknown)}; use team and/or role"
        )
    return published_scores(responses, rnd.bank, by, rnd.min_group_size, rnd.teams)


def export_name(rnd: Round, kind: str, by: Sequence[str] = (), day: date | None = None) -> str:
    """``role-radar_<round>_<kind>[-by-<columns>]_<date>.csv``; the day defaults to today (UTC)."""
    label = f"{kind}-by-{'-'.join(by)}" if by and kind != "responses" else kind
    return export_filename(rnd.name, label, day or datetime.now(UTC).date())


def round_export(
    engine: Engine, token: str, kind: str, by: Sequence[str] = (), *, day: date | None = None
) -> Export:
    """Build one export of a round: ``responses``, ``scores`` or ``retro`` (grouped by `by`).

    The file is named by `export_name`. Raises NotFoundError for an unknown
    round and InputError for an unknown kind or grouping.
    """
    if kind not in EXPORT_KINDS:
        raise InputError(f"unknown export '{kind}'; choose one of {', '.join(EXPORT_KINDS)}")
    rnd = get_round(engine, token)
    responses = responses_frame(engine, token)
    if kind == "responses":
        data, rows = responses_csv_bytes(responses, rnd.bank), len(responses)
        return Export(export_name(rnd, kind, (), day), data, rows)
    tidy = round_scores(rnd, responses, by)
    if kind == "scores":
        data = scores_csv_bytes(tidy)
        rows = len(tidy)
    else:
        found = findings(tidy, rnd.bank, by)
        data = retro_csv_bytes(tidy, found, rnd.bank, by=by, min_group_size=rnd.min_group_size)
        rows = len(tidy) // 3
    return Export(export_name(rnd, kind, by, day), data, rows)
