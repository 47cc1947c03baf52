"""Importing wide responses: validation names row and column; storing is all rows or none."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from assessment import store
from assessment.bank import Bank
from assessment.errors import AssessmentError, InputError

SHARE_DATABASE = True  # many small database tests: see tests/support/db.py


@pytest.fixture
def rnd(engine: sa.Engine, tiny_bank: Bank) -> store.Round:
    return store.open_round(engine, "Paper forms", ["Checkout", "Search"], tiny_bank)


def wide(bank: Bank, n: int = 4, **columns: Any) -> pd.DataFrame:
    """A valid wide frame: values cycle through 1..5 with a missing cell per row."""
    values = np.array([[1 + (r + c) % 5 for c in range(len(bank.item_ids))] for r in range(n)])
    frame = pd.DataFrame(values.astype(float), columns=bank.item_ids)
    for r in range(n):
        frame.iat[r, r % len(bank.item_ids)] = np.nan
    frame.insert(0, "team", ["Checkout", "Search", "Legacy team", "Search"][:n])
    frame.insert(1, "role", ["engineering", "design", "other", "Engineer (free text)"][:n])
    for name, column in columns.items():
        frame[name] = column
    return frame


def test_import_responses_round_trip(engine: sa.Engine, rnd: store.Round) -> None:
    frame = wide(rnd.bank)
    assert store.import_responses(engine, rnd.token, frame) == 4
    stored = store.responses_frame(engine, rnd.token)
    key = ["team", "role"]
    got = stored.sort_values(key).reset_index(drop=True)
    want = frame.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got[rnd.bank.item_ids], want[rnd.bank.item_ids])
    assert got["team"].tolist() == want["team"].tolist()
    assert stored["response_id"].str.fullmatch(r"[0-9a-f]{32}").all()
    # A team the round does not list is kept (historic data) and counted.
    assert store.team_counts(engine, rnd.token)["team"].tolist() == [
        "Checkout",
        "Search",
        "Legacy team",
    ]


def test_import_responses_keeps_given_ids_times_and_comments(
    engine: sa.Engine, rnd: store.Round
) -> None:
    frame = wide(
        rnd.bank,
        n=3,
        response_id=["r-3", "r-1", ""],
        submitted_at=["2024-03-01T10:00:00Z", "2024-03-01 09:30:00", "2024-03-01T11:00:00+02:00"],
        comment=["Roadmap dates rule.", np.nan, "  "],
    )
    store.import_responses(engine, rnd.token, frame)
    stored = store.responses_frame(engine, rnd.token)
    assert stored["submitted_at"].tolist() == [
        "2024-03-01T09:00:00Z",
        "2024-03-01T09:30:00Z",
        "2024-03-01T10:00:00Z",
    ]
    assert stored["response_id"].tolist()[1:] == ["r-1", "r-3"]
    assert store.comments_frame(engine, rnd.token)["comment"].tolist() == ["Roadmap dates rule."]


def test_import_responses_accepts_integer_and_text_cells(
    engine: sa.Engine, rnd: store.Round
) -> None:
    frame = wide(rnd.bank, n=2)
    items = rnd.bank.item_ids
    frame[items[0]] = pd.array([3, None], dtype="Int64")
    frame[items[1]] = pd.Series(["4", ""], dtype="str")
    store.import_responses(engine, rnd.token, frame)
    stored = store.responses_frame(engine, rnd.token).sort_values("team")
    assert stored[items[0]].tolist()[0] == 3.0 and np.isnan(stored[items[0]].tolist()[1])
    assert stored[items[1]].tolist()[0] == 4.0 and np.isnan(stored[items[1]].tolist()[1])


def _bad(bank: Bank, column: str, row: int, value: object) -> pd.DataFrame:
    frame = wide(bank)
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda b: _bad(b, "purpose.product.2", 2, 6.0),
         r"import frame, row 4, column 'purpose.product.2': '6' is not on the 1-5 scale"),
        (lambda b: _bad(b, "purpose.product.2", 0, 0), r"row 2, column 'purpose.product.2': '0'"),
        (lambda b: _bad(b, "purpose.product.2", 1, 2.5), r"row 3, .*'2.5' is not a whole number"),
        (lambda b: _bad(b, "purpose.product.2", 1, "often"), r"row 3, .*'often' is not a number"),
        (lambda b: _bad(b, "team", 3, "  "), r"row 5, column 'team': empty; every response needs"),
        (lambda b: _bad(b, "role", 0, None), r"row 2, column 'role': empty; every response needs"),
        (lambda b: _bad(b, "team", 1, "T" * 201), r"row 3, column 'team': longer than 200"),
        (lambda b: _bad(b, "team", 1, "A\x00B"), r"row 3, column 'team': holds a control .*x00"),
        (lambda b: _bad(b, "role", 2, "\x1b[31m"), r"row 4, column 'role': holds a control .*x1b"),
        (lambda b: wide(b).assign(extra=1), r"column 'extra' is not an item of bank 'tiny' v1"),
        (lambda b: wide(b).drop(columns="team"), r"missing column 'team'"),
        (lambda b: wide(b)[["team", "role"]], r"no item columns"),
        (lambda b: wide(b).iloc[0:0], r"no responses \(no rows\)"),
        (lambda b: wide(b, response_id=["a", "b", "a", ""]), r"row 4, .*'a' repeats the id of row"),
        (lambda b: wide(b, response_id=["x" * 65, "", "", ""]), r"row 2, .*longer than 64"),
        (lambda b: wide(b, submitted_at=["x", "", "", ""]), r"row 2, .*'x' is not a date and time"),
        (lambda b: wide(b, comment=["x" * 2001, "", "", ""]), r"row 2, .*longer than 2000"),
        (lambda b: wide(b, comment=["a\n\tb", "\x00", "", ""]), r"row 3, column 'comment'.*x00"),
    ],
)  # fmt: skip
def test_import_responses_bad_frame_stores_nothing(
    engine: sa.Engine, rnd: store.Round, make: Any, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        store.import_responses(engine, rnd.token, make(rnd.bank))
    assert store.response_count(engine, rnd.token) == 0


def test_import_responses_reports_every_problem_up_to_a_limit(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(sqlite_engine, "Q", ["A"], tiny_bank)
    frame = wide(tiny_bank)
    frame[tiny_bank.item_ids] = 9.0
    with pytest.raises(InputError) as caught:
        store.import_responses(sqlite_engine, rnd.token, frame)
    assert len(caught.value.problems) == 51  # the one cap: validate.MAX_PROBLEMS
    assert caught.value.problems[-1] == f"... and {4 * len(tiny_bank.item_ids) - 50} more problems"


def test_import_responses_twice_with_ids_refused(engine: sa.Engine, rnd: store.Round) -> None:
    frame = wide(rnd.bank, response_id=["a", "b", "c", "d"])
    store.import_responses(engine, rnd.token, frame)
    with pytest.raises(InputError, match=r"4 id\(s\) already stored .*imported before"):
        store.import_responses(engine, rnd.token, frame)
    assert store.response_count(engine, rnd.token) == 4


def test_import_responses_into_a_closed_round_is_refused(
    engine: sa.Engine, rnd: store.Round
) -> None:
    """Closed means closed: no answers arrive after the count a leader has seen."""
    store.close_round(engine, rnd.token)
    with pytest.raises(AssessmentError, match=r"'Paper forms' is closed.*reopen it"):
        store.import_responses(engine, rnd.token, wide(rnd.bank))
    assert store.response_count(engine, rnd.token) == 0
    store.reopen_round(engine, rnd.token)  # a leader who means it reopens the round first
    assert store.import_responses(engine, rnd.token, wide(rnd.bank)) == 4


def test_import_responses_stores_a_validated_import_as_checked(
    engine: sa.Engine, rnd: store.Round
) -> None:
    checked = store.validate_import(wide(rnd.bank, comment=["Fine.", "", "", ""]), rnd.bank)
    assert store.import_responses(engine, rnd.token, checked) == 4
    assert store.comments_frame(engine, rnd.token)["comment"].tolist() == ["Fine."]


def test_import_responses_refuses_a_validation_for_another_bank(
    engine: sa.Engine, rnd: store.Round, default_bank: Bank
) -> None:
    other = dict(
        zip(rnd.bank.item_ids, default_bank.item_ids[: len(rnd.bank.item_ids)], strict=True)
    )
    frame = wide(rnd.bank).rename(columns=other)
    checked = store.validate_import(frame, default_bank, source="other.csv")
    with pytest.raises(InputError, match=r"other.csv: checked against bank 'product-vs-project'"):
        store.import_responses(engine, rnd.token, checked)
    assert store.response_count(engine, rnd.token) == 0


def test_import_responses_refuses_a_tampered_validation(
    engine: sa.Engine, rnd: store.Round
) -> None:
    """The store's own check is cheap and whole-column, but it does not trust blindly."""
    checked = store.validate_import(wide(rnd.bank), rnd.bank, source="x.csv")
    values = checked.values.copy()
    values[0, 0] = 9
    bad = dataclasses.replace(checked, values=values, teams=["T\x00", *checked.teams[1:]])
    with pytest.raises(InputError) as caught:
        store.import_responses(engine, rnd.token, bad)
    assert caught.value.problems == [
        "x.csv: the checked data does not fit the round (some answers are not whole numbers"
        " from 1 to 5; a team holds a control character)"
    ]
    assert store.response_count(engine, rnd.token) == 0


def test_store_messages_name_the_file(engine: sa.Engine, rnd: store.Round) -> None:
    checked = store.validate_import(wide(rnd.bank, response_id=list("abcd")), rnd.bank,
                                    source="upload.csv")  # fmt: skip
    store.import_responses(engine, rnd.token, checked)
    with pytest.raises(InputError, match=r"^upload.csv, column 'response_id': 4 id\(s\) already"):
        store.import_responses(engine, rnd.token, checked)
