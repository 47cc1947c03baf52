"""The raw responses file keeps the promise: no group the pages hide can be rebuilt from it.

`scoring.microdata` decides what the file carries from the round's published
responses; `service.exports.round_export` writes it for the page and the CLI.
"""

from __future__ import annotations

import io
import itertools
import re

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from assessment import store
from assessment.bank import Bank
from assessment.errors import InputError
from assessment.interchange.forms import prepare_import
from assessment.scoring.levels import DONT_KNOW, answer_counts
from assessment.scoring.microdata import (
    FILE_COLUMNS,
    atoms_of,
    file_history,
    generalise,
    keeps_dates,
    microdata_columns,
    microdata_problem,
    piles,
)
from assessment.scoring.privacy import LEVELS, decide_groups, group_sizes
from assessment.scoring.scores import group_scores
from assessment.service.exports import responses_file, round_export

MINIMUM = 3
TEAMS = ("A", "B", "C", "Quiet")  # Quiet: listed, nobody answered
Cells = dict[tuple[str, str], int]

# Hand-made rounds, (team, role) -> responses, at minimum 3.
EVERY_CELL: Cells = {("A", "engineering"): 3, ("A", "design"): 3, ("B", "engineering"): 4,
                     ("B", "design"): 3}  # fmt: skip
TEAMS_ONLY: Cells = {("A", "engineering"): 3, ("A", "design"): 1, ("B", "engineering"): 3,
                     ("B", "design"): 1}  # fmt: skip
ROLES_ONLY: Cells = {("A", "engineering"): 1, ("B", "engineering"): 3, ("B", "design"): 3}
NEITHER: Cells = {("A", "engineering"): 1, ("B", "engineering"): 3, ("B", "design"): 1}
TOO_FEW: Cells = {("A", "engineering"): 2}
# Every team and every role shown, every cell hidden; team A's one engineer is the 1.
CROSSED: Cells = {("A", "engineering"): 1, ("A", "design"): 3, ("B", "engineering"): 3,
                  ("B", "design"): 3}  # fmt: skip
HIDDEN_TEAM_OF_ONE: Cells = {("A", "engineering"): 6, ("B", "engineering"): 6,
                             ("C", "engineering"): 1}  # fmt: skip


def round_frame(cells: Cells, bank: Bank, seed: int = 0) -> pd.DataFrame:
    """A wide responses frame with these cell sizes, random answers, a minute apart."""
    rng = np.random.default_rng(seed)
    keys = [key for key, n in cells.items() for _ in range(n)]
    answers = rng.integers(1, bank.scale.points + 1, size=(len(keys), len(bank.items)))
    values = np.where(rng.random(answers.shape) < 0.1, np.nan, answers.astype(float))
    stamps = pd.Timestamp("2025-03-03T09:00:00Z") + pd.to_timedelta(np.arange(len(keys)), "min")
    head = pd.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(len(keys))],
            "submitted_at": stamps.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "round": "Q1",
            "team": [team for team, _ in keys],
            "role": [role for _, role in keys],
        }
    )
    return pd.concat([head, pd.DataFrame(values, columns=bank.item_ids)], axis=1)


