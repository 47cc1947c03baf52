"""The privacy decision: which groups and which scores of a round may be shown, and why not.

Every surface that shows or exports a number -- the results page (tables,
charts, hovers, findings, headline, filters), the Rounds page's participation
counts, the scores CSV, the retro pack, `assessment score` and `findings` --
takes its decision from the two functions here, so no page can show what a
file hides, and every hidden value is labelled with its true reason
(`vocabulary.HiddenReason`):

* `decide_groups` works on group sizes alone (responses per team x role) and
  decides, at every level a leader can look at (organisation, team, role,
  team x role), whether a group is shown at all;
* `decide_cells` then decides each score of a shown group: a scale that fewer
  than the minimum answered is hidden too, and so is whatever would let it be
  worked out.

The rules (docs/architecture.md, "Privacy"):

1. *Too small*: a group (or a score) with fewer respondents than the round's
   minimum is hidden.
2. *Protects another*: within every set of groups that add up to a larger
   total (one grouping column varying, the others fixed), the hidden groups
   together hold at least the minimum, or are all of them; otherwise the
   smallest visible group is hidden too, until that holds.
3. *Linked tables*: a team x role cell is hidden wherever its team or its role
   is hidden, so the cells cannot add up to a hidden team, and rule 2 then runs
   again over the cells.
4. *Audit*: rules 1-3 are a well-known heuristic, not a proof. `scoring.audit`
   then checks all published tables of the round together; while it can work
   out a set of fewer than `minimum` people from them (say, a lone product
   manager as team - team's designers - (engineers - other team's
   engineers)), the smallest shown team x role cell is hidden too (then the
   smallest role, then team), reason protects_another.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.scoring.audit import audit
from assessment.vocabulary import HiddenReason

__all__ = [
    "LEVELS",
    "complementary",
    "decide_cells",
    "decide_groups",
    "group_sizes",
    "reasons",
    "shown_total",
]

LEVELS: dict[str, tuple[str, ...]] = {
    "org": (),
    "team": ("team",),
    "role": ("role",),
    "team_role": ("team", "role"),
}
"""The tables a round publishes, by the columns that group them."""

TOO_SMALL, PROTECTS = str(HiddenReason.TOO_SMALL), str(HiddenReason.PROTECTS_ANOTHER)


def complementary(
    n: np.ndarray, codes: np.ndarray, minimum: int, hidden: np.ndarray | None = None
) -> np.ndarray:
    """Which cells to hide (groups x columns): small ones, plus enough others to protect them.

    Parameters
    ----------
    n : respondents per group x column (a column is a scale, or the count itself).
    codes : groups x grouping-columns integer codes of each group's labels.
    minimum : the round's minimum group size.
    hidden : cells already hidden for another reason, to protect as well.

    Within every set of groups that adds up to a larger total (one grouping
    column varying, the others fixed, per column of `n`), the hidden groups
    together must hold at least `minimum` respondents, or be all of them;
    otherwise the smallest visible groups are hidden too. With several
    grouping columns the rule runs along each until nothing changes.

    Examples
    --------
    Teams of 6, 5 and 2 at minimum 3: the 2 is hidden, and the 5 with it, so
    that the total minus the 6 does not give the 2 away.
    """
    hidden = n < minimum if hidden is None else hidden | (n < minimum)
    for _ in range(2 * codes.shape[1] + 2):
        before = hidden.copy()
        for col in range(codes.shape[1]):
            others = np.delete(codes, col, axis=1)
            partition = (
                np.unique(others, axis=0, return_inverse=True)[1].ravel()
                if others.shape[1]
                else np.zeros(len(codes), dtype=np.int64)
            )
            hidden = _protect(n, hidden, partition, minimum)
        if np.array_equal(hidden, before):
            break
    return hidden


def _protect(n: np.ndarray, hidden: np.ndarray, partition: np.ndarray, minimum: int) -> np.ndarray:
    """Hide the smallest visible group of each exposed partition until none is exposed."""
    hidden = hidden.copy()
    if not len(partition):
        return hidden
    parts = int(partition.max()) + 1
    # A tiny per-group offset breaks ties between equal n deterministically (first group wins).
    key_base = n + np.arange(len(n))[:, None] / (len(n) + 1)
    while True:
        hidden_n = np.zeros((parts, n.shape[1]))
        np.add.at(hidden_n, partition, np.where(hidden, n, 0))
        exposed = (hidden_n > 0) & (hidden_n < minimum)
        candidate = ~hidden & exposed[partition]
        if not candidate.any():
            return hidden
        key = np.where(candidate, key_base, np.inf)
        best = np.full((parts, n.shape[1]), np.inf)
        np.minimum.at(best, partition, key)
        hidden |= candidate & (key == best[partition])


def reasons(hidden: np.ndarray, n: np.ndarray, minimum: int) -> np.ndarray:
    """The true reason of each hidden cell ('' where shown): too small, else protecting another."""
    out = np.where(hidden, PROTECTS, "").astype(object)
    out[hidden & (n < minimum)] = TOO_SMALL
    return out


def shown_total(responses: int, minimum: int) -> int | None:
    """A round's total number of responses as it may be published: None below the minimum.

    The organisation is the one group nothing else can protect, so rule 1
    alone decides it; `decide_groups` gives the same answer for its org row.
    """
    return responses if responses >= minimum else None


def group_sizes(frame: pd.DataFrame) -> pd.DataFrame:
    """Responses per team x role of a wide responses frame: ``team, role, n``."""
    if frame.empty:
        return pd.DataFrame({"team": [], "role": [], "n": []}).astype(
            {"team": "str", "role": "str", "n": "int64"}
        )
    keys = [frame["team"].astype(str), frame["role"].astype(str)]
    return frame.groupby(keys, sort=True).size().rename("n").reset_index()


def decide_groups(
    sizes: pd.DataFrame, minimum: int, teams: Sequence[str] = ()
) -> dict[str, pd.DataFrame]:
    """Which groups of a round may be shown at each level, from their sizes alone.

    Parameters
    ----------
    sizes : responses per team x role (`group_sizes`, or the store's
        `response_counts`): columns ``team, role, n``.
    minimum : the round's minimum group size.
    teams : the round's teams, listed at the team level even with no response.

    Returns
    -------
    ``{level: DataFrame}`` for every level of `LEVELS`, with the level's
    columns, then ``n`` (the true size: for deciding only, never to publish
    where hidden), ``shown`` and ``reason`` ('' where shown).
    """
    team_of = sizes["team"].astype(str).tolist()
    role_of = sizes["role"].astype(str).tolist()
    counts = sizes["n"].astype("int64").tolist()
    keys: dict[str, list[tuple[str, ...]]] = {}
    n: dict[str, np.ndarray] = {}
    for level, by in LEVELS.items():
        columns = [{"team": team_of, "role": role_of}[col] for col in by]
        keys[level], n[level] = _summed(columns, counts, teams if level == "team" else ())
    hidden: dict[str, np.ndarray] = {}
    for level in ("org", "team", "role"):
        hidden[level] = complementary(n[level][:, None], _key_codes(keys[level]), minimum).ravel()
    cells = keys["team_role"]
    start = np.zeros(len(cells), dtype=bool)
    for col, parent in ((0, "team"), (1, "role")):
        shown_parent = dict(zip(keys[parent], (~hidden[parent]).tolist(), strict=True))
        start |= ~np.array([shown_parent.get((key[col],), False) for key in cells], dtype=bool)
    hidden["team_role"] = complementary(
        n["team_role"][:, None], _key_codes(cells), minimum, start[:, None]
    ).ravel()
    why = {level: reasons(hidden[level], n[level], minimum) for level in LEVELS}
    member = {"org": np.ones((1, len(cells)), dtype=float), "team_role": np.eye(len(cells))}
    for col, level in ((0, "team"), (1, "role")):
        mine = np.array([key[0] for key in keys[level]], dtype=object)
        theirs = np.array([key[col] for key in cells], dtype=object)
        member[level] = (mine[:, None] == theirs[None, :]).astype(float)
    shown = _audited(
        n["team_role"].astype(np.int64),
        member,
        {level: ~hidden[level] for level in member},
        {level: n[level].astype(float) for level in member},
        minimum,
    )
    out: dict[str, pd.DataFrame] = {}
    for level, by in LEVELS.items():
        newly = ~hidden[level] & ~shown[level]
        labels = {
            col: pd.Series([key[i] for key in keys[level]], dtype="str") for i, col in enumerate(by)
        }
        out[level] = pd.DataFrame(
            {
                **labels,
                "n": pd.Series(n[level], dtype="int64"),
                "shown": shown[level],
                "reason": pd.Series(np.where(newly, PROTECTS, why[level]), dtype="str"),
            }
        )
    return out


def _summed(
    columns: list[list[str]], counts: list[int], teams: Sequence[str]
) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """Responses per key of `columns`, keys sorted; by team, the round's teams first, in order.

    Plain dictionaries: a round has tens of groups, where pandas' groupby and merge
    cost more in set-up than in work, and this runs for every table a page publishes
    and every step a round publishes.
    """
    if not columns:
        return [()], np.array([sum(counts)], dtype=np.int64)
    totals: dict[tuple[str, ...], int] = {}
    for key, count in zip(zip(*columns, strict=True), counts, strict=True):
        totals[key] = totals.get(key, 0) + int(count)
    ordered = sorted(totals)
    if teams:
        # The round's teams appear even without responses: in the round's order, then the rest.
        known = [(team,) for team in dict.fromkeys(str(team) for team in teams)]
        listed = set(known)
        ordered = known + [key for key in ordered if key not in listed]
    return ordered, np.array([totals.get(key, 0) for key in ordered], dtype=np.int64)


def _key_codes(keys: list[tuple[str, ...]]) -> np.ndarray:
    """Groups x columns integer codes of each group's labels, numbered by first appearance."""
    width = len(keys[0]) if keys else 0
    codes = np.zeros((len(keys), width), dtype=np.int64)
    for col in range(width):
        seen: dict[str, int] = {}
        codes[:, col] = [seen.setdefault(key[col], len(seen)) for key in keys]
    return codes


