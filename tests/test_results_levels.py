"""Suppression across the four tables of the results page, checked on generated rounds.

Whatever the group sizes, no visible count may let a reader recover a hidden
one by subtraction, within a table or across tables (a team hidden in the team
table must not return as the sum of its team x role cells).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.scoring.levels import level_counts
from assessment.scoring.privacy import complementary as suppress

MINIMUM = 3
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

groups = st.dictionaries(
    st.tuples(st.sampled_from("ABCD"), st.sampled_from(["pm", "eng", "design"])),
    st.integers(1, 12),
    min_size=1,
    max_size=12,
)


def frame_of(sizes: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = [(team, role) for (team, role), n in sizes.items() for _ in range(n)]
    return pd.DataFrame(rows, columns=["team", "role"], dtype="str")


def _partitions_safe(table: pd.DataFrame, sizes: pd.Series, part: list[str]) -> bool:
    """In each partition the hidden groups hold 0 or >= MINIMUM respondents, or are all of
    it (then the partition's total is as small and hidden in its own table)."""
    frame = table.assign(n=sizes.to_numpy())
    groups = frame.groupby(part) if part else [((), frame)]
    for _, block in groups:
        hidden = block.loc[block["hidden"], "n"].sum()
        if 0 < hidden < MINIMUM and not block["hidden"].all():
            return False
    return True


@SETTINGS
@given(groups)
def test_no_hidden_count_recoverable(sizes) -> None:
    frame = frame_of(sizes)
    counts = level_counts(frame, MINIMUM)
    truth = {
        "org": pd.Series([len(frame)]),
        "team": frame.groupby("team").size().reset_index(drop=True),
        "role": frame.groupby("role").size().reset_index(drop=True),
        "team_role": frame.groupby(["team", "role"]).size().reset_index(drop=True),
    }
    for level, table in counts.items():
        assert table["responses"].isna().equals(pd.Series(table["hidden"], name="responses"))
        assert (truth[level][~table["hidden"].to_numpy()] >= MINIMUM).all()
    assert _partitions_safe(counts["team"], truth["team"], [])
    assert _partitions_safe(counts["role"], truth["role"], [])
    cells = counts["team_role"]
    assert _partitions_safe(cells, truth["team_role"], ["team"])
    assert _partitions_safe(cells, truth["team_role"], ["role"])
    hidden_teams = set(counts["team"].loc[counts["team"]["hidden"], "team"])
    hidden_roles = set(counts["role"].loc[counts["role"]["hidden"], "role"])
    inherited = cells["team"].isin(hidden_teams) | cells["role"].isin(hidden_roles)
    assert cells.loc[inherited, "hidden"].all()


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        ([6, 5, 2], [False, True, True]),  # the next smallest hides with the small one
        ([5, 5, 5], [False, False, False]),
        ([2, 1], [True, True]),
        ([4, 9, 3], [False, False, False]),
    ],
)
def test_suppress_one_column(n, expected) -> None:
    got = suppress(np.array(n, dtype=float)[:, None], np.arange(len(n))[:, None], MINIMUM)
    assert got.ravel().tolist() == expected


def test_suppress_starts_from_given_hidden_cells() -> None:
    """A group hidden for another reason (n 4) still needs a partner: 4 + 0 would be exposed
    only below the minimum, so here nothing more is hidden; a hidden 2 needs one more."""
    n = np.array([[4.0], [6.0], [7.0]])
    codes = np.arange(3)[:, None]
    start = np.array([[True], [False], [False]])
    assert suppress(n, codes, MINIMUM, start).ravel().tolist() == [True, False, False]
    start_small = np.array([[False], [False], [False]])
    n_small = np.array([[2.0], [6.0], [7.0]])
    assert suppress(n_small, codes, MINIMUM, start_small).ravel().tolist() == [True, True, False]
