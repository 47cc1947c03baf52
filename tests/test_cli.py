"""The foundation commands: validate, score, findings — exit codes and exact output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.banks import DATA

TINY = str(DATA / "tiny_bank.yaml")
GOLDEN = str(DATA / "golden_responses.csv")


def test_validate_default_bank(run_cli) -> None:
    result = run_cli("validate")
    assert result.code == 0, result.err
    assert "valid — Product vs project management" in result.out
    assert "in 12 scales" in result.out


def test_validate_broken_bank_lists_each_problem(run_cli, make_bank) -> None:
    text = (
        (DATA / "tiny_bank.yaml")
        .read_text()
        .replace("dimension: scope, lens: product", "dimension: scop, lens: product")
    )
    path = make_bank(text)
    result = run_cli("validate", str(path))
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert (
        f"error: {path}: item 'scope.product.1': unknown dimension 'scop' (known: purpose, scope)"
        in lines
    )
    assert any("dimension 'scope', lens 'product': 0 item(s)" in line for line in lines)
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("args", "golden"),
    [((), "golden_scores_all.csv"), (("--by", "team"), "golden_scores_by_team.csv")],
)
def test_score_matches_hand_worked_file(run_cli, args, golden) -> None:
    result = run_cli("score", GOLDEN, "--bank", TINY, *args)
    assert result.code == 0, result.err
    assert result.out.replace("\r\n", "\n") == (DATA / golden).read_text()


def test_score_writes_output_file(run_cli, tmp_path) -> None:
    target = tmp_path / "scores.csv"
    result = run_cli("score", GOLDEN, "--bank", TINY, "--by", "team", "--output", str(target))
    assert result.code == 0 and result.out == ""
    text = target.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    assert text == (DATA / "golden_scores_by_team.csv").read_text()


def test_score_min_group_size_option_hides_more(run_cli) -> None:
    result = run_cli("score", GOLDEN, "--bank", TINY, "--by", "team", "--min-group-size", "5")
    assert result.code == 0
    header, *lines = result.out.strip().splitlines()
    at = {name: i for i, name in enumerate(header.split(","))}
    rows = [line.split(",") for line in lines]
    assert all(row[at["score"]] == row[at["ci_low"]] == "" for row in rows)
    assert all(row[at["suppressed"]] == "true" for row in rows)


def test_score_rejects_min_group_size_under_three(run_cli) -> None:
    result = run_cli("score", GOLDEN, "--bank", TINY, "--min-group-size", "2")
    assert result.code == 2
    assert "at least 3" in result.err


def test_score_excel_file_matches_plain_file(run_cli, tmp_path) -> None:
    excel = tmp_path / "excel.csv"
    text = (DATA / "golden_responses.csv").read_text().replace(",", ";").replace("\n", "\r\n")
    excel.write_bytes(b"\xef\xbb\xbf" + text.encode())
    plain = run_cli("score", GOLDEN, "--bank", TINY, "--by", "team")
    from_excel = run_cli("score", str(excel), "--bank", TINY, "--by", "team")
    assert from_excel.code == 0, from_excel.err
    assert from_excel.out == plain.out


def _golden_with(tmp_path: Path, edit) -> str:
    lines = (DATA / "golden_responses.csv").read_text().splitlines()
    lines = edit(lines)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _replace(line: int, old: str, new: str):
    """An edit of the golden file: replace text on one line (0 = the header)."""

    def edit(lines: list[str]) -> list[str]:
        return [text.replace(old, new) if i == line else text for i, text in enumerate(lines)]

    return edit


BAD_FILES = [
    pytest.param(_replace(0, "purpose.product.1", "purpose.product.9"),
                 "column 'purpose.product.9'", id="unknown-item-column"),
    pytest.param(_replace(0, "purpose.product.2", "purpose.product.1"),
                 "purpose.product.1", id="duplicate-column"),
    pytest.param(_replace(1, "r1,A,product,5", "r1,A,product,6"),
                 "row 2, column 'purpose.product.1'", id="out-of-range"),
    pytest.param(_replace(2, "r2,A,engineering,4", "r2,A,engineering,four"),
                 "row 3, column 'purpose.product.1'", id="non-numeric"),
    pytest.param(_replace(3, "r3,A,engineering,3", "r3,A,engineering,2.5"),
                 "row 4, column 'purpose.product.1'", id="half-point"),
    pytest.param(lambda lines: lines[:1], "no responses", id="header-only"),
    pytest.param(lambda lines: [], "empty", id="empty-file"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "message"), BAD_FILES)
def test_score_bad_csv_exits_2_naming_row_and_column(run_cli, tmp_path, edit, message) -> None:
    result = run_cli("score", _golden_with(tmp_path, edit), "--bank", TINY)
    assert result.code == 2
    assert message in result.err
    assert result.out == ""
    assert "Traceback" not in result.err


def test_score_missing_file(run_cli, tmp_path) -> None:
    result = run_cli("score", str(tmp_path / "nope.csv"), "--bank", TINY)
    assert result.code == 2
    assert "nope.csv" in result.err


def test_score_unknown_by_column(run_cli) -> None:
    result = run_cli("score", GOLDEN, "--bank", TINY, "--by", "department")
    assert result.code == 2
    assert "--by column 'department' is not in the file" in result.err


def test_findings_prints_verdicts_evidence_and_prompts(run_cli) -> None:
    result = run_cli("findings", GOLDEN, "--bank", TINY, "--by", "team")
    assert result.code == 0, result.err
    assert "Scope is plan-light in A" in result.out
    assert "Evidence: Product 75.0 (95% interval 75–75), project 25.0 (25–25)" in result.out
    assert "Purpose is borderline distinct in A: the 95% intervals also allow" in result.out
    assert "Firm: plan-light 1. Borderline" in result.out
    assert "- Who owns the product after the project ends?" in result.out
    assert " in C" not in result.out  # team C is under the minimum group size


def test_python_dash_m_and_console_script_agree() -> None:
    module = subprocess.run(
        [sys.executable, "-m", "assessment", "validate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert module.returncode == 0, module.stderr
    assert "valid" in module.stdout


def test_write_output_replaces_a_file_whole(tmp_path) -> None:
    from assessment.cli.output import write_output

    target = tmp_path / "scores.csv"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_output(target, "é,1\r\n")
    assert target.read_bytes() == "\ufeffé,1\r\n".encode()  # text: UTF-8 with a BOM, for Excel
    assert target.stat().st_mode & 0o777 == 0o640  # the old file's permissions are kept
    write_output(target, b"raw")
    assert target.read_bytes() == b"raw"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]


def test_write_output_that_fails_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    import errno
    import os

    from assessment.cli.output import write_output
    from assessment.errors import AssessmentError

    target = tmp_path / "scores.csv"
    target.write_bytes(b"old")

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(AssessmentError) as caught:
        write_output(target, b"new")
    assert caught.value.problems == [
        f"{target}: no space left on the device; free some space and try again"
    ]
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]  # no temporary left


def test_write_output_to_a_device_writes_straight_through(tmp_path) -> None:
    from assessment.cli.output import write_output

    write_output("/dev/null", b"anything")  # not replaced by a regular file
    assert Path("/dev/null").is_char_device()


def test_printable_escapes_control_characters_only() -> None:
    from assessment.cli.output import printable

    assert printable("Équipe\t=x") == "Équipe\t=x"
    assert printable("\x1b[31mred\x00\x85\u202e!") == "\\x1b[31mred\\x00\\x85\\u202e!"
    assert printable("two\nlines") == "two\\x0alines"
    assert printable("two\nlines", lines=True) == "two\nlines"


def test_score_headers_with_escapes_are_shown_escaped(run_cli, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    text = (DATA / "golden_responses.csv").read_text().replace("purpose.product.1", "\x1b[2Jp", 1)
    path.write_text(text)
    result = run_cli("score", str(path), "--bank", TINY)
    assert result.code == 2
    assert "column '\\x1b[2Jp' is not an item" in result.err and "\x1b" not in result.err
