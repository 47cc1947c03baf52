"""House rules of the package's structure: a pure core, thin adapters, thin pages.

The layers, lowest first, are listed in `LAYERS` and described in
docs/architecture.md. A module may import its own layer and the layers below
it, never one above; only the UI imports Streamlit; the store is reached only
from the service layer and above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import assessment

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "assessment"
MODULES = sorted(PACKAGE.rglob("*.py"))

# Lowest first. A top-level module or a subpackage of `assessment` belongs to one layer.
LAYERS: list[set[str]] = [
    {"errors", "policy", "vocabulary", "textfiles"},
    {"bank", "round", "settings", "survey"},
    {"scoring"},
    {"results", "charts", "interchange"},
    {"store"},
    {"service"},
    {"cli", "ui", "__main__"},
]
LAYER_OF = {unit: rank for rank, units in enumerate(LAYERS) for unit in units}


def _unit(path: Path) -> str:
    """The top-level module or subpackage a file of the package belongs to."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> set[str]:
    """Fully qualified module names this file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _units_imported(path: Path) -> set[str]:
    return {
        name.split(".")[1]
        for name in _imports(path)
        if name.startswith("assessment.") and name.split(".")[1] in LAYER_OF
    }


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_every_module_has_a_layer(path: Path) -> None:
    if path.name == "__init__.py" and path.parent == PACKAGE:
        return
    assert _unit(path) in LAYER_OF, f"{_rel(path)}: add its module or package to LAYERS"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    if path.name == "__init__.py" and path.parent == PACKAGE:
        return  # the public API gathers names from the core
    rank = LAYER_OF[_unit(path)]
    above = {unit for unit in _units_imported(path) if LAYER_OF[unit] > rank}
    assert not above, f"{_rel(path)} imports {sorted(above)}, a layer above its own"


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_only_the_ui_imports_streamlit(path: Path) -> None:
    if _unit(path) == "ui":
        return
    streamlit = {name for name in _imports(path) if name.split(".")[0] == "streamlit"}
    assert not streamlit, f"{_rel(path)} imports streamlit; only assessment/ui may"


@pytest.mark.parametrize(
    "path", [p for p in MODULES if _unit(p) in ("scoring", "results", "charts")], ids=_rel
)
def test_scoring_results_and_charts_never_touch_the_store(path: Path) -> None:
    banned = {"store", "service", "sqlalchemy"}
    found = {name.split(".")[1] for name in _imports(path) if name.startswith("assessment.")}
    found |= {name.split(".")[0] for name in _imports(path)}
    assert not banned & found, f"{_rel(path)} imports {sorted(banned & found)}"


@pytest.mark.parametrize("script", ["streamlit_app.py", "assessment/ui/main.py"])
def test_the_entry_scripts_only_run_the_navigation_and_build_the_server(script: str) -> None:
    """Run as a page: `run()`; imported by `streamlit run`: `app = st.App(...)`, nothing else."""
    tree = ast.parse((ROOT / script).read_text(encoding="utf-8"))
    *imports, branch = tree.body[1:]  # after the docstring
    assert all(isinstance(node, ast.Import | ast.ImportFrom) for node in imports)
    assert isinstance(branch, ast.If) and ast.unparse(branch.test) == "__name__ == '__main__'"
    assert [ast.unparse(node) for node in branch.body] == ["run()"]
    assert [ast.unparse(node) for node in branch.orelse] == [
        "app = st.App(__file__, **server.app_options())"
    ]


def test_docstrings_point_inside_the_repository() -> None:
    outside = [
        _rel(path)
        for path in MODULES
        if any(name in path.read_text(encoding="utf-8") for name in ("DESIGN.md", "FIELD_NOTES"))
    ]
    assert not outside, f"these cite files that are not in the repository: {outside}"


def test_public_api_is_importable() -> None:
    for name in assessment.__all__:
        assert getattr(assessment, name) is not None, name