def _audited(
    sizes: np.ndarray,
    member: dict[str, np.ndarray],
    shown: dict[str, np.ndarray],
    n: dict[str, np.ndarray],
    minimum: int,
) -> dict[str, np.ndarray]:
    """Rule 4 on plain arrays: while the audit finds an exposure, hide the smallest shown group.

    The smallest shown team x role cell goes first (then role, then team, then the
    organisation); among equal sizes the first in table order. Arrays only: this runs
    once per scale of every round a page or file publishes.
    """
    shown = {level: flags.copy() for level, flags in shown.items()}
    while True:
        rows = [member[level][shown[level]] for level in member]
        if not audit(np.vstack(rows), sizes, minimum):
            return shown
        for level in ("team_role", "role", "team", "org"):
            candidates = np.flatnonzero(shown[level] & (n[level] > 0))
            if len(candidates):
                shown[level][candidates[np.argmin(n[level][candidates])]] = False
                break
        else:
            return shown


def _inherited(
    cells: pd.DataFrame, parents: dict[str, pd.DataFrame], keys: Sequence[str] | None
) -> np.ndarray:
    """Team x role cells whose team or role is hidden in its own table (for the same scale)."""
    hidden = np.zeros(len(cells), dtype=bool)
    for col in ("team", "role"):
        on = [col, *(keys or ())]
        parent = parents[col]
        shown = dict(
            zip(
                zip(*(parent[c].astype(str).tolist() for c in on), strict=True),
                parent["shown"].to_numpy(dtype=bool).tolist(),
                strict=True,
            )
        )
        mine = zip(*(cells[c].astype(str).tolist() for c in on), strict=True)
        hidden |= ~np.array([shown.get(key, False) for key in mine], dtype=bool)
    return hidden


