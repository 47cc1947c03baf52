"""The README's command-line examples run as written, in order, on a fresh database."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from assessment.cli import serve

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


def _quick_start() -> list[str]:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", quick, flags=re.S)]


def test_readme_quick_start_gives_two_commands() -> None:
    """Each works on a fresh Debian or Ubuntu: a venv, since PEP 668 forbids the system Python."""
    assert _quick_start() == [
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && assessment serve",
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]'"
        " && python3 -m pytest",
    ]


def test_ci_checks_the_wheel_then_ends_with_the_readme_test_command() -> None:
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    lines = [line for line in run if line.strip() and not line.lstrip().startswith("#")]
    assert lines[-1] == _quick_start()[1]  # exactly, as the README gives it
    assert "bash .ci/wheel-check" in lines[:-1]


def test_readme_cli_examples_run(run_cli, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(serve, "_run", lambda argv, env: 0)  # `assessment serve`: no exec
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
    # The README's round has small groups: its row-level file is refused with the reason, as the
    # README says below the examples, and nothing is written.
    refused = run_cli("export", "responses", "--round", token, "--output", "responses.csv")
    assert refused.code == 2 and "not offered" in refused.err
    assert not (tmp_path / "responses.csv").exists()
    retro = (tmp_path / "retro.csv").read_text(encoding="utf-8-sig").splitlines()
    assert retro[0].startswith("team,dimension,classification,finding,evidence")
    assert len(retro) > 1
