"""`assessment export` and `assessment import`: exit codes, output, and nothing stored on errors."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from assessment import store
from assessment.bank import Bank
from assessment.interchange import read_responses, scores_csv_bytes
from assessment.interchange.forms import prepare_import
from assessment.scoring import group_scores
from assessment.service.exports import round_export
from tests.support.banks import V1_BANK_PATH
from tests.support.cli import Result
from tests.support.db import make_sqlite_engine

DATA = Path(__file__).parent / "data"
WIDE = DATA / "forms_default_bank_wide.csv"
GOOGLE = DATA / "forms_google_default_bank.csv"
TEAMS = ["Payments", "Mobile", "Platform"]


@pytest.fixture(scope="module")
def default_bank(v1_bank: Bank) -> Bank:
    """The forms files in tests/data were exported with version 1 of the default bank."""
    return v1_bank


@pytest.fixture
def cli_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    engine = make_sqlite_engine(tmp_path / "cli.db")  # a copy of a migrated one: no migrating
    yield engine
    engine.dispose()


@pytest.fixture
def answered(cli_engine: sa.Engine, default_bank: Bank) -> store.Round:
    rnd = store.open_round(cli_engine, "Q1 check-in", TEAMS, default_bank)
    store.import_responses(cli_engine, rnd.token, read_responses(WIDE, default_bank))
    return rnd


@pytest.mark.parametrize(
    ("kind", "by"), [("scores", []), ("scores", ["team", "role"]), ("retro", ["team"])]
)
def test_export_to_stdout_is_the_page_file_without_bom(
    run_cli: Callable[..., Result],
    cli_engine: sa.Engine,
    answered: store.Round,
    kind: str,
    by: list[str],
) -> None:
    args = [arg for col in by for arg in ("--by", col)]
    result = run_cli("export", kind, "--round", answered.token, *args)
    assert result.code == 0, result.err
    assert not result.out.startswith("\ufeff")
    expected = round_export(cli_engine, answered.token, kind, by).data.decode("utf-8-sig")
    assert result.out == expected


def _rows(text: str) -> list[tuple[str, ...]]:
    """A responses file's rows without their ids, sorted: the order and ids are random."""
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return sorted(map(tuple, frame.drop(columns="response_id").to_numpy()))


def test_export_responses_to_stdout_is_the_page_file_in_another_order(
    run_cli: Callable[..., Result], cli_engine: sa.Engine, default_bank: Bank
) -> None:
    """Rows come in a random order with fresh ids, so two files hold the same rows otherwise."""
    rnd = store.open_round(cli_engine, "One team", ["Payments"], default_bank)
    one_cell = read_responses(WIDE, default_bank).assign(team="Payments", role="engineering")
    store.import_responses(cli_engine, rnd.token, one_cell)
    result = run_cli("export", "responses", "--round", rnd.token)
    assert result.code == 0, result.err
    assert not result.out.startswith("\ufeff")
    expected = round_export(cli_engine, rnd.token, "responses").data.decode("utf-8-sig")
    assert result.out.splitlines()[0] == expected.splitlines()[0]
    assert _rows(result.out) == _rows(expected)
    assert len(_rows(result.out)) == 18


def test_export_responses_that_would_single_someone_out_exits_2(
    run_cli: Callable[..., Result], answered: store.Round
) -> None:
    """The fixture round's teams and roles meet in cells of one or two: no responses file."""
    result = run_cli("export", "responses", "--round", answered.token)
    assert result.code == 2
    assert "The responses file is not offered for this round yet" in result.err
    assert result.out == ""


def test_export_to_file_has_bom_and_reports_rows(
    run_cli: Callable[..., Result], cli_engine: sa.Engine, answered: store.Round, tmp_path: Path
) -> None:
    target = tmp_path / "retro.csv"
    result = run_cli(
        "export", "retro", "--round", answered.token, "--by", "team", "--output", str(target)
    )
    assert result.code == 0, result.err
    assert target.read_bytes() == round_export(cli_engine, answered.token, "retro", ["team"]).data
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert f"Wrote 12 rows to {target}" in result.err  # 3 teams x 4 dimensions


