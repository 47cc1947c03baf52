"""The README's command-line examples run as written, in order, on a fresh database."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _cli_examples() -> list[list[str]]:
    section = README.split("## Command line", 1)[1]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.strip().splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


def test_readme_quick_start_gives_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)
    assert [b.strip() for b in blocks] == [
        "python3 -m pip install -e . && python3 -m streamlit run streamlit_app.py",
        "python3 -m pip install -e '.[test]' && python3 -m pytest",
    ]


def test_readme_cli_examples_run(run_cli, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", f"sqlite:///{tmp_path / 'docs.db'}")
    monkeypatch.setenv("ASSESSMENT_BASE_URL", "http://localhost:8501")
    examples = _cli_examples()
    assert len(examples) >= 10 and all(words[0] == "assessment" for words in examples)
    token = None
    for words in examples:
        args = [str(ROOT / w) if w.startswith(("tests/", "questions/")) else w for w in words[1:]]
        if "TOKEN" in args:
            assert token, "an example uses TOKEN before `round open` printed one"
            args = [token if arg == "TOKEN" else arg for arg in args]
        result = run_cli(*args)
        assert result.code == 0, f"{shlex.join(words)}\n{result.err}"
        if args[:2] == ["round", "open"]:
            token = re.search(r"\?round=(\S+)", result.out).group(1)
    responses = (tmp_path / "responses.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(responses) > 1 and responses[0].startswith(
        "response_id,submitted_at,round,team,role"
    )
    retro = (tmp_path / "retro.csv").read_text(encoding="utf-8-sig").splitlines()
    assert retro[0].startswith("team,dimension,classification,finding,evidence")
    assert len(retro) > 1
