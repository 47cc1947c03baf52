"""House rules that keep the core pure and the modules small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import assessment

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "assessment"
CORE_MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "pages" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_does_not_import_streamlit(path: Path) -> None:
    assert "streamlit" not in _imports(path)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_module_stays_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


def test_public_api_is_importable() -> None:
    for name in assessment.__all__:
        assert getattr(assessment, name) is not None, name