def test_export_unknown_round_exits_2(
    run_cli: Callable[..., Result], cli_engine: sa.Engine
) -> None:
    result = run_cli("export", "scores", "--round", "no-such-token")
    assert result.code == 2
    assert "No round with token 'no-such-token'" in result.err
    assert result.out == ""


def test_export_by_unknown_column_is_a_usage_error(
    run_cli: Callable[..., Result], answered: store.Round
) -> None:
    result = run_cli("export", "scores", "--round", answered.token, "--by", "squad")
    assert result.code == 2
    assert "invalid choice: 'squad'" in result.err


def test_import_google_forms_prints_mapping_and_count(
    run_cli: Callable[..., Result], cli_engine: sa.Engine, default_bank: Bank
) -> None:
    rnd = store.open_round(cli_engine, "Forms", TEAMS, default_bank)
    result = run_cli("import", str(GOOGLE), "--round", rnd.token)
    assert result.code == 0, result.err
    assert "Format: Google Forms export" in result.out
    assert "Email Address" in result.out and "dropped (personal data)" in result.out
    assert "Personal columns dropped, never stored: 'Email Address'" in result.out
    assert (
        "43 statement column(s) -> items, matched by exact statement (grid statement)" in result.out
    )
    assert "Imported 18 responses into round 'Forms'." in result.out
    assert store.response_count(cli_engine, rnd.token) == 18


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (GOOGLE.read_text(encoding="utf-8-sig").replace(",Agree,", ",Agreed,", 1),
         "'Agreed' is not an answer on the scale"),
        (WIDE.read_text(encoding="utf-8-sig").replace(",4,", ",4.5,", 1),
         "'4.5' is not a whole number"),
        ("", "no responses (the file is empty)"),
    ],
    ids=["bad label", "half number", "empty"],
)  # fmt: skip
def test_import_bad_file_exits_2_and_stores_nothing(
    run_cli: Callable[..., Result], answered: store.Round, cli_engine: sa.Engine, tmp_path: Path,
    content: str, message: str,
) -> None:  # fmt: skip
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = run_cli("import", str(path), "--round", answered.token)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert store.response_count(cli_engine, answered.token) == 18


def test_import_missing_file_exits_2(run_cli: Callable[..., Result], answered: store.Round) -> None:
    result = run_cli("import", "nowhere.csv", "--round", answered.token)
    assert result.code == 2
    assert "nowhere.csv: file not found" in result.err


def test_google_forms_scores_equal_assessment_score_on_the_same_data(
    run_cli: Callable[..., Result], default_bank: Bank
) -> None:
    """Imported from Google Forms or scored from the wide file by the CLI: the same scores."""
    plan = prepare_import(GOOGLE.read_bytes(), default_bank, GOOGLE.name)
    assert plan.ok and not [c for c in plan.columns if c.how in ("unknown statement",)]
    for by in ([], ["team"], ["role"]):
        grouping = [a for col in by for a in ("--by", col)]
        result = run_cli("score", str(WIDE), "--bank", str(V1_BANK_PATH), *grouping)
        assert result.code == 0, result.err
        cli = pd.read_csv(io.StringIO(result.out), keep_default_na=False, dtype=str)
        imported = scores_csv_bytes(group_scores(plan.require_ok(), default_bank, by=by))
        mine = pd.read_csv(
            io.BytesIO(imported), keep_default_na=False, dtype=str, encoding="utf-8-sig"
        )
        pd.testing.assert_frame_equal(cli, mine)