def decision(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return decide_groups(group_sizes(frame), MINIMUM, TEAMS)


def columns_of(frame: pd.DataFrame) -> tuple[str, ...] | None:
    return microdata_columns(atoms_of(frame), MINIMUM, TEAMS)


def file_of(frame: pd.DataFrame, bank: Bank) -> pd.DataFrame:
    return generalise(frame, MINIMUM, bank.item_ids, TEAMS)


def keys_where(groups: dict[str, pd.DataFrame], shown: bool) -> set[tuple[str, tuple[str, ...]]]:
    """(level, group) of every group with responses that is shown (or hidden)."""
    return {
        (level, tuple(str(row[col]) for col in LEVELS[level]))
        for level, table in groups.items()
        for _, row in table[(table["shown"] == shown) & (table["n"] > 0)].iterrows()
    }


def answer_rows(frame: pd.DataFrame, bank: Bank) -> list[tuple[float, ...]]:
    return [tuple(row) for row in frame[bank.item_ids].fillna(-1).to_numpy()]


def read_file(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(data.decode("utf-8-sig")), dtype=str, keep_default_na=False)


# -- which columns the file keeps ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "columns"),
    [
        (EVERY_CELL, ("team", "role")),
        (TEAMS_ONLY, ("team",)),
        (ROLES_ONLY, ("role",)),
        (NEITHER, ()),
        (TOO_FEW, None),
        (CROSSED, None),
    ],
    ids=["every cell shown", "teams only", "roles only", "neither", "too few", "crossed"],
)
def test_each_tier_on_a_hand_made_round(
    tiny_bank: Bank, cells: Cells, columns: tuple[str, ...] | None
) -> None:
    frame = round_frame(cells, tiny_bank)
    atoms = atoms_of(frame)
    assert microdata_columns(atoms, MINIMUM, TEAMS) == columns
    if columns is None:
        assert microdata_problem(atoms, MINIMUM, TEAMS)
        with pytest.raises(InputError, match="responses file"):
            file_of(frame, tiny_bank)
        return
    assert microdata_problem(atoms, MINIMUM, TEAMS) is None
    out = file_of(frame, tiny_bank)
    for col in ("team", "role"):
        assert (out[col] != "").all() if col in columns else (out[col] == "").all()
    # Every pile a leader can sort the rows into holds at least the minimum.
    table = piles(atoms, MINIMUM, TEAMS, columns)
    assert (table.groupby("pile")["n"].sum() >= MINIMUM).all()


def test_the_tiers_follow_what_the_pages_show(tiny_bank: Bank) -> None:
    """Team and role where every cell is shown; team where roles are hidden; none too small."""
    every = decision(round_frame(EVERY_CELL, tiny_bank))
    assert every["team_role"]["shown"].all()
    teams = decision(round_frame(TEAMS_ONLY, tiny_bank))
    assert teams["team"].query("n > 0")["shown"].all() and not teams["role"]["shown"].any()
    roles = decision(round_frame(ROLES_ONLY, tiny_bank))
    assert roles["role"]["shown"].all() and not roles["team"]["shown"].any()
    too_few = round_frame(TOO_FEW, tiny_bank)
    assert not decision(too_few)["org"]["shown"].iloc[0]
    problem = microdata_problem(atoms_of(too_few), MINIMUM, TEAMS)
    assert problem is not None and f"at least {MINIMUM} responses" in problem


def test_every_team_shown_is_not_enough_for_a_team_column(tiny_bank: Bank) -> None:
    """Why the rule counts piles, not only whether every team is shown.

    In CROSSED every team and every role is shown and every team x role cell
    is hidden; team A has one engineer. With team in the file (or even
    without it: the team's own counts sort the rows), a leader tries every
    way of taking 4 rows and keeps those whose answers add up to the
    engineers' published answer counts: one way fits, and its one row from
    team A is the lone engineer's answers.
    """
    frame = round_frame(CROSSED, tiny_bank, seed=7)
    groups = decision(frame)
    assert groups["team"].query("n > 0")["shown"].all()  # "every team shown" would give team
    roles = groups["role"].set_index("role")
    assert roles.at["engineering", "shown"] and not groups["team_role"]["shown"].any()
    assert columns_of(frame) is None

    published = answer_counts(frame, tiny_bank)["role"].query("role == 'engineering'")
    target = published.pivot(index="item", columns="answer", values="count")
    target = target.loc[tiny_bank.item_ids].to_numpy()
    values = np.nan_to_num(frame[tiny_bank.item_ids].to_numpy(), nan=DONT_KNOW).astype(int)
    one_hot = np.eye(tiny_bank.scale.points + 1, dtype=int)[values]  # rows x items x answers
    size = int(roles.at["engineering", "n"])
    fits = [
        rows
        for rows in itertools.combinations(range(len(frame)), size)
        if np.array_equal(one_hot[list(rows)].sum(axis=0), target)
    ]
    assert len(fits) == 1
    from_team_a = [row for row in fits[0] if frame.at[row, "team"] == "A"]
    assert len(from_team_a) == 1
    assert frame.at[from_team_a[0], "role"] == "engineering"  # singled out, answers and all


