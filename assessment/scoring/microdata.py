"""The raw responses file: one row per response, with only what the privacy decision lets through.

A leader who downloads the responses CSV holds every answer of every
respondent, one row each. Names were never asked, so what could single
someone out is what a row says besides its answers -- its team, its role,
its date -- read together with everything the pages publish.

The pages publish, for every group they show (organisation, team, role,
team x role), its size, its scores and how often each answer was given to
each statement. Matched against those counts, the rows of a file can be
sorted: the rows whose answers add up exactly to a shown team's counts are
that team (a small integer program finds them; with a dozen statements the
match is almost always unique). So a row's team is as good as known when
the file has a team column *or* the row's team is shown, and the same for
its role. And since the leader pages grow in published steps
(`scoring.publication`), a leader who looks at every step can also tell in
which step each row was released.

*Piles.* The rows a leader cannot tell apart are a pile: same release step,
same known team (or none), same known role (or none), counting everything
published from that step on. Every pile must hold at least the round's
minimum.

*The file keeps* the ``team`` and ``role`` columns of the first of
(team, role), (team), (role), () whose piles all hold the minimum; the
other columns stay empty. Team and role exactly when every team x role
cell holds the minimum (in one step). When no choice works -- always while
the whole round is below its minimum, and whenever a shown team and a shown
role meet in a hidden team x role cell -- there is no file
(`microdata_problem` says why). Earlier steps count with the file they
would have had then (`file_history`).

*Dates, not times*: ``submitted_at`` is the day (YYYY-MM-DD, UTC), written
only when every pile holds at least the minimum on each day it has;
otherwise it is empty in every row.

*Nothing else*: each row gets a fresh random ``response_id`` (stored ids of
imported rows derive from the file and its row number), the rows are put in
an order drawn from the operating system's random source, and comments are
never in the file.

Pure: `service.exports.round_export` reads the published responses and
their steps and calls `generalise` for the file the Import & export page
and ``assessment export responses`` both hand out.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.errors import InputError
from assessment.scoring.privacy import decide_groups

__all__ = [
    "CHOICES",
    "FILE_COLUMNS",
    "atoms_of",
    "file_history",
    "generalise",
    "keeps_dates",
    "microdata_columns",
    "microdata_problem",
    "piles",
]

CHOICES: tuple[tuple[str, ...], ...] = (("team", "role"), ("team",), ("role",), ())
"""The grouping columns a responses file may keep, most useful first."""

FILE_COLUMNS = ("response_id", "submitted_at", "round", "team", "role")
"""The columns before the answers, as the wide format has them."""

_CELL = ["team", "role"]
_ID_BYTES = 16  # as many random bytes as the store's own response ids (secrets.token_hex(16))

Seen = tuple[set[str], set[str], set[tuple[str, str]]]
"""What one step published: its shown teams, shown roles and shown team x role cells."""


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Each row's ``team, role, step``; without a ``step`` column every row is step 1."""
    step = frame["step"] if "step" in frame else pd.Series(1, index=frame.index)
    return pd.DataFrame(
        {
            "team": frame["team"].astype(str).to_numpy(),
            "role": frame["role"].astype(str).to_numpy(),
            "step": step.astype("int64").to_numpy(),
        }
    )


def atoms_of(frame: pd.DataFrame) -> pd.DataFrame:
    """Responses per team x role x release step: ``team, role, step, n``.

    `frame` has ``team`` and ``role`` and, when the round is published in
    steps, ``step`` (1, 2, ...); without it every row counts as step 1.
    """
    sizes = _keys(frame).groupby([*_CELL, "step"], sort=True).size().rename("n").reset_index()
    return sizes.astype({"team": "str", "role": "str", "step": "int64", "n": "int64"})


def _seen(groups: dict[str, pd.DataFrame]) -> Seen:
    def shown(level: str, by: list[str]) -> pd.DataFrame:
        table = groups[level]
        return table[table["shown"].to_numpy(dtype=bool)][by].astype(str)

    cells = shown("team_role", _CELL)
    return (
        set(shown("team", ["team"])["team"]),
        set(shown("role", ["role"])["role"]),
        set(zip(cells["team"], cells["role"], strict=True)),
    )


