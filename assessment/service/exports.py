"""A round's downloadable files: the one function the data page and the CLI both call.

Scores and the retrospective pack are computed from the round's stored
responses with the round's own bank snapshot and minimum group size, so a file
downloaded today and one exported from the terminal next month are the same.
The responses file carries only what the round's privacy decision lets
through (`scoring.microdata`): team and role where they single nobody out,
days instead of times, fresh ids, rows in a random order -- or no file at all.
Ids stay ids there, so the file reads back in; the codebook (`interchange.codebook`)
says what each column means, and the scores and comments files carry the display
names of dimensions, lenses and roles beside their ids. Comments are their own
file, holding what the results page shows: only groups of at least
`policy.COMMENT_MIN_GROUP_SIZE` (`interchange.comments`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from assessment.errors import InputError
from assessment.interchange.codebook import codebook_table, with_names
from assessment.interchange.comments import comments_problem, comments_table
from assessment.interchange.retro import retro_csv_bytes
from assessment.interchange.write import (
    EXPORT_KINDS,
    export_filename,
    responses_csv_bytes,
    scores_table,
    to_bytes,
)
from assessment.policy import COMMENT_MIN_GROUP_SIZE
from assessment.scoring.certainty import round_change
from assessment.scoring.findings import findings
from assessment.scoring.levels import level_counts, level_of, published_scores
from assessment.scoring.microdata import generalise, microdata_columns, microdata_problem
from assessment.scoring.privacy import shown_total
from assessment.store import Round, comments_frame, get_round, publish, responses_frame
from assessment.store.rounds import round_row
from assessment.store.schema import publications, reading
from assessment.store.schema import responses as response_rows

__all__ = [
    "GROUPINGS",
    "GROUP_COLUMNS",
    "Export",
    "ResponsesFile",
    "comments_file",
    "export_name",
    "responses_file",
    "round_export",
    "round_scores",
    "scores_with_change",
]

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


@dataclass(frozen=True)
class ResponsesFile:
    """What a round's responses file would hold: its grouping columns, or why there is none."""

    columns: tuple[str, ...]  # of ``team`` and ``role``, those the file fills
    problem: str | None  # why the round has no responses file; None when it has one

    @property
    def offered(self) -> bool:
        return self.problem is None


def _release_steps(engine: Engine, token: str) -> pd.DataFrame:
    """``response_id, team, role, step`` of every published response of the round.

    The step each response was released in (`store.publish`): the responses
    file's rule (`scoring.microdata`) counts what every step showed.
    """
    with reading(engine) as conn:
        round_id = round_row(conn, token).id
        rows = conn.execute(
            sa.select(response_rows.c.response_id, response_rows.c.team, response_rows.c.role,
                      publications.c.step)
            .join(publications, publications.c.response_pk == response_rows.c.pk)
            .where(response_rows.c.round_id == round_id)
        ).all()  # fmt: skip
    frame = pd.DataFrame(rows, columns=["response_id", "team", "role", "step"])
    return frame.astype({"response_id": "str", "team": "str", "role": "str", "step": "int64"})


def responses_file(engine: Engine, token: str) -> ResponsesFile:
    """Whether the round has a responses file, and with which columns, from its counts alone.

    For a page to say so before anyone clicks (it reads no answers);
    `round_export` decides again on the rows it writes. Reads what is
    published; the page has run `store.publish` first.
    """
    rnd = get_round(engine, token)
    steps = _release_steps(engine, token)
    atoms = (
        steps.groupby(["team", "role", "step"], as_index=False).size().rename(columns={"size": "n"})
    )
    minimum = rnd.min_group_size
    columns = microdata_columns(atoms, minimum, rnd.teams)
    return ResponsesFile(columns or (), microdata_problem(atoms, minimum, rnd.teams))


def comments_file(engine: Engine, token: str) -> str | None:
    """Why the round has no comments file yet, in words for the leader; None when it has one.

    From the published responses' group sizes and the released comments; the
    page has run `store.publish` first.
    """
    rnd = get_round(engine, token)
    threshold = max(COMMENT_MIN_GROUP_SIZE, rnd.min_group_size)  # as `levels.level_counts`
    shown = shown_total(len(_release_steps(engine, token)), threshold) is not None
    return comments_problem(shown, len(comments_frame(engine, token, published_only=True)))


def _level(by: Sequence[str]) -> str:
    level = level_of(by)
    if level is None or any(col not in GROUP_COLUMNS for col in by):
        raise InputError(f"cannot group by {', '.join(repr(c) for c in by)}; use team and/or role")
    return level


def _comments_export(rnd: Round, engine: Engine, responses: pd.DataFrame,
                     by: Sequence[str]) -> pd.DataFrame:  # fmt: skip
    """The comments of every group at `by`'s level whose comments the results page shows."""
    counts = level_counts(responses, rnd.min_group_size, rnd.teams)
    comments = comments_frame(engine, rnd.token, published_only=True)
    organisation = bool(counts[_level(())]["comments_visible"].iloc[0])
    problem = comments_problem(organisation, len(comments))
    if problem is not None:
        raise InputError(problem)
    return comments_table(comments, counts[_level(by)], by)


