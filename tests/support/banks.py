"""Bank fixtures: the default bank, its version 1, and a factory writing small banks to files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assessment.bank import DEFAULT_BANK_PATH, Bank, load_bank

DATA = Path(__file__).resolve().parents[1] / "data"
V1_BANK_PATH = DEFAULT_BANK_PATH.parent / "product_vs_project_v1.yaml"
"""Version 1 of the default bank (43 items): the forms exports in tests/data were made with it."""


@pytest.fixture(scope="session")
def default_bank() -> Bank:
    return load_bank()


@pytest.fixture(scope="session")
def v1_bank() -> Bank:
    """Version 1 of the default bank, for tests of files and answers made with it."""
    return load_bank(V1_BANK_PATH)


@pytest.fixture(scope="session")
def tiny_bank() -> Bank:
    """Two dimensions, 3 items a scale, reverse items: the bank of the hand-worked golden files."""
    return load_bank(DATA / "tiny_bank.yaml")


@pytest.fixture
def make_bank(tmp_path: Path) -> Callable[[str], Path]:
    """Write YAML text to a bank file and return its path (for bad-bank cases)."""

    def write(text: str, name: str = "bank.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
