"""Publishing a running round in safe steps, so that looking twice reveals no one.

A leader who reads the results before and after one submission must not see
that person's answers as the difference. So the leader pages and files show a
*published* part of the round, which grows in steps: new responses are held
back until releasing them changes every published group by nothing or by at
least the round's minimum, and the audit (`scoring.audit`) over every step
published so far finds no set of fewer than the minimum that the differences
give away. Responses that would make a smaller step wait for more of their
group -- also across a close or a reopen; nothing is ever released just
because a round closed.

`release` is the rule. It works on counts per team x role cell and never
looks at answers, so the decision itself leaks nothing about them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.scoring.audit import audit
from assessment.scoring.privacy import LEVELS, decide_groups

__all__ = ["release"]

_CELL = ["team", "role"]


def _deltas_ok(
    chosen: pd.DataFrame, published: pd.DataFrame, minimum: int, teams: tuple[str, ...]
) -> pd.DataFrame:
    """Drop cells until every group shown afterwards changes by 0 or at least `minimum`.

    A group hidden afterwards may grow by less: it is not published, and what
    its growth does to the published groups is the audit's business.
    """
    before_sizes = published.groupby(_CELL, as_index=False)["n"].sum()
    while len(chosen):
        after = pd.concat([before_sizes, chosen[[*_CELL, "n"]]]).groupby(_CELL, as_index=False)
        groups = decide_groups(after["n"].sum(), minimum, teams)
        keep = np.ones(len(chosen), dtype=bool)
        for level in ("team", "role"):
            delta = chosen.groupby(level)["n"].sum()
            shown = groups[level].set_index(level)["shown"]
            small = {k for k, d in delta.items() if 0 < d < minimum and bool(shown.get(k, False))}
            keep &= ~chosen[level].isin(small).to_numpy()
        if bool(groups["org"]["shown"].iloc[0]) and 0 < chosen["n"].sum() < minimum:
            keep[:] = False
        if keep.all():
            return chosen
        chosen = chosen[keep]
    return chosen


def _history_rows(atoms: pd.DataFrame, minimum: int, teams: tuple[str, ...]) -> np.ndarray:
    """Every published group of every step, as a row over the atoms (team x role x step)."""
    rows = []
    for step in sorted(atoms["step"].unique()):
        upto = atoms[atoms["step"] <= step]
        sizes = upto.groupby(_CELL, as_index=False)["n"].sum()
        groups = decide_groups(sizes, minimum, teams)
        in_step = (atoms["step"] <= step).to_numpy()
        for level, by in LEVELS.items():
            shown = groups[level][groups[level]["shown"] & (groups[level]["n"] > 0)]
            for key in shown[list(by)].itertuples(index=False):
                member = in_step.copy()
                for col, value in zip(by, key, strict=True):
                    member &= (atoms[col] == value).to_numpy()
                rows.append(member.astype(float))
    return np.array(rows).reshape(-1, len(atoms))


def _new_exposures(atoms: pd.DataFrame, minimum: int, teams: tuple[str, ...]) -> set[int]:
    """Atoms of the new step that belong to a set the published steps would give away."""
    exposed = audit(_history_rows(atoms, minimum, teams), atoms["n"].to_numpy(), minimum)
    newest = atoms["step"].max()
    return {a for e in exposed for a in e.atoms if atoms["step"].iloc[a] == newest}


def release(
    published: pd.DataFrame,
    pending: pd.DataFrame,
    minimum: int,
    teams: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Which team x role cells' pending responses may be published now, all of each cell's.

    Parameters
    ----------
    published : ``team, role, step, n``: responses published so far, by the
        step (1, 2, ...) in which they were.
    pending : ``team, role, n``: responses not published yet.
    minimum : the round's minimum group size.
    teams : the round's teams (listed by the decision even when empty).

    Returns
    -------
    ``team, role, n`` of the cells to release now; empty when waiting is safer.

    Examples
    --------
    With a minimum of 3, one new response in a published team waits; three
    new ones in that team are released together.
    """
    published = published.loc[:, [*_CELL, "step", "n"]]
    chosen = _deltas_ok(pending[pending["n"] > 0].loc[:, [*_CELL, "n"]], published, minimum, teams)
    step = int(published["step"].max()) + 1 if len(published) else 1
    while len(chosen):
        atoms = pd.concat(
            [published.loc[:, [*_CELL, "step", "n"]], chosen.assign(step=step)], ignore_index=True
        ).reset_index(drop=True)
        exposed = _new_exposures(atoms, minimum, teams)
        if not exposed:
            return chosen.reset_index(drop=True)
        drop = atoms.iloc[sorted(exposed)][_CELL]
        keep = ~pd.MultiIndex.from_frame(chosen[_CELL]).isin(pd.MultiIndex.from_frame(drop))
        chosen = _deltas_ok(chosen[keep], published, minimum, teams)
    return chosen.reset_index(drop=True)
