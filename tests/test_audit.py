"""Linked tables: nothing hidden can be worked out from everything a round publishes.

The check here is independent of `scoring.audit` (which the decision itself
uses): for every hidden team x role cell with fewer than the minimum, and every
pair of them, it asks numpy's rank whether the cell's indicator is a linear
combination of the published rows.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.bank import Bank
from assessment.scoring.audit import audit
from assessment.scoring.levels import level_counts, level_scores
from assessment.scoring.privacy import LEVELS, decide_groups

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def in_row_space(rows: np.ndarray, vector: np.ndarray) -> bool:
    if not len(rows):
        return False
    return np.linalg.matrix_rank(np.vstack([rows, vector])) == np.linalg.matrix_rank(rows)


def published_rows(cells: pd.DataFrame, shown: dict[str, set[tuple[str, ...]]]) -> np.ndarray:
    """One row per published group over the team x role cells (the atoms)."""
    rows = []
    for level, by in LEVELS.items():
        for key in shown[level]:
            member = np.ones(len(cells), dtype=bool)
            for col, value in zip(by, key, strict=True):
                member &= (cells[col] == value).to_numpy()
            rows.append(member.astype(float))
    return np.array(rows).reshape(-1, len(cells))


def exposed_cells(cells: pd.DataFrame, rows: np.ndarray, minimum: int) -> list[tuple[int, ...]]:
    """Hidden cells, alone or in pairs, with 1 .. minimum - 1 people, that `rows` give away."""
    small = [i for i, n in enumerate(cells["n"]) if 0 < n < minimum]
    found = []
    for size in (1, 2):
        for combo in itertools.combinations(small, size):
            if cells["n"].iloc[list(combo)].sum() >= minimum:
                continue
            vector = np.zeros(len(cells))
            vector[list(combo)] = 1
            if in_row_space(rows, vector):
                found.append(combo)
    return found


def shown_groups(tables: dict[str, pd.DataFrame], flag: str) -> dict[str, set[tuple[str, ...]]]:
    return {
        level: {
            tuple(str(v) for v in row)
            for row in tables[level].loc[tables[level][flag], list(by)].itertuples(index=False)
        }
        for level, by in LEVELS.items()
    }


def frame_of(sizes: dict[tuple[str, str], int], bank: Bank, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(team, role) for (team, role), n in sizes.items() for _ in range(n)]
    head = pd.DataFrame(rows, columns=["team", "role"])
    answers = rng.integers(1, 6, size=(len(rows), len(bank.items))).astype(float)
    answers[rng.random(answers.shape) < 0.15] = np.nan
    return pd.concat([head, pd.DataFrame(answers, columns=bank.item_ids)], axis=1)


def test_the_lone_product_manager_of_two_linked_tables() -> None:
    """T1 = 1 PM, 6 engineers, 10 designers; T2 = 7, 8, 9; minimum 5. Row by row, the
    heuristic hides T1's PM, its engineers and T2's PMs -- and then the lone PM is
    T1 - T1 designers - (engineers - T2 engineers). The audit hides one more cell."""
    sizes = pd.DataFrame(
        {"team": ["T1"] * 3 + ["T2"] * 3, "role": ["pm", "eng", "design"] * 2,
         "n": [1, 6, 10, 7, 8, 9]}
    )  # fmt: skip
    groups = decide_groups(sizes, 5)
    cells = groups["team_role"]
    rows = published_rows(cells, shown_groups(groups, "shown"))
    assert not exposed_cells(cells, rows, 5)
    lone = cells.index[(cells["team"] == "T1") & (cells["role"] == "pm")][0]
    naive = {("T1",), ("T2",)}, {("pm",), ("eng",), ("design",)}
    heuristic = {("T1", "design"), ("T2", "eng"), ("T2", "design")}
    naive_rows = published_rows(
        cells, {"org": {()}, "team": naive[0], "role": naive[1], "team_role": heuristic}
    )
    assert (lone,) in exposed_cells(cells, naive_rows, 5)  # what the heuristic alone published
    assert audit(naive_rows, cells["n"], 5)  # and the audit sees it too


@SETTINGS
@given(
    sizes=st.dictionaries(
        st.tuples(
            st.sampled_from([f"T{i}" for i in range(5)]),
            st.sampled_from(["pm", "eng", "design", "lead"]),
        ),
        st.integers(1, 30),
        min_size=1,
        max_size=14,
    ),
    minimum=st.sampled_from([3, 5]),
    seed=st.integers(0, 2**16),
)
def test_nothing_hidden_is_recoverable_from_the_page_and_both_files(
    sizes: dict[tuple[str, str], int], minimum: int, seed: int, tiny_bank: Bank
) -> None:
    frame = frame_of(sizes, tiny_bank, seed)
    counts = level_counts(frame, minimum)
    cells = decide_groups(pd.DataFrame(
        [(t, r, n) for (t, r), n in sizes.items()], columns=["team", "role", "n"]
    ), minimum)["team_role"]  # fmt: skip
    # The page's counts (and everything drawn from them: answer counts, comments).
    page = {level: table.assign(shown=~table["hidden"]) for level, table in counts.items()}
    rows = published_rows(cells, shown_groups(page, "shown"))
    assert not exposed_cells(cells, rows, minimum)
    # The scores CSV (and the retro pack, written from it): one audit per scale, with the
    # scale's own n per cell, since a cell can be hidden for one scale and not another.
    scored = level_scores(frame, tiny_bank, minimum)  # what published_scores publishes
    for dimension, lens in tiny_bank.scales:
        per_scale = {
            level: table[(table["dimension"] == dimension) & (table["lens"] == lens)]
            .assign(shown=lambda x: ~x["suppressed"].astype(bool))
            .reset_index(drop=True)
            for level, table in scored.items()
        }
        scale_cells = per_scale["team_role"][["team", "role", "n"]].fillna({"n": 0})
        rows = published_rows(scale_cells, shown_groups(per_scale, "shown"))
        assert not exposed_cells(scale_cells, rows, minimum), (dimension, lens)


def test_the_audit_finds_exactly_the_sets_a_brute_force_rank_test_finds() -> None:
    """Every subset of small atoms, by numpy's rank, against `audit` on random published rows.

    Rows are what rounds publish over time: totals, teams, roles and cells, each up to a
    release step. The brute force tries every subset with fewer than `minimum` people.
    """
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(150):
        teams, roles, steps = int(rng.integers(1, 4)), int(rng.integers(1, 4)), 2
        cells = list(itertools.product(range(teams), range(roles), range(steps)))
        sizes = rng.choice([0, 1, 1, 2, 3, 4, 6, 9], size=len(cells))
        minimum = int(rng.choice([3, 5]))
        rows = []
        for upto in range(steps):
            step = np.array([c[2] <= upto for c in cells], dtype=float)
            groups = [np.ones(len(cells))]
            groups += [np.array([c[0] == t for c in cells], dtype=float) for t in range(teams)]
            groups += [np.array([c[1] == r for c in cells], dtype=float) for r in range(roles)]
            rows += [step * g for g in groups if rng.random() < 0.6]
        published = np.array(rows).reshape(-1, len(cells))
        small = [i for i, size in enumerate(sizes) if 0 < size < minimum]
        expected = {
            combo
            for k in range(1, len(small) + 1)
            for combo in itertools.combinations(small, k)
            if sizes[list(combo)].sum() < minimum
            and in_row_space(published, np.isin(np.arange(len(cells)), combo).astype(float))
        }
        got = {e.atoms for e in audit(published, sizes, minimum)}
        assert got == expected
        found += len(got)
    assert found > 50  # not vacuous: many rounds give something away