def test_team_by_role_export_keeps_the_team_files_suppression(
    cli_engine: sa.Engine, tiny_bank: Bank
) -> None:
    # Team C (2) is hidden, so B (3) is hidden to protect it. On its own, the team x role table
    # would show B's only cell (B/engineering): B's score, and with it C's by subtraction.
    rnd = store.open_round(cli_engine, "Nested", ["A", "B", "C"], tiny_bank, 3)
    rows = [("A", "engineering")] * 5 + [("A", "product")] * 4
    rows += [("B", "engineering")] * 3 + [("C", "product")] * 2
    frame = pd.DataFrame(
        [{"team": t, "role": r, **dict.fromkeys(tiny_bank.item_ids, 4.0)} for t, r in rows]
    )
    store.import_responses(cli_engine, rnd.token, frame)
    by_team = round_export(cli_engine, rnd.token, "scores", ["team"])
    cells = round_export(cli_engine, rnd.token, "scores", ["team", "role"])
    teams = pd.read_csv(io.BytesIO(by_team.data), encoding="utf-8-sig", dtype={"team": str})
    nested = pd.read_csv(io.BytesIO(cells.data), encoding="utf-8-sig", dtype={"team": str})
    assert teams.loc[teams["team"] == "B", "suppressed"].all()
    assert nested.loc[nested["team"] == "B", "suppressed"].all()
    assert nested.loc[nested["team"] == "B", "score"].isna().all()
    # A's engineers (5) must be hidden too: with them shown, the product managers' total
    # minus A's (A - A's engineers) gives C's two product managers away. The audit
    # (scoring/audit.py) finds that; the row-by-row rules alone did not.
    a_engineering = (nested["team"] == "A") & (nested["role"] == "engineering")
    assert nested.loc[a_engineering, "suppressed"].all()
    assert set(nested.loc[a_engineering, "reason"]) == {"protects_another"}


def test_import_prints_names_from_the_file_escaped(
    run_cli: Callable[..., Result], cli_engine: sa.Engine, default_bank: Bank, tmp_path: Path
) -> None:
    """A forms header holding a terminal escape is shown as \\x1b, never sent raw."""
    rnd = store.open_round(cli_engine, "Forms", TEAMS, default_bank)
    path = tmp_path / "forms.csv"
    text = GOOGLE.read_text(encoding="utf-8-sig").replace("Timestamp", "Time\x1b[2Jstamp", 1)
    path.write_text(text, encoding="utf-8")
    result = run_cli("import", str(path), "--round", rnd.token)
    assert result.code == 0, result.err
    assert "Time\\x1b[2Jstamp" in result.out and "\x1b" not in result.out
    assert store.response_count(cli_engine, rnd.token) == 18


def test_import_of_a_team_name_too_long_names_the_spreadsheet_row(
    run_cli: Callable[..., Result], answered: store.Round, cli_engine: sa.Engine, tmp_path: Path
) -> None:
    """The preview and the write check alike: the message the leader sees names row 3."""
    lines = WIDE.read_text(encoding="utf-8-sig").splitlines()
    team = lines[2].split(",")[0]
    lines[2] = lines[2].replace(team, "T" * 250, 1)
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("import", str(path), "--round", answered.token)
    assert result.code == 2
    assert result.err.splitlines() == [
        f"error: {path}, row 3, column 'team': longer than 200 characters (250); shorten it"
    ]
    assert store.response_count(cli_engine, answered.token) == 18


def _change_round(tiny_bank: Bank, purpose_product: list[int]) -> pd.DataFrame:
    """Ten engineers of team A: 3 everywhere but purpose/product (its three items alike)."""
    rows = []
    for answer in purpose_product:
        row = dict.fromkeys(tiny_bank.item_ids, 3.0)
        row |= {f"purpose.product.{k}": float(answer) for k in (1, 2, 3)}
        rows.append(row | {"team": "A", "role": "engineering"})
    return pd.DataFrame(rows)


def test_export_scores_compared_to_an_earlier_round_is_the_hand_worked_golden(
    run_cli: Callable[..., Result], cli_engine: sa.Engine, tiny_bank: Bank
) -> None:
    # Worked by hand in tests/data/README.md ("golden_change.csv").
    before = store.open_round(cli_engine, "Q1", ["A"], tiny_bank, 3)
    now = store.open_round(cli_engine, "Q2", ["A"], tiny_bank, 3)
    store.import_responses(cli_engine, before.token, _change_round(tiny_bank, [3] * 8 + [2, 4]))
    store.import_responses(cli_engine, now.token, _change_round(tiny_bank, [4] * 8 + [3, 5]))
    result = run_cli("export", "scores", "--round", now.token, "--compare-to", before.token)
    assert result.code == 0, result.err
    assert result.out == (DATA / "golden_change.csv").read_text(encoding="utf-8").replace(
        "\n", "\r\n"
    )
    refused = run_cli("export", "retro", "--round", now.token, "--compare-to", before.token)
    assert refused.code == 2 and "--compare-to" in refused.err