def decide_cells(
    tables: dict[str, pd.DataFrame], groups: dict[str, pd.DataFrame], minimum: int
) -> dict[str, pd.DataFrame]:
    """Which scores of a round may be shown, given which groups may (`decide_groups`).

    Parameters
    ----------
    tables : ``{level: tidy scores}`` with the level's columns, ``dimension,
        lens, score, n`` (unsuppressed `scoring.scores.group_scores`).
    groups : the group decision for the same round.
    minimum : the round's minimum group size.

    Returns
    -------
    The same tables with ``suppressed`` and ``reason`` set and ``score`` NaN
    wherever suppressed. A cell of a hidden group takes its group's reason; a
    cell of a shown group is too small when fewer than `minimum` answered that
    scale, else hidden to protect another cell.
    """
    out: dict[str, pd.DataFrame] = {}
    for level in ("org", "team", "role", "team_role"):
        by = list(LEVELS[level])
        tidy = tables[level]
        if not len(tidy):
            out[level] = tidy.assign(suppressed=pd.Series(dtype=bool), reason="")
            continue
        group_hidden, group_reason = _group_decision(tidy, groups[level], by)
        start = group_hidden
        if level == "team_role":
            parents = {k: out[k].assign(shown=~out[k]["suppressed"]) for k in ("team", "role")}
            start = start | _inherited(tidy, parents, ["dimension", "lens"])
        hidden, reason = _cells_of(tidy, by, start, minimum)
        reason = np.where(group_hidden, group_reason, reason)
        out[level] = tidy.assign(
            score=tidy["score"].where(~hidden), suppressed=hidden, reason=reason
        )
    return _audit_scales(out, minimum)