def test_steps_count_a_cell_that_grew_by_less_than_the_minimum(tiny_bank: Bank) -> None:
    """A cell released 1 first and 2 later: a leader who kept both files can tell the 1 apart.

    Step 1 releases team A: one engineer and three designers (roles hidden,
    so a file with team only). Step 2 releases the rest; every cell then
    holds 3, which in one step would give team and role. But the rows seen
    in step 1's file are known to be step 1's, and the engineer among them
    is alone: no file at step 2.
    """
    frame = round_frame(EVERY_CELL, tiny_bank)
    assert columns_of(frame.assign(step=1)) == ("team", "role")
    engineers = frame.index[(frame["team"] == "A") & (frame["role"] == "engineering")]
    early = (frame["team"] == "A") & (frame["role"] == "design") | (frame.index == engineers[0])
    two_steps = frame.assign(step=np.where(early, 1, 2))
    assert file_history(atoms_of(two_steps), MINIMUM, TEAMS) == [("team",), None]
    with pytest.raises(InputError, match="not offered"):
        file_of(two_steps, tiny_bank)


# -- what each row carries -----------------------------------------------------------------------


def test_the_file_has_the_export_columns_and_no_comment(tiny_bank: Bank) -> None:
    frame = round_frame(EVERY_CELL, tiny_bank).assign(comment="Ask Kim", extra="x", step=1)
    out = file_of(frame, tiny_bank)
    assert list(out.columns) == [*FILE_COLUMNS, *tiny_bank.item_ids]
    assert not out.isin(["Ask Kim", "x"]).any().any()


