"""Writing exports: formats, rounding, suppression, file names and formula injection."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment import store
from assessment.bank import Bank, bank_from_dict
from assessment.errors import InputError
from assessment.interchange.codebook import CODEBOOK_COLUMNS, codebook_csv_bytes, with_names
from assessment.interchange.comments import comments_table
from assessment.interchange.read import read_responses
from assessment.interchange.retro import retro_csv_bytes, retro_frame, write_retro
from assessment.interchange.write import (
    export_filename,
    responses_csv_bytes,
    scores_csv_bytes,
    write_responses,
    write_scores,
)
from assessment.scoring import group_scores
from assessment.scoring.findings import findings
from assessment.service.exports import comments_file, round_export

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
EVIL = ['=HYPERLINK("http://x.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "exports start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _assert_no_formula(data: bytes) -> None:
    """Every text cell of every row: nothing a spreadsheet would run."""
    for r, row in enumerate(_rows(data)):
        for cell in row:
            assert _is_number(cell) or not cell.startswith(tuple(TRIGGERS)), (r, cell)


def _responses(bank: Bank, teams: list[str], seed: int = 1, missing: bool = True) -> pd.DataFrame:
    """Random answers; with `missing`, about one in six is "don't know"."""
    rng = np.random.default_rng(seed)
    low = 0 if missing else 1
    values = rng.integers(low, bank.scale.points + 1, size=(len(teams), len(bank.items)))
    values = values.astype(float)
    values[values == 0] = np.nan
    frame = pd.DataFrame(values, columns=bank.item_ids)
    frame.insert(0, "role", "engineering")
    frame.insert(0, "team", teams)
    return frame


def test_write_responses_format(tiny_bank: Bank, tmp_path: Path) -> None:
    frame = _responses(tiny_bank, ["A", "B"])
    frame.loc[0, "purpose.product.1"] = np.nan
    frame.loc[1, "purpose.product.1"] = 4.0
    frame.insert(0, "submitted_at", pd.to_datetime(["2025-03-31 14:05:09.7", None], utc=True))
    target = tmp_path / "out.csv"
    write_responses(frame, tiny_bank, target)
    data = target.read_bytes()
    assert data == responses_csv_bytes(frame, tiny_bank)
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    rows = _rows(data)
    expected_header = ["response_id", "submitted_at", "round", "team", "role"]
    assert rows[0] == [*expected_header, *tiny_bank.item_ids]
    assert rows[1][1] == "2025-03-31T14:05:09Z"
    assert rows[1][5] == "" and rows[2][5] == "4"
    assert not any("." in cell for row in rows[1:] for cell in row[5:])


def test_write_responses_never_exports_comments(tiny_bank: Bank) -> None:
    frame = _responses(tiny_bank, ["A"]).assign(comment="my name is Kim")
    assert b"Kim" not in responses_csv_bytes(frame, tiny_bank)


def test_write_to_an_open_handle_has_no_byte_order_mark(tiny_bank: Bank) -> None:
    buffer = io.StringIO()
    write_scores(group_scores(_responses(tiny_bank, ["A"] * 4), tiny_bank), buffer)
    header = "dimension,lens,score,ci_low,ci_high,n,suppressed,reason\r\n"
    assert buffer.getvalue().startswith(header)  # the internal sd is never written


def test_write_scores_rounds_half_up_and_blanks_suppressed() -> None:
    tidy = pd.DataFrame(
        {
            "team": ["A", "A", "B"],
            "dimension": ["purpose"] * 3,
            "lens": ["product", "project", "product"],
            "score": [62.25, 12.349, np.nan],
            "ci_low": [50.05, 0.0, np.nan],
            "ci_high": [74.45, 30.0, np.nan],
            "n": [7, 6, 2],
            "suppressed": [False, False, True],
            "sd": [13.2, 20.1, np.nan],
        }
    )
    rows = _rows(scores_csv_bytes(tidy))
    assert rows == [
        ["team", "dimension", "lens", "score", "ci_low", "ci_high", "n", "suppressed", "reason"],
        ["A", "purpose", "product", "62.3", "50.1", "74.5", "7", "false", ""],
        ["A", "purpose", "project", "12.3", "0.0", "30.0", "6", "false", ""],
        ["B", "purpose", "product", "", "", "", "", "true", "too_small"],  # no size, no interval
    ]


def test_retro_pack_rows_columns_and_prompts(tiny_bank: Bank) -> None:
    frame = _responses(tiny_bank, ["A"] * 6 + ["B"] * 2 + ["C"] * 7 + ["D"] * 8, missing=False)
    tidy = group_scores(frame, tiny_bank, by=["team"], min_group_size=5)
    rows = _rows(
        retro_csv_bytes(
            tidy, findings(tidy, tiny_bank, ["team"]), tiny_bank, by=["team"], min_group_size=5
        )
    )
    header = rows[0]
    assert header == [
        "team", "dimension", "classification", "finding", "evidence", "product", "project",
        "clarity", "blur_index", "balance", "n", "prompt_1", "prompt_2",
    ]  # fmt: skip
    body = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert [(r["team"], r["dimension"]) for r in body] == [
        (team, dimension) for team in "ABCD" for dimension in ("Purpose", "Scope")
    ]
    hidden, visible = body[2], body[4]  # B (2 people) and C (7)
    assert visible["classification"] in {"blurred", "under-managed", "delivery-led",
                                         "plan-light", "distinct"}  # fmt: skip
    assert visible["n"] == "7" and _is_number(visible["product"])
    assert visible["prompt_1"] == "Who decides why we build this?"
    assert hidden["finding"] == "fewer than 5 responses — hidden"
    assert hidden["classification"] == "hidden"
    numbers = ("product", "project", "clarity", "blur_index", "balance", "n", "evidence")
    assert all(hidden[col] == "" for col in numbers)
    assert hidden["prompt_2"] == "What would change if we knew?"


def test_retro_pack_keeps_negative_balance_a_number(tiny_bank: Bank) -> None:
    frame = _responses(tiny_bank, ["A"] * 6)
    frame[[i.id for i in tiny_bank.items if i.lens == "product"]] = 1.0
    frame[[i.id for i in tiny_bank.items if i.lens == "project" and not i.reverse]] = 5.0
    frame[[i.id for i in tiny_bank.items if i.lens == "project" and i.reverse]] = 1.0
    tidy = group_scores(frame, tiny_bank)
    retro = retro_frame(tidy, findings(tidy, tiny_bank), tiny_bank)
    assert retro.loc[0, "balance"] == "-100.0"
    assert retro.loc[0, "classification"] in {"delivery-led", "blurred"}


def test_retro_pack_of_empty_scores_has_a_header(tiny_bank: Bank) -> None:
    empty = pd.DataFrame(columns=["team", "dimension", "lens", "score", "n", "suppressed"])
    assert _rows(retro_csv_bytes(empty, [], tiny_bank, by=["team"]))[0][:3] == [
        "team", "dimension", "classification",
    ]  # fmt: skip


def test_write_retro_to_path_equals_bytes(tiny_bank: Bank, tmp_path: Path) -> None:
    tidy = group_scores(_responses(tiny_bank, ["A"] * 5), tiny_bank)
    found = findings(tidy, tiny_bank)
    write_retro(tidy, found, tiny_bank, tmp_path / "retro.csv")
    assert (tmp_path / "retro.csv").read_bytes() == retro_csv_bytes(tidy, found, tiny_bank)


@pytest.mark.parametrize("evil", EVIL, ids=repr)
def test_every_export_neutralises_formulas(tiny_bank: Bank, evil: str) -> None:
    """A team, a role and a round named like a formula stay text in every file."""
    frame = _responses(tiny_bank, [evil] * 6 + ["plain"] * 6)
    frame["role"] = [evil, "engineering"] * 6
    frame["round"] = evil
    frame["response_id"] = [f"{evil}{i}" for i in range(len(frame))]
    wide = responses_csv_bytes(frame, tiny_bank)
    _assert_no_formula(wide)
    assert _rows(wide)[1][3] == "'" + evil
    for by in (["team"], ["role"], ["team", "role"]):
        tidy = group_scores(frame, tiny_bank, by=by, min_group_size=3)
        _assert_no_formula(scores_csv_bytes(tidy))
        found = findings(tidy, tiny_bank, by)
        _assert_no_formula(retro_csv_bytes(tidy, found, tiny_bank, by=by, min_group_size=3))


def test_retro_neutralises_bank_text_too(tiny_bank: Bank) -> None:
    data = tiny_bank.model_dump(mode="json")
    data["dimensions"][0]["name"] = "=cmd|' /C calc'!A0"
    data["dimensions"][0]["retro_prompts"][0] = "-What ends?"
    data["dimensions"][0]["retro_prompts"][1] = "@who decides?"
    bank = bank_from_dict(data)
    tidy = group_scores(_responses(bank, ["A"] * 5), bank)
    retro = retro_csv_bytes(tidy, findings(tidy, bank), bank)
    _assert_no_formula(retro)
    assert _rows(retro)[1][0] == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("team", "written"),
    [("=1+1", "'=1+1"), ("'=1+1", "''=1+1"), ("''", "'''"), ("'plain", "'plain"), ("a=b", "a=b")],
)
def test_formula_guard_is_undone_exactly_on_reading(
    tiny_bank: Bank, team: str, written: str
) -> None:
    data = responses_csv_bytes(_responses(tiny_bank, [team]), tiny_bank)
    assert _rows(data)[1][3] == written
    assert read_responses(data, tiny_bank)["team"].tolist() == [team]


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Q1 2025", "responses", "role-radar_q1-2025_responses_2025-03-31.csv"),
        (
            "Équipe / Plateforme: été!",
            "retro",
            "role-radar_equipe-plateforme-ete_retro_2025-03-31.csv",
        ),
        ("../../etc/passwd", "scores", "role-radar_etc-passwd_scores_2025-03-31.csv"),
        ("???", "scores-by-team", "role-radar_round_scores-by-team_2025-03-31.csv"),
    ],
)
def test_export_filename(name: str, kind: str, expected: str) -> None:
    assert export_filename(name, kind, date(2025, 3, 31)) == expected


text_cells = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(
        ["=", "+", "-", "@", "\t", ";", ",", '"', "'", " "]
    ),
    min_size=1,
    max_size=12,
).map(str.strip).filter(bool)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    teams=st.lists(text_cells, min_size=1, max_size=4, unique=True),
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(1, 30),
)
def test_responses_round_trip_through_csv(
    tiny_bank: Bank, teams: list[str], seed: int, size: int
) -> None:
    """Export, read back: the same teams, roles and answers, so the same scores."""
    rng = np.random.default_rng(seed)
    frame = _responses(tiny_bank, list(rng.choice(teams, size=size)), seed)
    back = read_responses(responses_csv_bytes(frame, tiny_bank), tiny_bank)
    assert back["team"].tolist() == frame["team"].tolist()
    pd.testing.assert_frame_equal(
        group_scores(back, tiny_bank, by=["team"], min_group_size=3),
        group_scores(frame, tiny_bank, by=["team"], min_group_size=3),
    )


# -- readable exports: codebook, display names, comments -----------------------------------------


def test_codebook_names_every_column_of_the_responses_file(tiny_bank: Bank) -> None:
    rows = _rows(codebook_csv_bytes(tiny_bank))
    assert rows[0] == list(CODEBOOK_COLUMNS)
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    file_header = _rows(responses_csv_bytes(_responses(tiny_bank, ["A"]), tiny_bank))[0]
    assert [row["column"] for row in body] == file_header  # one row per column, same order
    role = next(row for row in body if row["column"] == "role")
    assert "engineering = Engineering" in role["values"]
    reverse = next(row for row in body if row["column"] == "purpose.clarity.3")
    assert reverse == {
        "column": "purpose.clarity.3",
        "text": "C3",
        "dimension": "purpose",
        "dimension_name": "Purpose",
        "lens": "clarity",
        "lens_name": "Clarity",
        "keying": "reverse",
        "values": "1 = Strongly disagree; 2 = Disagree; 3 = Neither agree nor disagree;"
        " 4 = Agree; 5 = Strongly agree; empty = Don't know / not applicable, or skipped",
    }
    assert [row["keying"] for row in body[5:]].count("reverse") == 2  # as the bank says


def test_codebook_guards_statement_text_against_formulas(tiny_bank: Bank) -> None:
    data = tiny_bank.model_dump()
    data["items"][0]["text"] = '=HYPERLINK("http://x.example","click")'
    _assert_no_formula(codebook_csv_bytes(bank_from_dict(data)))


def test_with_names_appends_names_and_keeps_every_column_in_place(tiny_bank: Bank) -> None:
    table = pd.DataFrame(
        {
            "role": ["engineering", "", "unknown_role"],
            "dimension": ["purpose", "scope", "scope"],
            "lens": ["product", "project", "clarity"],
            "score": ["50.0", "", "12.5"],
        }
    )
    named = with_names(table, tiny_bank)
    assert list(named.columns) == [*table.columns, "dimension_name", "lens_name", "role_name"]
    assert named["role_name"].tolist() == ["Engineering", "", "unknown_role"]
    assert named["dimension_name"].tolist() == ["Purpose", "Scope", "Scope"]
    assert named["lens_name"].tolist() == ["Product", "Project", "Clarity"]


def test_comments_table_keeps_only_groups_that_show_comments() -> None:
    comments = pd.DataFrame(
        {"team": ["A", "B", "A"], "role": ["x", "x", "y"], "comment": ["zeta", "beta", "=1+1"]},
        dtype="str",
    )
    counts = pd.DataFrame({"team": ["A", "B"], "comments_visible": [True, False]})
    assert comments_table(comments, counts, ["team"]).to_dict("records") == [
        {"team": "A", "comment": "'=1+1"},  # sorted by group, then text; guarded
        {"team": "A", "comment": "zeta"},
    ]
    organisation = pd.DataFrame({"comments_visible": [False]})
    assert comments_table(comments, organisation).empty


@pytest.fixture
def commented_round(sqlite_engine: sa.Engine, tiny_bank: Bank) -> store.Round:
    """Teams of 10, 12, 4 and 6, everyone with a comment; minimum 3.

    At the comments' threshold (10) C and D are hidden, and together they hold 10,
    so A and B show their comments; every team shows its scores.
    """
    rnd = store.open_round(sqlite_engine, "Comments", ["A", "B", "C", "D"], tiny_bank, 3)
    teams = ["A"] * 10 + ["B"] * 12 + ["C"] * 4 + ["D"] * 6
    frame = _responses(tiny_bank, teams, seed=4, missing=False)
    frame["comment"] = [f"note {team}{i}" for i, team in enumerate(frame["team"])]
    store.import_responses(sqlite_engine, rnd.token, frame)
    return rnd


def test_comments_export_shows_groups_of_ten_only(
    sqlite_engine: sa.Engine, commented_round: store.Round
) -> None:
    by_team = _rows(round_export(sqlite_engine, commented_round.token, "comments", ["team"]).data)
    assert by_team[0] == ["team", "comment"]
    assert [row[0] for row in by_team[1:]] == ["A"] * 10 + ["B"] * 12  # C and D show none
    whole = round_export(sqlite_engine, commented_round.token, "comments")
    assert whole.rows == 32 and "comments" in whole.filename
    by_role = _rows(round_export(sqlite_engine, commented_round.token, "comments", ["role"]).data)
    assert by_role[0] == ["role", "comment", "role_name"] and by_role[1][2] == "Engineering"
    assert comments_file(sqlite_engine, commented_round.token) is None


def test_comments_export_refused_below_ten(sqlite_engine: sa.Engine, tiny_bank: Bank) -> None:
    rnd = store.open_round(sqlite_engine, "Small", ["A"], tiny_bank, 3)
    frame = _responses(tiny_bank, ["A"] * 9, missing=False).assign(comment="hello")
    store.import_responses(sqlite_engine, rnd.token, frame)
    problem = comments_file(sqlite_engine, rnd.token)
    assert problem is not None and "at least 10" in problem
    with pytest.raises(InputError, match="at least 10"):
        round_export(sqlite_engine, rnd.token, "comments")


def test_round_scores_export_carries_names(
    sqlite_engine: sa.Engine, commented_round: store.Round
) -> None:
    rows = _rows(round_export(sqlite_engine, commented_round.token, "scores", ["role"]).data)
    header = rows[0]
    assert header[:3] == ["role", "dimension", "lens"]  # the ids keep their places
    assert header[-3:] == ["dimension_name", "lens_name", "role_name"]
    first = dict(zip(header, rows[1], strict=True))
    assert (first["dimension_name"], first["role_name"]) == ("Purpose", "Engineering")


def test_codebook_export_from_the_command_line(
    run_cli: Any, app_engine: sa.Engine, tiny_bank: Bank
) -> None:
    rnd = store.open_round(app_engine, "Codebook", ["A"], tiny_bank, 3)  # no responses needed
    result = run_cli("export", "codebook", "--round", rnd.token)
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0] == ",".join(CODEBOOK_COLUMNS)
    assert len(lines) == 1 + 5 + len(tiny_bank.items)


def test_retro_pack_offers_each_verdicts_prompts_and_says_borderline(tiny_bank: Bank) -> None:
    data = tiny_bank.model_dump()
    data["dimensions"][1]["verdict_prompts"] = {"plan-light": ["Who plans?", "Who ships?", "When?"]}
    bank = Bank.model_validate(data)
    golden = pd.read_csv(
        Path(__file__).parent / "data" / "golden_responses.csv", dtype={"team": str, "role": str}
    )
    tidy = group_scores(golden, bank, by=["team"])
    frame = retro_frame(tidy, findings(tidy, bank, ["team"]), bank, ["team"], 3)
    a = frame[frame["team"] == "A"].set_index("dimension")
    assert a.loc["Scope", ["prompt_1", "prompt_2", "prompt_3"]].tolist() == [
        "Who plans?", "Who ships?", "When?",
    ]  # fmt: skip
    assert a.loc["Purpose", "prompt_1"] == bank.dimension("purpose").retro_prompts[0]
    assert a.loc["Purpose", "prompt_3"] == ""  # the general prompts are two
    assert a.loc["Purpose", "finding"].startswith("Purpose is borderline distinct in A")