def _steps(atoms: pd.DataFrame, minimum: int, teams: Sequence[str]) -> list[Seen]:
    """What the pages showed after each step: the decision on everything released by then."""
    out = []
    for step in sorted(atoms["step"].unique()):
        sizes = atoms[atoms["step"] <= step].groupby(_CELL, as_index=False)["n"].sum()
        out.append(_seen(decide_groups(sizes, minimum, teams)))
    return out


def _pile_table(
    atoms: pd.DataFrame, seen: list[Seen], keeps: Sequence[tuple[str, ...] | None]
) -> pd.DataFrame:
    """`atoms` with ``pile``: the same number where a leader cannot tell the rows apart.

    A row released in step s is on every page and in every file from s on,
    so its team is known when, at any step from s on, its team or its cell
    was shown or the file had a team column; the same for its role.
    """
    order = sorted(atoms["step"].unique())
    last: dict[object, int] = {}  # what was shown or kept -> the latest step it was
    for step, (teams, roles, cells), keep in zip(order, seen, keeps, strict=True):
        last.update(dict.fromkeys((("team", t) for t in teams), step))
        last.update(dict.fromkeys((("role", r) for r in roles), step))
        last.update(dict.fromkeys((("cell", t, r) for t, r in cells), step))
        last.update(dict.fromkeys((("file", c) for c in keep or ()), step))
    known_team, known_role = [], []
    for team, role, step in zip(atoms["team"], atoms["role"], atoms["step"], strict=True):
        cell = last.get(("cell", team, role), 0) >= step
        by_team = cell or max(last.get(("team", team), 0), last.get(("file", "team"), 0)) >= step
        by_role = cell or max(last.get(("role", role), 0), last.get(("file", "role"), 0)) >= step
        known_team.append(team if by_team else "")
        known_role.append(role if by_role else "")
    signature = pd.DataFrame(
        {"step": atoms["step"].to_numpy(), "team": known_team, "role": known_role}
    )
    pile = pd.MultiIndex.from_frame(signature).factorize()[0] if len(atoms) else []
    return atoms.reset_index(drop=True).assign(pile=np.asarray(pile, dtype=np.int64))


def _all_large(table: pd.DataFrame, minimum: int) -> bool:
    sizes = table.groupby("pile")["n"].sum()
    return bool(len(sizes)) and bool((sizes >= minimum).all())


def _history(
    atoms: pd.DataFrame, minimum: int, teams: Sequence[str]
) -> tuple[list[Seen], list[tuple[str, ...] | None]]:
    atoms = atoms[atoms["n"] > 0]
    seen = _steps(atoms, minimum, teams)
    order = sorted(atoms["step"].unique())
    keeps: list[tuple[str, ...] | None] = []
    for i, step in enumerate(order):
        upto = atoms[atoms["step"] <= step]
        keep = None
        if bool(upto["n"].sum() >= minimum):
            keep = next(
                (
                    choice
                    for choice in CHOICES
                    if _all_large(_pile_table(upto, seen[: i + 1], [*keeps, choice]), minimum)
                ),
                None,
            )
        keeps.append(keep)
    return seen, keeps


def file_history(
    atoms: pd.DataFrame, minimum: int, teams: Sequence[str] = ()
) -> list[tuple[str, ...] | None]:
    """The grouping columns the file had after each release step (None: no file then).

    Each step's choice counts the earlier steps with the files they had, so
    downloading the file at every step and comparing the copies narrows
    nobody down to fewer than `minimum`.
    """
    return _history(atoms, minimum, teams)[1]


def microdata_columns(
    atoms: pd.DataFrame, minimum: int, teams: Sequence[str] = ()
) -> tuple[str, ...] | None:
    """The grouping columns the responses file fills now, or None when there is no file.

    `atoms` is ``team, role, step, n`` (`atoms_of`) of the published
    responses. ``("team", "role")`` exactly when every team x role cell of
    every step holds `minimum`; None whenever the round holds fewer.
    """
    keeps = file_history(atoms, minimum, teams)
    return keeps[-1] if keeps else None


def piles(
    atoms: pd.DataFrame, minimum: int, teams: Sequence[str], keep: tuple[str, ...]
) -> pd.DataFrame:
    """`atoms` with the ``pile`` each falls into when today's file keeps `keep`."""
    atoms = atoms[atoms["n"] > 0]
    seen, keeps = _history(atoms, minimum, teams)
    return _pile_table(atoms, seen, [*keeps[:-1], keep])