def test_the_timestamp_has_no_time(tiny_bank: Bank) -> None:
    out = file_of(round_frame(EVERY_CELL, tiny_bank), tiny_bank)  # one day, 3+ per pile
    assert out["submitted_at"].map(lambda day: bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", day))).all()
    assert set(out["submitted_at"]) == {"2025-03-03"}


def test_a_day_that_would_single_someone_out_is_left_out(tiny_bank: Bank) -> None:
    frame = round_frame(EVERY_CELL, tiny_bank)
    late = frame.index[(frame["team"] == "B") & (frame["role"] == "engineering")][-1]
    frame.loc[late, "submitted_at"] = "2025-03-04T08:00:00Z"  # the one answer of that day
    atoms = atoms_of(frame)
    assert not keeps_dates(frame, piles(atoms, MINIMUM, TEAMS, ("team", "role")), MINIMUM)
    assert (file_of(frame, tiny_bank)["submitted_at"] == "").all()


def test_ids_are_fresh_and_random(tiny_bank: Bank) -> None:
    frame = round_frame(EVERY_CELL, tiny_bank)
    first, second = file_of(frame, tiny_bank), file_of(frame, tiny_bank)
    for out in (first, second):
        assert out["response_id"].str.fullmatch(r"[0-9a-f]{32}").all()
        assert out["response_id"].is_unique
        assert not set(out["response_id"]) & set(frame["response_id"])
    assert not set(first["response_id"]) & set(second["response_id"])


def test_two_files_of_one_round_differ_in_row_order(tiny_bank: Bank) -> None:
    frame = round_frame(EVERY_CELL, tiny_bank)  # 13 rows, in submission order
    submitted = answer_rows(frame, tiny_bank)
    orders = [answer_rows(file_of(frame, tiny_bank), tiny_bank) for _ in range(2)]
    assert sorted(orders[0]) == sorted(submitted)  # the same answers, every row once
    assert orders[0] != orders[1]  # the same order twice: about 1 in 6 billion
    assert submitted not in orders


def test_the_order_does_not_follow_submission(tiny_bank: Bank) -> None:
    """Where the first submitted row lands is spread over the whole file."""
    frame = round_frame(EVERY_CELL, tiny_bank)
    first = answer_rows(frame, tiny_bank)[0]
    places = {answer_rows(file_of(frame, tiny_bank), tiny_bank).index(first) for _ in range(40)}
    assert len(places) >= 6  # of 13 places (fewer: about 1 in 10**13); a fixed order gives 1


# -- through the store: the function the page and the CLI call -----------------------------------


def stored_round(
    engine: sa.Engine, bank: Bank, cells: Cells, name: str = "Original"
) -> tuple[store.Round, pd.DataFrame]:
    frame = round_frame(cells, bank)
    frame["response_id"] = name + "-" + frame["response_id"]  # unique in the database
    rnd = store.open_round(engine, name, TEAMS[:3], bank, MINIMUM)
    store.import_responses(engine, rnd.token, frame.drop(columns=["round"]), source="test")
    store.publish(engine, rnd.token)
    return rnd, frame


def published_groups(engine: sa.Engine, rnd: store.Round) -> dict[str, pd.DataFrame]:
    counts = store.response_counts(engine, rnd.token, published_only=True)
    return decide_groups(counts, rnd.min_group_size, rnd.teams)


def test_no_file_while_the_round_is_below_its_minimum(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd, _ = stored_round(sqlite_engine, tiny_bank, TOO_FEW)
    offer = responses_file(sqlite_engine, rnd.token)
    assert not offer.offered and offer.problem and "at least 3 responses" in offer.problem
    with pytest.raises(InputError, match="at least 3 responses"):
        round_export(sqlite_engine, rnd.token, "responses")


def test_reimporting_the_file_shows_no_group_the_round_hid(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    """A hidden team of one stays hidden in a round made from the file (minimum 3)."""
    original, _ = stored_round(sqlite_engine, tiny_bank, HIDDEN_TEAM_OF_ONE)
    before = published_groups(sqlite_engine, original)
    hidden = keys_where(before, shown=False)
    assert ("team", ("C",)) in hidden
    export = round_export(sqlite_engine, original.token, "responses")
    text = read_file(export.data)
    assert len(text) == 13 and (text["team"] == "").all() and (text["role"] != "").all()

    copy = store.open_round(sqlite_engine, "Copy", ["A", "B", "C"], tiny_bank, MINIMUM)
    refused = prepare_import(export.data, tiny_bank, export.filename, teams=copy.teams)
    assert any("every response needs a team" in problem for problem in refused.problems)
    # All a leader can do without knowing more: one team for every row.
    filled = text.assign(team="Everyone").to_csv(index=False).encode()
    plan = prepare_import(filled, tiny_bank, "filled.csv", teams=copy.teams)
    store.import_responses(sqlite_engine, copy.token, plan.require_validated())
    store.publish(sqlite_engine, copy.token)
    after = published_groups(sqlite_engine, copy)
    assert not keys_where(after, shown=True) & hidden
    # Nor under another name: every group the copy shows is as large as one the original shows.
    sizes_before = {int(n) for table in before.values() for n in table.loc[table["shown"], "n"]}
    for table in after.values():
        assert set(table.loc[table["shown"], "n"].astype(int)) <= sizes_before


def test_a_file_with_team_and_role_imports_into_the_same_results(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    """The importer takes what the file holds -- fresh ids, days -- and the copy scores the same."""
    original, _ = stored_round(sqlite_engine, tiny_bank, EVERY_CELL)
    export = round_export(sqlite_engine, original.token, "responses")
    assert export.rows == sum(EVERY_CELL.values())
    copy = store.open_round(sqlite_engine, "Copy", TEAMS[:3], tiny_bank, MINIMUM)
    plan = prepare_import(export.data, tiny_bank, export.filename, teams=copy.teams)
    assert plan.ok, plan.problems
    assert store.import_responses(sqlite_engine, copy.token, plan.require_validated()) == 13
    before = store.responses_frame(sqlite_engine, original.token)
    after = store.responses_frame(sqlite_engine, copy.token)
    assert keys_where(decision(after), shown=True) == keys_where(decision(before), shown=True)
    for by in ([], ["team"], ["role"], ["team", "role"]):
        pd.testing.assert_frame_equal(
            group_scores(after, tiny_bank, by, MINIMUM),
            group_scores(before, tiny_bank, by, MINIMUM),
        )
    assert not set(after["response_id"]) & set(before["response_id"])
    assert set(after["submitted_at"]) == {"2025-03-03T00:00:00Z"}
    with pytest.raises(InputError, match="already stored"):  # the same file twice: refused
        store.import_responses(sqlite_engine, copy.token, plan.require_validated())


def test_the_page_check_and_the_file_agree(sqlite_engine: sa.Engine, tiny_bank: Bank) -> None:
    for name, cells in (("every", EVERY_CELL), ("teams", TEAMS_ONLY), ("roles", ROLES_ONLY)):
        rnd, _ = stored_round(sqlite_engine, tiny_bank, cells, name)
        offer = responses_file(sqlite_engine, rnd.token)
        text = read_file(round_export(sqlite_engine, rnd.token, "responses").data)
        assert offer.offered
        assert tuple(c for c in ("team", "role") if (text[c] != "").all()) == offer.columns
