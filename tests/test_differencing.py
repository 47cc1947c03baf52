"""Differencing over time: a leader who looks before and after a submission learns nothing.

Replays the attack on release 0.1: read the results page's view model and the
Rounds page's participation, let one person submit, read them again, and
subtract. With publication in steps (scoring/publication.py) the two looks
are identical until that person's groups have grown by the minimum, and then
every published group has changed by 0 or by at least the minimum.
"""

from __future__ import annotations

import itertools
import secrets

import numpy as np
import pandas as pd
import sqlalchemy as sa

from assessment import store
from assessment.bank import Bank
from assessment.results.view import RoundResults, build_results
from assessment.scoring.levels import level_counts
from assessment.service.participation import participation

TEAMS = ["Checkout", "Search", "Payments"]
MINIMUM = 3


def submit(
    engine: sa.Engine, rnd: store.Round, bank: Bank, team: str, role: str, value: int
) -> None:
    store.submit_response(
        engine,
        rnd.token,
        team=team,
        role=role,
        answers=dict.fromkeys(bank.item_ids, value),
        comment=f"a comment from {team} {role} #{secrets.token_hex(2)}",
        client_token=secrets.token_hex(16),
    )


def look(engine: sa.Engine, rnd: store.Round) -> tuple[RoundResults, pd.DataFrame, int | None]:
    """What a leader sees: the page's view model and the Rounds page's counts."""
    seen = participation(engine, rnd.token)
    results = build_results(
        store.responses_frame(engine, rnd.token, published_only=True),
        rnd.bank, token=rnd.token, name=rnd.name, min_group_size=rnd.min_group_size,
        teams=rnd.teams, comments=store.comments_frame(engine, rnd.token, published_only=True),
    )  # fmt: skip
    return results, seen.teams, seen.total


def same_view(a: tuple[RoundResults, pd.DataFrame, int | None], b: tuple) -> bool:
    ra, ta, na = a
    rb, tb, nb = b
    if na != nb or not ta.equals(tb) or ra.responses != rb.responses:
        return False
    for level in ra.tidy:
        for name in ("tidy", "counts", "answers"):
            left, right = getattr(ra, name)[level], getattr(rb, name)[level]
            if not left.reset_index(drop=True).equals(right.reset_index(drop=True)):
                return False
    return sorted(ra.comments["comment"]) == sorted(rb.comments["comment"])


def test_one_submission_changes_nothing_a_leader_can_see(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(sqlite_engine, "Differencing", TEAMS, tiny_bank, MINIMUM)
    for team in TEAMS:
        for role in ("engineering", "design"):
            for _ in range(4):
                submit(sqlite_engine, rnd, tiny_bank, team, role, 3)
    before = look(sqlite_engine, rnd)
    assert before[2] == 24  # everything so far is published: the groups are large enough
    # One person from Search, a product manager, answers 5 everywhere.
    submit(sqlite_engine, rnd, tiny_bank, "Search", "product", 5)
    after = look(sqlite_engine, rnd)
    assert same_view(before, after), "the difference of two looks would reveal one person"
    # More arrive in other groups, but the product manager's own team and role have not grown
    # by the minimum: whatever is released, the person stays inside a step of >= 3.
    submit(sqlite_engine, rnd, tiny_bank, "Search", "product", 4)
    assert same_view(before, look(sqlite_engine, rnd))


def test_a_step_moves_every_published_group_by_the_minimum_or_more(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(sqlite_engine, "Steps", TEAMS, tiny_bank, MINIMUM)
    rng = np.random.default_rng(5)
    roles = ["engineering", "design", "product"]
    history: list[dict[tuple[str, ...], float]] = []
    for _ in range(18):  # one submission at a time, looking after each
        submit(sqlite_engine, rnd, tiny_bank, str(rng.choice(TEAMS)), str(rng.choice(roles)), 3)
        store.publish(sqlite_engine, rnd.token)
        frame = store.responses_frame(sqlite_engine, rnd.token, published_only=True)
        counts = level_counts(frame, MINIMUM, rnd.teams)  # what every page and file counts
        seen = {}
        for level, table in counts.items():
            by = [c for c in ("team", "role") if c in table]
            for row in table[~table["hidden"]].itertuples(index=False):
                seen[(level, *(getattr(row, c) for c in by))] = row.responses
        history.append(seen)
    for earlier, later in itertools.pairwise(history):
        for key in earlier.keys() & later.keys():
            change = later[key] - earlier[key]
            assert change == 0 or change >= MINIMUM, (key, earlier[key], later[key])
    assert history[-1][("org",)] > history[0].get(("org",), 0)  # and the view does move