def round_scores(rnd: Round, responses: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """The round's published scores (`levels.published_scores`): what its results page shows."""
    by = list(by)
    unknown = [col for col in by if col not in GROUP_COLUMNS]
    if unknown:
        raise InputError(
            f"cannot group by {', '.join(repr(c) for c in unknown)}; use team and/or role"
        )
    return published_scores(responses, rnd.bank, by, rnd.min_group_size, rnd.teams)


def scores_with_change(
    engine: Engine, rnd: Round, responses: pd.DataFrame, compare_to: str, by: Sequence[str] = ()
) -> pd.DataFrame:
    """The round's published scores with the change since round `compare_to` beside them.

    Adds ``previous_score, difference, diff_low, diff_high, p, p_holm, change``
    (`certainty.round_change`: both rounds scored on the items they share and
    each cut by its own privacy decision; Holm across this one table). A row
    without a comparison (hidden in either round, or a scale the rounds do not
    share) keeps those empty.
    """
    by = list(by)
    tidy = round_scores(rnd, responses, by)
    previous = get_round(engine, compare_to)
    publish(engine, compare_to)
    before = responses_frame(engine, compare_to, published_only=True)
    changes = round_change(
        responses, rnd.bank, before, previous.bank, by, rnd.min_group_size,
        previous.min_group_size, teams_now=rnd.teams, teams_before=previous.teams,
    )  # fmt: skip
    keys = [*by, "dimension", "lens"]
    added = changes.drop(columns=["score"])
    return tidy.astype({col: str for col in by}).merge(added, how="left", on=keys)


def export_name(rnd: Round, kind: str, by: Sequence[str] = (), day: date | None = None) -> str:
    """``role-radar_<round>_<kind>[-by-<columns>]_<date>.csv``; the day defaults to today (UTC)."""
    label = f"{kind}-by-{'-'.join(by)}" if by and kind != "responses" else kind
    return export_filename(rnd.name, label, day or datetime.now(UTC).date())


def round_export(
    engine: Engine,
    token: str,
    kind: str,
    by: Sequence[str] = (),
    *,
    day: date | None = None,
    compare_to: str | None = None,
) -> Export:
    """Build one export of a round: ``responses``, ``scores``, ``retro``, ``comments``
    (grouped by `by`) or ``codebook``.

    The file is named by `export_name`. Raises NotFoundError for an unknown
    round and InputError for an unknown kind or grouping, for ``responses``
    when the round has no responses file (`microdata_problem`: always while it
    has fewer responses than its minimum), and for ``comments`` when no group
    is large enough to show comments (`comments_problem`). `compare_to`, for
    ``scores`` only, adds the change since that round (`scores_with_change`).
    """
    if kind not in EXPORT_KINDS:
        raise InputError(f"unknown export '{kind}'; choose one of {', '.join(EXPORT_KINDS)}")
    if compare_to is not None and kind != "scores":
        raise InputError(f"--compare-to works with the scores export, not '{kind}'")
    rnd = get_round(engine, token)
    if kind == "codebook":  # the bank snapshot alone: no answer, no count
        codebook = codebook_table(rnd.bank)
        return Export(export_name(rnd, kind, (), day), to_bytes(codebook), len(codebook))
    publish(engine, token)  # leaders see the round in safe steps (scoring/publication.py)
    # The responses file keeps don't know and not applicable apart (a coded frame); scores never.
    responses = responses_frame(engine, token, published_only=True, kinds=kind == "responses")
    if kind == "responses":
        steps = _release_steps(engine, token)[["response_id", "step"]]
        released = responses.merge(steps, how="inner", on="response_id", validate="1:1")
        rows_out = generalise(released, rnd.min_group_size, rnd.bank.item_ids, rnd.teams)
        data = responses_csv_bytes(rows_out, rnd.bank)
        return Export(export_name(rnd, kind, (), day), data, len(rows_out))
    if kind == "comments":
        rows_out = _comments_export(rnd, engine, responses, by)
        data = to_bytes(with_names(rows_out, rnd.bank))
        return Export(export_name(rnd, kind, by, day), data, len(rows_out))
    if compare_to is not None:
        tidy = scores_with_change(engine, rnd, responses, compare_to, by)
    else:
        tidy = round_scores(rnd, responses, by)
    if kind == "scores":
        data = to_bytes(with_names(scores_table(tidy), rnd.bank))
        rows = len(tidy)
    else:
        found = findings(tidy, rnd.bank, by)
        data = retro_csv_bytes(tidy, found, rnd.bank, by=by, min_group_size=rnd.min_group_size)
        rows = len(tidy) // 3
    return Export(export_name(rnd, kind, by, day), data, rows)
