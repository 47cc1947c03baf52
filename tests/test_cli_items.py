"""`assessment items`: the item analysis table of a responses file, and clean errors."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from assessment.bank import Bank
from assessment.scoring.item_analysis import item_columns
from assessment.service.demo import demo_frame, demo_scale
from tests.support.banks import DATA
from tests.support.cli import Result

Run = Callable[..., Result]
TINY = str(DATA / "tiny_bank.yaml")
GOLDEN = str(DATA / "golden_responses.csv")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory, default_bank: Bank) -> Path:
    """The demo's latest round as a wide responses file, answers as whole numbers."""
    frame = demo_frame(default_bank).drop(columns=["comment"])
    frame[default_bank.item_ids] = frame[default_bank.item_ids].astype("Int64")
    path = tmp_path_factory.mktemp("items") / "responses.csv"
    frame.to_csv(path, index=False)
    return path


def test_items_writes_one_row_per_statement_as_csv(
    run_cli: Run, demo_file: Path, default_bank: Bank
) -> None:
    result = run_cli("items", str(demo_file))
    assert result.code == 0, result.err
    table = pd.read_csv(io.StringIO(result.out), keep_default_na=False)
    assert list(table.columns) == item_columns(default_bank)
    assert table["item"].tolist() == default_bank.item_ids
    hard = default_bank.items_in(*demo_scale(default_bank, "hard"))[0].id
    assert table.loc[table["flag_dont_know"] == "yes", "item"].tolist() == [hard]
    assert (table["flag_keying"] == "").all()
    assert table["item_rest"].astype(float).between(0, 1).all()  # two decimals, all estimated


def test_items_output_file_gets_the_table_and_the_terminal_a_summary(
    run_cli: Run, demo_file: Path, tmp_path: Path, default_bank: Bank
) -> None:
    target = tmp_path / "items.csv"
    result = run_cli("items", str(demo_file), "--output", str(target))
    assert result.code == 0, result.err
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # like every Role Radar CSV
    assert len(pd.read_csv(target, encoding="utf-8-sig")) == len(default_bank.items)
    hard = default_bank.items_in(*demo_scale(default_bank, "hard"))[0].id
    assert "Scales (Cronbach's alpha, 95% interval" in result.out
    assert f"Flagged {hard}: " in result.out and "don't know" in result.out


def test_items_on_a_small_file_leaves_what_it_cannot_estimate_empty(run_cli: Run) -> None:
    """The hand-worked file: counts and rates, but too few respondents for correlations."""
    result = run_cli("items", GOLDEN, "--bank", TINY)
    assert result.code == 0, result.err
    table = pd.read_csv(io.StringIO(result.out), keep_default_na=False).set_index("item")
    row = table.loc["purpose.product.3"]
    assert row["item_rest"] == "" and row["alpha_if_dropped"] == ""
    assert float(row["dont_know_rate"]) > 0  # golden row r2 leaves it empty


def test_items_refuses_fewer_responses_than_the_minimum(
    run_cli: Run, demo_file: Path, tmp_path: Path
) -> None:
    few = tmp_path / "few.csv"
    few.write_text("\n".join(demo_file.read_text().splitlines()[:4]) + "\n")  # 3 responses
    result = run_cli("items", str(few))
    assert result.code == 2
    assert f"error: {few}: 3 response(s); item analysis needs at least 5" in result.err
    assert result.out == "" and "Traceback" not in result.err


def test_items_bad_file_names_the_row_and_column(
    run_cli: Run, demo_file: Path, tmp_path: Path, default_bank: Bank
) -> None:
    frame = pd.read_csv(demo_file, dtype=str, keep_default_na=False)
    item = default_bank.item_ids[0]
    frame.loc[1, item] = "9"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    result = run_cli("items", str(bad))
    assert result.code == 2
    assert str(bad) in result.err and item in result.err and "row 3" in result.err
    assert "Traceback" not in result.err


def test_items_missing_file_is_one_line(run_cli: Run, tmp_path: Path) -> None:
    result = run_cli("items", str(tmp_path / "nope.csv"))
    assert result.code == 2 and result.err.count("\n") == 1 and "nope.csv" in result.err
