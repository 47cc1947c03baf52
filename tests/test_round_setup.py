"""What the rounds page offers, without Streamlit: bank files, teams, group size, QR codes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assessment.bank import DEFAULT_BANK_PATH, Bank
from assessment.policy import default_min_group_size
from assessment.service.setup import discover_banks, parse_teams, qr_png

DATA = Path(__file__).resolve().parent / "data"


def test_discover_banks_default_folder_offers_the_default_bank_first() -> None:
    found = discover_banks()
    assert found[0].path.resolve() == DEFAULT_BANK_PATH.resolve()
    assert found[0].bank is not None and not found[0].problems
    assert "v1" in found[0].label and DEFAULT_BANK_PATH.name in found[0].label


def test_discover_banks_lists_broken_files_with_their_problems(
    make_bank: Callable[..., Path],
) -> None:
    good = make_bank((DATA / "tiny_bank.yaml").read_text(encoding="utf-8"), "b_good.yaml")
    make_bank("id: x\nversion: one\n", "a_broken.yaml")
    make_bank("not: [valid", "c_bad.yml")
    (good.parent / "notes.txt").write_text("not a bank", encoding="utf-8")
    found = discover_banks(good.parent)
    assert [f.path.name for f in found] == ["a_broken.yaml", "b_good.yaml", "c_bad.yml"]
    broken, ok, bad_yaml = found
    assert ok.bank is not None and ok.problems == []
    assert broken.bank is None and broken.problems
    assert all("a_broken.yaml" in problem for problem in broken.problems)
    assert bad_yaml.bank is None and any("not valid YAML" in p for p in bad_yaml.problems)
    assert broken.label == "a_broken.yaml"


def test_discover_banks_empty_folder(tmp_path: Path) -> None:
    assert discover_banks(tmp_path) == []


def test_discover_banks_default_bank_first_among_others(tmp_path: Path) -> None:
    shutil.copy(DATA / "tiny_bank.yaml", tmp_path / "aaa.yaml")
    shutil.copy(DEFAULT_BANK_PATH, tmp_path / DEFAULT_BANK_PATH.name)
    names = [f.path.name for f in discover_banks(tmp_path)]
    assert names == ["aaa.yaml", DEFAULT_BANK_PATH.name]  # a copy elsewhere is not "the" default


@pytest.mark.parametrize(
    ("text", "teams"),
    [
        ("Platform\nPayments", ["Platform", "Payments"]),
        ("  Platform  \r\n\n\tPayments\n", ["Platform", "Payments"]),
        ("Sales, EMEA\nSales, APAC", ["Sales, EMEA", "Sales, APAC"]),
        ("Platform\nplatform", ["Platform", "platform"]),  # the store reports the duplicate
        ("", []),
        (" \n \n", []),
    ],
)
def test_parse_teams(text: str, teams: list[str]) -> None:
    assert parse_teams(text) == teams


@pytest.mark.parametrize(
    ("bank_size", "configured", "expected"),
    [(5, 5, 5), (5, 8, 8), (7, 5, 7), (3, None, 3), (5, None, 5)],
)
def test_default_min_group_size_takes_the_stricter(
    default_bank: Bank, bank_size: int, configured: int | None, expected: int
) -> None:
    bank = default_bank.model_copy(update={"min_group_size": bank_size})
    assert default_min_group_size(bank.min_group_size, configured) == expected


def test_qr_png_is_a_png_and_differs_per_link() -> None:
    first = qr_png("http://localhost:8501/?round=abc")
    second = qr_png("http://localhost:8501/?round=abd")
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert first != second