def _group_decision(
    tidy: pd.DataFrame, decision: pd.DataFrame, by: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group hidden or not and why, looked up in the level's group decision.

    A row whose group the decision does not list is hidden as too small. A dictionary,
    not a merge: tens of groups, looked up for every scores table published.
    """
    shown = decision["shown"].to_numpy(dtype=bool).tolist()
    why = decision["reason"].to_numpy(dtype=object).tolist()
    if not by:
        found = [(shown[0], why[0]) if shown else (False, TOO_SMALL)] * len(tidy)
    else:
        keys = zip(*(decision[col].astype(str).tolist() for col in by), strict=True)
        lookup = dict(zip(keys, zip(shown, why, strict=True), strict=True))
        rows = zip(*(tidy[col].astype(str).tolist() for col in by), strict=True)
        found = [lookup.get(key, (False, TOO_SMALL)) for key in rows]
    hidden = np.array([not flag for flag, _ in found], dtype=bool)
    reason = np.array([r if isinstance(r, str) else TOO_SMALL for _, r in found], dtype=object)
    return hidden, reason


def _audit_scales(out: dict[str, pd.DataFrame], minimum: int) -> dict[str, pd.DataFrame]:
    """Rule 4 for every scale: its own n per cell, its own shown cells, one audit each."""
    if not all(len(out[level]) for level in LEVELS):
        return out
    scales = out["org"][["dimension", "lens"]].drop_duplicates().itertuples(index=False)
    dims = {level: out[level]["dimension"].to_numpy() for level in LEVELS}
    lenses = {level: out[level]["lens"].to_numpy() for level in LEVELS}
    labels = {
        level: {col: out[level][col].astype(str).to_numpy() for col in LEVELS[level]}
        for level in LEVELS
    }
    n_all = {level: out[level]["n"].to_numpy(dtype=float) for level in LEVELS}
    shown_all = {level: ~out[level]["suppressed"].to_numpy(dtype=bool) for level in LEVELS}
    newly = {level: np.zeros(len(out[level]), dtype=bool) for level in LEVELS}
    for dimension, lens in scales:
        rows = {
            level: np.flatnonzero((dims[level] == dimension) & (lenses[level] == lens))
            for level in LEVELS
        }
        cells = rows["team_role"]
        member = {"org": np.ones((len(rows["org"]), len(cells)))}
        for level in ("team", "role"):
            mine = labels[level][level][rows[level]]
            member[level] = (mine[:, None] == labels["team_role"][level][cells][None, :]).astype(
                float
            )
        member["team_role"] = np.eye(len(cells))
        shown = {level: shown_all[level][rows[level]] for level in LEVELS}
        n = {level: n_all[level][rows[level]] for level in LEVELS}
        audited = _audited(n["team_role"].astype(np.int64), member, shown, n, minimum)
        for level in LEVELS:
            newly[level][rows[level][shown[level] & ~audited[level]]] = True
    out = dict(out)
    for level in LEVELS:
        if newly[level].any():
            table = out[level].copy()
            where = table.index[newly[level]]
            table.loc[where, ["suppressed", "reason"]] = [True, PROTECTS]
            table.loc[where, "score"] = np.nan
            out[level] = table
    return out


def _cells_of(
    tidy: pd.DataFrame, by: list[str], start: np.ndarray, minimum: int
) -> tuple[np.ndarray, np.ndarray]:
    """Complementary suppression of a tidy table's cells, one scale per column of the matrix."""
    group = _row_codes(tidy, by)
    scale = _row_codes(tidy, ["dimension", "lens"])
    shape = (int(group.max()) + 1, int(scale.max()) + 1)
    n = np.zeros(shape)
    hidden = np.ones(shape, dtype=bool)  # a group x scale without a row has no one to show
    n[group, scale] = tidy["n"].to_numpy(dtype=float)
    hidden[group, scale] = start
    first = np.unique(group, return_index=True)[1]  # each group's first row, in group order
    codes = (
        np.column_stack([pd.factorize(tidy[col].to_numpy()[first])[0] for col in by])
        if by
        else np.zeros((len(first), 0), dtype=np.int64)
    )
    decided = complementary(n, codes, minimum, hidden)
    return decided[group, scale], reasons(decided, n, minimum)[group, scale]


def _row_codes(table: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Each row's number for its combination of `columns`, numbered in order of first appearance.

    As ``MultiIndex.from_frame(table[columns]).factorize()[0]``, without building the
    index: this runs for every level of every scores table a page or file publishes.
    """
    if not columns:
        return np.zeros(len(table), dtype=np.int64)
    combined = np.zeros(len(table), dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(table[col])
        combined = combined * max(len(uniques), 1) + codes
    return pd.factorize(combined)[0].astype(np.int64)