def microdata_problem(atoms: pd.DataFrame, minimum: int, teams: Sequence[str] = ()) -> str | None:
    """Why the round has no responses file, in words for the leader; None when it has one."""
    if microdata_columns(atoms, minimum, teams) is not None:
        return None
    if int(atoms["n"].sum()) < minimum:
        return (
            f"The responses file opens once the round has at least {minimum} responses;"
            " until then it would show the answers of fewer people than the round promises."
        )
    return (
        "The responses file is not offered for this round yet: matched against the groups"
        " the results show, its rows could be narrowed down to fewer than"
        f" {minimum} people, even with team and role left out. It opens once the small"
        " teams and roles have grown; the scores CSV and the retro pack are there meanwhile."
    )


def _days(stamps: pd.Series) -> pd.Series:
    """The UTC day (YYYY-MM-DD) of each time stamp; empty where there is none."""
    parsed = pd.to_datetime(stamps, errors="coerce", utc=True, format="ISO8601")
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), "").astype(str)


def keeps_dates(frame: pd.DataFrame, table: pd.DataFrame, minimum: int) -> bool:
    """Whether every pile of `table` (`piles`) holds at least `minimum` on each day it has."""
    if "submitted_at" not in frame or not len(frame):
        return False
    days = _days(frame["submitted_at"])
    if days.eq("").any():
        return False
    located = _keys(frame).merge(
        table[[*_CELL, "step", "pile"]], how="left", on=[*_CELL, "step"], validate="m:1"
    )
    if located["pile"].isna().any():  # a row the decision did not count: say nothing about it
        return False
    per_day = located.assign(day=days.to_numpy()).groupby(["pile", "day"]).size()
    return bool((per_day >= minimum).all())


def _fresh_ids(count: int) -> list[str]:
    """`count` random ids, 32 hex digits each, like the store's own: one read of the OS source."""
    text = secrets.token_bytes(_ID_BYTES * count).hex()
    width = 2 * _ID_BYTES
    return [text[i : i + width] for i in range(0, width * count, width)]


def _shuffled(count: int) -> np.ndarray:
    """A random order of `count` rows: sorted by 64-bit keys from the OS's secure source."""
    keys = np.frombuffer(secrets.token_bytes(8 * count), dtype=np.uint64)
    return np.argsort(keys, kind="stable")


def generalise(
    frame: pd.DataFrame, minimum: int, items: Sequence[str], teams: Sequence[str] = ()
) -> pd.DataFrame:
    """The responses file's rows: only what the round's privacy decision lets through.

    Parameters
    ----------
    frame : the round's published responses (`store.responses_frame`):
        team, role, submitted_at (ISO 8601), the item columns and, when
        published in steps, ``step``.
    minimum : the round's minimum group size.
    items : the bank's item ids, in order; other columns (a comment, the
        stored ids, the step, anything else) are not carried over.
    teams : the round's teams, as the decision lists them.

    Returns
    -------
    ``response_id, submitted_at, round, team, role, <items>``: ``team`` and
    ``role`` filled as `microdata_columns` says, else empty; ``submitted_at``
    a day or empty (`keeps_dates`); a fresh random ``response_id``; the rows
    in a random order.

    Raises
    ------
    InputError
        When the round has no responses file (`microdata_problem`).
    """
    atoms = atoms_of(frame)
    seen, keeps = _history(atoms, minimum, teams)
    keep = keeps[-1] if keeps else None
    if keep is None:
        raise InputError(microdata_problem(atoms, minimum, teams) or "no responses file")
    dated = keeps_dates(frame, _pile_table(atoms, seen, keeps), minimum)
    count = len(frame)
    blank = pd.Series([""] * count, index=frame.index, dtype="str")
    out = pd.DataFrame(
        {
            "response_id": pd.Series(_fresh_ids(count), index=frame.index, dtype="str"),
            "submitted_at": _days(frame["submitted_at"]) if dated else blank,
            "round": frame["round"].astype(str) if "round" in frame else blank,
            "team": frame["team"].astype(str) if "team" in keep else blank,
            "role": frame["role"].astype(str) if "role" in keep else blank,
        },
        index=frame.index,
    )
    answers = frame.reindex(columns=list(items)).astype(float)
    out = pd.concat([out, answers], axis=1)
    return out.iloc[_shuffled(count)].reset_index(drop=True)
