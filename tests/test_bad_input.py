"""The bad-input corpus: malformed banks, CSV and forms files, and bad command lines.

Every case says what must happen, and each test checks all of it at once:

* the error is the right kind (`BankError`, `InputError`) or, on the command
  line, exit code 2 with one line per problem;
* the message names the file and the line, the spreadsheet row (the header is
  row 1) and column, or the item;
* no traceback, no raw control character and no password on the terminal;
* nothing was written: the database holds what it held before, and a failed
  ``--output`` leaves no file behind.

A new kind of bad input gets a row in one of the tables: `BANKS`, `FILES`,
`COMMANDS`.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from assessment import store
from assessment.bank import load_bank
from assessment.errors import BankError, InputError
from assessment.interchange import read_responses
from assessment.interchange.forms import prepare_import
from assessment.service.setup import discover_banks
from assessment.store.schema import init_db, make_engine, rounds
from tests.support.banks import DATA, V1_BANK_PATH
from tests.support.cli import Result
from tests.support.db import make_sqlite_engine

Run = Callable[..., Result]
TINY_TEXT = (DATA / "tiny_bank.yaml").read_text(encoding="utf-8")
TINY = load_bank(DATA / "tiny_bank.yaml")
DEFAULT = load_bank(V1_BANK_PATH)  # the forms files below were exported with version 1
DEEP = "id: " + "[" * 1000 + "]" * 1000 + "\n"  # the old loader's recursion gave up at ~330
ITEMS = TINY.item_ids
GOOGLE = (DATA / "forms_google_default_bank.csv").read_text(encoding="utf-8-sig")
MICROSOFT = (DATA / "forms_microsoft_default_bank.csv").read_text(encoding="utf-8-sig")
WIDE_DEFAULT = DATA / "forms_default_bank_wide.csv"
TEAMS = ["Checkout", "Search"]
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean_terminal(result: Result) -> None:
    """What every failing command must look like: exit 2, no traceback, nothing raw."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err and "Traceback" not in result.out
    assert not RAW_CONTROL.search(result.err + result.out), repr(result.err)
    assert "[SQL:" not in result.err


# -- banks -------------------------------------------------------------------------------------


def _yaml(change: Callable[[dict], object]) -> Callable[[], str]:
    def make() -> str:
        data = yaml.safe_load(TINY_TEXT)
        change(data)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    return make


def _swap(old: str, new: str) -> Callable[[], str]:
    assert old in TINY_TEXT, old
    return lambda: TINY_TEXT.replace(old, new, 1)


def _alias_bomb() -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for parent, child in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{child}: &{child} [{', '.join([f'*{parent}'] * 10)}]")
    return "\n".join(lines) + "\n"


def _set_item(index: int, field: str, value: object) -> Callable[[dict], None]:
    return lambda data: data["items"][index].__setitem__(field, value)


BANKS: list[tuple[str, Callable[[], str | bytes], str]] = [
    # YAML that no bank may be
    ("deep flow nesting", lambda: DEEP,
     "line 1: nested too deeply"),
    ("deep block nesting", lambda: "id:\n" + "".join("  " * i + "-\n" for i in range(1, 40)),
     "line 21: nested too deeply"),
    ("duplicate top-level key", _swap("min_group_size: 3", "min_group_size: 10\nmin_group_size: 3"),
     "line 11: duplicate key 'min_group_size' (first on line 10)"),
    ("duplicate key in an item", _swap("{id: purpose.product.2, dimension: purpose,",
                                       "{id: purpose.product.2, dimension: purpose, dimension: x,"),
     "line 24: duplicate key 'dimension'"),
    ("duplicate key in the scale", _swap("  points: 5\n", "  points: 5\n  points: 7\n"),
     "line 8: duplicate key 'points' (first on line 7)"),
    ("alias bomb", _alias_bomb, "aliases expand to more than 50,000 values"),
    ("recursive alias", lambda: TINY_TEXT + "extra: &loop [1, *loop]\n",
     "alias '*loop' refers to the list or mapping it is part of"),
    ("undefined alias", _swap("title: Tiny test bank", "title: *nothing"),
     "not valid YAML at line 5, column 8: found undefined alias 'nothing'"),
    ("huge file", lambda: "id: x\ndescription: " + "x" * 300_000 + "\n", "larger than 256 KiB"),
    ("raw NUL", _swap("title: Tiny test bank", "title: Tiny\x00"),
     "line 5: holds a control character (\\x00)"),
    ("raw escape", _swap("title: Tiny test bank", "title: Tiny\x1b[2J"),
     "line 5: holds a control character (\\x1b)"),
    ("escaped control in a title", _swap("title: Tiny test bank", 'title: "Tiny \\e[2J"'),
     "field 'title': holds a control character (\\x1b)"),
    ("escaped NUL in a statement", _swap("text: P1}", 'text: "P1\\0"}'),
     "item 'purpose.product.1', field 'text': holds a control character (\\x00)"),
    ("C1 control in a label", _swap("Strongly agree]", '"Strongly agree\\x85"]'),
     "field 'scale.labels.4': holds a control character (\\x85)"),
    ("latin-1 file", lambda: TINY_TEXT.replace("Tiny test bank", "Tïny").encode("latin-1"),
     "not UTF-8 text (byte"),
    ("tab indentation", _swap("  points: 5", "\tpoints: 5"),
     "not valid YAML at line 7, column 1: found character '\\t' that cannot start any token"
     " (indent with spaces, not tabs)"),
    ("unclosed bracket", lambda: "id: [unclosed\n", "not valid YAML at line 2"),
    ("two documents", lambda: TINY_TEXT + "---\nid: other\n",
     "expected a single document in the stream, but found another document"),
    ("python tag", _swap("title: Tiny test bank", "title: !!python/object/apply:os.system [ls]"),
     "could not determine a constructor for the tag"),
    ("a list, not a mapping", lambda: "- just\n- a list\n", "a bank must be a YAML mapping"),
    ("empty file", lambda: "", "a bank must be a YAML mapping"),
    ("a scalar", lambda: "just some text\n", "a bank must be a YAML mapping"),
    # valid YAML, not a valid bank
    ("unknown dimension", _yaml(_set_item(0, "dimension", "purpse")),
     "item 'purpose.product.1': unknown dimension 'purpse'"),
    ("duplicate item id", _yaml(_set_item(1, "id", "purpose.product.1")),
     "item 'purpose.product.1': duplicate id"),
    ("missing lens", _yaml(lambda d: d["items"][3].pop("lens")),
     "item 'purpose.project.1', field 'lens': is missing"),
    ("unknown lens", _yaml(_set_item(3, "lens", "programme")),
     "item 'purpose.project.1', field 'lens': input should be"),
    ("reverse is not a boolean", _yaml(_set_item(0, "reverse", "maybe")),
     "item 'purpose.product.1', field 'reverse': input should be a valid boolean"),
    ("item id too long", _yaml(_set_item(0, "id", "p" * 201)),
     "field 'id': string should have at most 200 characters"),
    ("item not a mapping", _yaml(lambda d: d["items"].__setitem__(0, 5)),
     "item #1: input should be a valid dictionary"),
    ("items not a list", _yaml(lambda d: d.__setitem__("items", 5)),
     "field 'items': input should be a valid list"),
    ("scale too small", _yaml(lambda d: d["items"].pop(0)),
     "dimension 'purpose', lens 'product': 2 item(s); each scale needs at least 3"),
    ("labels do not match points", _yaml(lambda d: d["scale"].__setitem__("labels", ["A", "B"])),
     "scale: 2 labels for 5 points"),
    ("repeated label", _swap("[Strongly disagree, Disagree,", "[Agree, Disagree,"),
     "scale: label 'Agree' repeats 'Agree'"),
    ("too many points", _yaml(lambda d: d["scale"].__setitem__("points", 20)),
     "field 'scale.points': input should be less than or equal to 11"),
    ("repeated statement", _swap("text: P2}", "text: p1.}"),
     "item 'purpose.product.2': the same statement as item 'purpose.product.1'"),
    ("no reverse item", _yaml(_set_item(8, "reverse", False)),
     "dimension 'purpose': no reverse-keyed item"),
    ("one retro prompt", _yaml(lambda d: d["dimensions"][0].__setitem__("retro_prompts", ["?"])),
     "dimension 'purpose', field 'retro_prompts': list should have at least 2 items"),
    ("group size under 3", _yaml(lambda d: d.__setitem__("min_group_size", 2)),
     "field 'min_group_size': input should be greater than or equal to 3"),
    ("group size not a number", _yaml(lambda d: d.__setitem__("min_group_size", "ten")),
     "field 'min_group_size': input should be a valid integer"),
    ("no roles", _yaml(lambda d: d.__setitem__("roles", [])),
     "field 'roles': a bank needs at least one role"),
    ("duplicate role", _yaml(lambda d: d.__setitem__(
        "roles", [{"id": "eng", "name": "Engineering"}, {"id": "eng", "name": "Again"}])),
     "role 'eng': duplicate id"),
    ("unknown field", _yaml(_set_item(2, "colour", "red")),
     "item 'purpose.product.3', field 'colour': is not a known field"),
    ("missing version", _yaml(lambda d: d.pop("version")), "field 'version': is missing"),
    ("version zero", _yaml(lambda d: d.__setitem__("version", 0)),
     "field 'version': input should be greater than or equal to 1"),
    ("no dimensions", _yaml(lambda d: d.__setitem__("dimensions", [])),
     "field 'dimensions': list should have at least 1 item"),
    ("finding gap of zero", _yaml(lambda d: d.__setitem__("findings", {"gap": 0})),
     "field 'findings.gap': input should be greater than 0"),
    ("bad dimension id", _yaml(lambda d: d["dimensions"][0].__setitem__("id", "Purpose!")),
     "dimension 'Purpose!', field 'id': string should match pattern"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "message"), [c[1:] for c in BANKS], ids=[c[0] for c in BANKS])
def test_malformed_bank_is_a_bank_error_naming_file_and_place(
    tmp_path: Path, make: Callable[[], str | bytes], message: str
) -> None:
    path = tmp_path / "bank.yaml"
    content = make()
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(BankError) as caught:
        load_bank(path)
    problems = caught.value.problems
    assert any(message in problem for problem in problems), problems
    assert all(problem.startswith(str(path)) for problem in problems), problems
    assert all("\n" not in problem for problem in problems), problems


def test_the_bank_corpus_is_large_enough() -> None:
    assert len(BANKS) >= 30


@pytest.mark.parametrize("case", ["deep flow nesting", "alias bomb", "duplicate top-level key"])
def test_validate_of_a_malformed_bank_exits_2_with_one_line(
    run_cli: Run, tmp_path: Path, case: str
) -> None:
    make, message = next((make, message) for name, make, message in BANKS if name == case)
    path = tmp_path / "bank.yaml"
    path.write_text(str(make()), encoding="utf-8")
    result = run_cli("validate", str(path))
    _clean_terminal(result)
    [line] = result.err.splitlines()
    assert line.startswith(f"error: {path}") and message in line


def test_one_broken_bank_leaves_the_others_on_offer(tmp_path: Path) -> None:
    """The Rounds page lists the folder: a bank that is nested too deeply is listed as broken."""
    (tmp_path / "good.yaml").write_text(TINY_TEXT, encoding="utf-8")
    (tmp_path / "deep.yaml").write_text(DEEP, encoding="utf-8")
    found = {bank.path.name: bank for bank in discover_banks(tmp_path)}
    assert found["good.yaml"].bank is not None
    assert found["deep.yaml"].bank is None
    assert "nested too deeply" in found["deep.yaml"].problems[0]


def test_merge_keys_are_not_duplicate_keys(tmp_path: Path) -> None:
    """`<<: *base` then an override of its keys is what YAML merge keys are for."""
    text = TINY_TEXT.replace("  - id: purpose\n", "  - &purpose\n    id: purpose\n", 1)
    text = text.replace("  - id: scope\n    name: Scope\n", "  - <<: *purpose\n    id: scope\n"
                        "    name: Scope\n", 1)  # fmt: skip
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    bank = load_bank(path)
    assert bank.dimension_ids == ["purpose", "scope"]
    assert (
        bank.dimension("scope").retro_prompts[0] == "Who owns the product after the project ends?"
    )


# -- CSV and forms files -----------------------------------------------------------------------


def wide(*rows: dict[str, str], columns: tuple[str, ...] = ("team", "role"), sep: str = ",",
         end: str = "\n") -> str:  # fmt: skip
    """A wide responses file for the tiny bank: each row's cells default to a valid response."""
    header = [*columns, *ITEMS]
    lines = [sep.join(header)]
    for cells in rows:
        values = {"team": "Checkout", "role": "engineering", **dict.fromkeys(ITEMS, "3"), **cells}
        lines.append(sep.join(values.get(column, "") for column in header))
    return end.join(lines) + end


def _google(old: str, new: str, count: int = 1) -> Callable[[], str]:
    assert old in GOOGLE, old
    return lambda: GOOGLE.replace(old, new, count)


def _late_nul() -> str:
    rows = [{}] * 3000 + [{"team": "Check\x00out"}]
    return wide(*rows)


def _mixed_delimiters() -> str:
    good = wide({}, {})
    return good + ";".join(["Search", "design", *["4"] * len(ITEMS)]) + "\n"


P1 = "column 'purpose.product.1'"
FIRST = "Purpose: how far do you agree? [Before we start building something, we can say which"
FILES: list[tuple[str, str, Callable[[], str | bytes], str]] = [
    # not a CSV text file at all
    ("empty", "tiny", lambda: b"", ": no responses (the file is empty)"),
    ("blank lines", "tiny", lambda: b"\r\n\n\r\n", ": no responses (the file is empty)"),
    ("header only", "tiny", lambda: wide(), ": no responses (only a header row)"),
    ("xlsx workbook", "tiny", lambda: b"PK\x03\x04\x14\x00\x06\x00" + bytes(64),
     ": this is a spreadsheet workbook, not CSV; save it from the spreadsheet as 'CSV UTF-8'"),
    ("xls workbook", "tiny", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64),
     ": this is an Excel 97-2003 workbook (.xls)"),
    ("binary junk", "tiny", lambda: random.Random(5).randbytes(4096) + b"\x00",
     ": not a CSV text file (it holds binary data)"),
    ("png image", "tiny", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40),
     ": not a CSV text file (it holds binary data)"),
    ("latin-1 text", "tiny", lambda: wide({"team": "Équipe"}).encode("latin-1"),
     ": not UTF-8 text (byte"),
    ("broken UTF-16", "tiny", lambda: b"\xff\xfe" + "team,role\n".encode("utf-16-le") + b"\x00\xd8",
     ": not UTF-16 text"),
    ("over 10 MB", "tiny", lambda: b"team,role\n" + b"x" * (11 * 1024 * 1024),
     ": the file is 11.5 MB; imports are limited to 10 MB"),
    # structure
    ("NUL in row 3002", "tiny", _late_nul, ", row 3002, column 'team': holds a NUL character"),
    ("NUL in the header", "tiny", lambda: wide({}).replace("role", "ro\x00le", 1),
     ", row 1, column B: the header holds a NUL character"),
    ("NUL in a dropped column", "default", _google("person0@example.com", "person\x00@example.com"),
     ", row 2, column 'Email Address': holds a NUL character"),
    ("mixed delimiters", "tiny", _mixed_delimiters,
     ", row 4, column A: the whole row is in one cell, separated by ';' while the header row"
     " uses ','"),
    ("mixed delimiters, semicolon header", "tiny",
     lambda: wide({}, sep=";") + ",".join(["Search", "design", *["4"] * len(ITEMS)]) + "\n",
     ", row 3, column A: the whole row is in one cell, separated by ',' while the header row"
     " uses ';'"),
    ("value beyond the last column", "tiny", lambda: wide({}).rstrip("\n") + ",stray\n",
     ", row 2: a value in column U, beyond the last named column (T)"),
    ("unknown column", "tiny", lambda: wide({"colour": "red"}, columns=("team", "role", "colour")),
     ": column 'colour' is not an item of bank 'tiny'"),
    ("duplicated column", "tiny", lambda: wide({}, columns=("team", "role", "team")),
     ": column 'team' appears 2 times (columns A, C)"),
    ("no team column", "tiny", lambda: wide({}, columns=("role",)), ": missing column(s): 'team'"),
    ("a missing item", "tiny", lambda: wide({}).replace(",purpose.product.1", ",", 1),
     ": column C has values but no name"),
    # cells every response needs
    ("empty team", "tiny", lambda: wide({}, {"team": ""}),
     ", row 3, column 'team': empty; every response needs a team"),
    ("empty role, header as typed", "tiny", lambda: wide({"role": " "}, columns=("team", "Role")),
     ", row 2, column 'Role': empty; every response needs a role"),
    ("team of 250 characters", "tiny", lambda: wide({}, {"team": "T" * 250}),
     ", row 3, column 'team': longer than 200 characters (250)"),
    ("unknown role", "tiny", lambda: wide({"role": "Engineer"}),
     ", row 2, column 'role': 'Engineer' is not a role of this survey"),
    ("role of 250 characters", "tiny", lambda: wide({"role": "r" * 250}),
     ", row 2, column 'role': longer than 200 characters"),
    ("comment of 2001 characters", "tiny",
     lambda: wide({"comment": "c" * 2001}, columns=("team", "role", "comment")),
     ", row 2, column 'comment': longer than 2000 characters"),
    ("escape in a team", "tiny", lambda: wide({"team": "\x1b[31mRed"}),
     ", row 2, column 'team': holds a control character (\\x1b)"),
    ("bell in a role", "tiny", lambda: wide({"role": "engineering\x07"}),
     ", row 2, column 'role': holds a control character (\\x07)"),
    ("C1 control in a team", "tiny", lambda: wide({}, {}, {"team": "Sea\x85rch"}),
     ", row 4, column 'team': holds a control character (\\x85)"),
    ("escape in a comment", "tiny",
     lambda: wide({"comment": '"fine\nline\x1b[2J"'}, columns=("team", "role", "comment")),
     ", row 2, column 'comment': holds a control character (\\x1b)"),
    # answers
    ("answer 6", "tiny", lambda: wide({ITEMS[0]: "6"}), f", row 2, {P1}: '6' is not on the 1-5"),
    ("answer 0", "tiny", lambda: wide({}, {ITEMS[0]: "0"}), f", row 3, {P1}: '0' is not on the"),
    ("answer -1", "tiny", lambda: wide({ITEMS[0]: "-1"}), f", row 2, {P1}: '-1' is not on the"),
    ("answer 2.5", "tiny", lambda: wide({ITEMS[0]: "2.5"}),
     f", row 2, {P1}: '2.5' is not a whole number on the 1-5 scale"),
    ("answer as a word", "tiny", lambda: wide({ITEMS[0]: "often"}),
     f", row 2, {P1}: 'often' is not a number"),
    ("answer inf", "tiny", lambda: wide({ITEMS[0]: "inf"}), f", row 2, {P1}: 'inf' is not on the"),
    # ids and dates
    ("response id of 65 characters", "tiny",
     lambda: wide({"response_id": "r" * 65}, columns=("response_id", "team", "role")),
     ", row 2, column 'response_id': longer than 64 characters"),
    ("repeated response id", "tiny",
     lambda: wide({"response_id": "r1"}, {"response_id": "r2"}, {"response_id": "r1"},
                  columns=("response_id", "team", "role")),
     ", row 4, column 'response_id': 'r1' repeats the id of row 2"),
    ("control in a response id", "tiny",
     lambda: wide({"response_id": "r\x1b1"}, columns=("response_id", "team", "role")),
     ", row 2, column 'response_id': holds a control character (\\x1b)"),
    ("date that is not a date", "tiny",
     lambda: wide({"submitted_at": "yesterday"}, columns=("submitted_at", "team", "role")),
     ", row 2, column 'submitted_at': 'yesterday' is not a date and time"),
    # rows are counted as a spreadsheet counts them, whatever the file's form
    ("quoted line break, then a bad row", "tiny",
     lambda: wide({"comment": '"two\nlines"'}, {}, {ITEMS[0]: "9"},
                  columns=("team", "role", "comment")),
     f", row 4, {P1}: '9' is not on the 1-5 scale"),
    ("CR-only line ends, bad row", "tiny", lambda: wide({}, {ITEMS[0]: "9"}, end="\r"),
     f", row 3, {P1}: '9' is not on the 1-5 scale"),
    ("UTF-16 with BOM, bad row", "tiny",
     lambda: wide({}, {ITEMS[0]: "9"}, sep="\t", end="\r\n").encode("utf-16"),
     f", row 3, {P1}: '9' is not on the 1-5 scale"),
    ("UTF-16 without BOM, bad row", "tiny",
     lambda: wide({ITEMS[0]: "9"}, sep="\t").encode("utf-16-le"),
     f", row 2, {P1}: '9' is not on the 1-5 scale"),
    # forms exports
    ("forms: label off the scale", "default", _google(",Agree,", ",Agreed,"),
     ", row 2, column 'Purpose: how far do you agree? [We know which business goal"),
    ("forms: unknown statement", "default", _google(FIRST, "We like cake.", 1),
     ": column 'We like cake. customer problem it is meant to solve.]' holds answers, but its"
     " statement is not in bank 'product-vs-project'"),
    ("forms: no team question", "default", _google(",Team,", ",Squad,"),
     ": no team column; add a question titled 'Team'"),
    ("forms: two team questions", "default", _google("Your role", "Team"),
     ": columns 'Team', 'Team' all map to 'team'; keep one"),
    ("forms: empty team", "default", _google(",Payments,Engineering,", ",,Engineering,"),
     ", row 2, column 'Team': empty; every response needs a team"),
    ("forms: team of 250 characters", "default",
     _google(",Payments,Engineering,", f",{'P' * 250},Engineering,"),
     ", row 2, column 'Team': longer than 200 characters (250)"),
    ("forms: unknown role", "default", _google(",Engineering,", ",Engineer,"),
     ", row 2, column 'Your role': 'Engineer' is not a role of this survey"),
    ("forms: escape in a team", "default", _google(",Payments,", ",Pay\x1bments,"),
     ", row 2, column 'Team': holds a control character (\\x1b)"),
    ("microsoft: unknown role", "default",
     lambda: MICROSOFT.replace(",Engineering,", ",Engineer,", 1),
     ", row 2, column 'What is your role?': 'Engineer' is not a role of this survey"),
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """One database for the whole corpus: a round per bank, already holding responses."""
    folder = tmp_path_factory.mktemp("corpus")
    url = f"sqlite:///{folder / 'corpus.db'}"
    engine = make_engine(url)
    init_db(engine)
    default = DEFAULT
    tiny = store.open_round(engine, "Tiny", TEAMS, TINY, 3)
    store.import_responses(engine, tiny.token, read_responses(wide({}, {}, {}).encode(), TINY))
    rnd = store.open_round(engine, "Default", ["Payments", "Mobile", "Platform"], default)
    store.import_responses(engine, rnd.token, read_responses(WIDE_DEFAULT, default))
    engine.dispose()
    yield url, {"tiny": tiny.token, "default": rnd.token}


def _snapshot(url: str) -> tuple[int, ...]:
    """Everything a command could change: rounds, responses, answers, comments, drafts."""
    with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
        return tuple(
            conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("rounds", "responses", "answers", "comments", "drafts")
        )


@pytest.fixture
def corpus(
    corpus_db: tuple[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[str, dict[str, str]]:
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml from the working directory
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", corpus_db[0])
    return corpus_db


@pytest.mark.parametrize(
    ("bank", "make", "message"), [c[1:] for c in FILES], ids=[c[0] for c in FILES]
)
def test_bad_file_is_refused_naming_file_row_and_column_and_stores_nothing(
    run_cli: Run,
    corpus: tuple[str, dict[str, str]],
    tmp_path: Path,
    bank: str,
    make: Callable[[], str | bytes],
    message: str,
) -> None:
    url, tokens = corpus
    content = make()
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    # The preview: one InputError or a plan with problems, every line naming the file.
    round_bank = TINY if bank == "tiny" else DEFAULT
    try:
        plan = prepare_import(data, round_bank, "upload.csv", teams=TEAMS)
        plan.require_validated()
    except InputError as exc:
        problems = exc.problems
    else:
        pytest.fail("the file was accepted")
    assert any(f"upload.csv{message}" in problem for problem in problems), problems
    assert all(p.startswith("upload.csv") or p.startswith("... and") for p in problems), problems
    # The command line: the same message for the path it was given, nothing stored.
    before = _snapshot(url)
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    result = run_cli("import", str(path), "--round", tokens[bank])
    _clean_terminal(result)
    assert f"error: {path}{message}" in result.err
    assert "Imported" not in result.out
    assert _snapshot(url) == before


def test_the_file_corpus_is_large_enough() -> None:
    assert len(FILES) >= 40


def test_a_team_name_the_store_would_refuse_is_refused_by_the_preview_with_its_row() -> None:
    """The preview and the write apply one validation: no import is offered that then fails."""
    plan = prepare_import(wide({}, {"team": "T" * 250}).encode(), TINY, "upload.csv")
    assert not plan.ok and plan.validated is None
    assert plan.problems == [
        "upload.csv, row 3, column 'team': longer than 200 characters (250); shorten it"
    ]


# -- the command line --------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A database with one answered round, configured by environment; returns (url, token)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", url)
    engine = make_sqlite_engine(tmp_path / "cli.db")  # a copy of a migrated one: no migrating
    rnd = store.open_round(engine, "Q1", TEAMS, TINY, 3)
    store.import_responses(engine, rnd.token, read_responses(wide({}, {}, {}).encode(), TINY))
    engine.dispose()
    (tmp_path / "responses.csv").write_text(wide({}, {}, {"team": "Search"}), encoding="utf-8")
    (tmp_path / "deep.yaml").write_text(DEEP, encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "not-a-db.db").write_text("hello " * 200, encoding="utf-8")
    return url, rnd.token


def _locked(*_: object, **__: object) -> object:
    raise sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("database is locked"))


def _disk_full(*_: object, **__: object) -> object:
    error = sqlite3.OperationalError("database or disk is full")
    raise sa.exc.OperationalError("INSERT INTO rounds VALUES (?)", {"name": "x"}, error)


BANK, RESPONSES = str(DATA / "tiny_bank.yaml"), "responses.csv"
COMMANDS: list[tuple[str, list[str], dict[str, str], str]] = [
    ("export: unknown round", ["export", "scores", "--round", "nope"], {},
     "error: No round with token 'nope'"),
    ("import: unknown round", ["import", RESPONSES, "--round", "nope"], {},
     "error: No round with token 'nope'"),
    ("close: unknown round", ["round", "close", "nope"], {}, "error: No round with token 'nope'"),
    ("reopen: unknown round", ["round", "reopen", "nope"], {},
     "error: No round with token 'nope'"),
    ("unknown round, escape in the token", ["round", "close", "no\x1b[2Jpe"], {},
     "error: No round with token 'no\\x1b[2Jpe'"),
    ("score: group size 2", ["score", RESPONSES, "--bank", BANK, "--min-group-size", "2"], {},
     "the minimum group size must be a whole number of at least 3"),
    ("score: group size abc", ["score", RESPONSES, "--bank", BANK, "--min-group-size", "abc"], {},
     "(got 'abc')"),
    ("round open: group size abc", ["round", "open", "Q2", "--team", "A", "--min-group-size", "x"],
     {}, "invalid int value: 'x'"),
    ("round open: group size 2", ["round", "open", "Q2", "--team", "A", "--min-group-size", "2"],
     {}, "error: minimum group size: must be"),
    ("round open: deeply nested bank",
     ["round", "open", "Q2", "--team", "A", "--bank", "deep.yaml"], {},
     "error: deep.yaml, line 1: nested too deeply"),
    ("round open: bank is a folder", ["round", "open", "Q2", "--team", "A", "--bank", "folder"],
     {}, "error: folder: is a folder, not a bank file"),
    ("score: --by unknown column", ["score", RESPONSES, "--bank", BANK, "--by", "department"], {},
     "--by column 'department' is not in the file"),
    ("export: --by unknown column", ["export", "scores", "--round", "TOKEN", "--by", "squad"], {},
     "invalid choice: 'squad'"),
    ("export: --output a folder", ["export", "scores", "--round", "TOKEN", "--output", "folder"],
     {}, "error: folder: is a folder; give a file name, such as folder/export.csv"),
    ("export: --output in a missing folder",
     ["export", "scores", "--round", "TOKEN", "--output", "missing/scores.csv"], {},
     "error: missing/scores.csv: the folder missing does not exist; create it first"),
    ("score: --output a folder", ["score", RESPONSES, "--bank", BANK, "--output", "folder"], {},
     "error: folder: is a folder; give a file name"),
    ("score: --output in a missing folder",
     ["score", RESPONSES, "--bank", BANK, "--output", "missing/scores.csv"], {},
     "error: missing/scores.csv: the folder missing does not exist"),
    ("score: --output on a full disk",
     ["score", RESPONSES, "--bank", BANK, "--output", "/dev/full"], {},
     "error: /dev/full: no space left on the device; free some space and try again"),
    ("import: a folder", ["import", "folder", "--round", "TOKEN"], {},
     "error: folder: is a folder, not a CSV file"),
    ("import: a missing file", ["import", "nowhere.csv", "--round", "TOKEN"], {},
     "error: nowhere.csv: file not found"),
    ("validate: a folder", ["validate", "folder"], {}, "error: folder: is a folder, not a bank"),
    ("unreachable PostgreSQL", ["round", "list"],
     {"ASSESSMENT_DATABASE_URL": "postgresql://postgres:s3cret-pw@127.0.0.1:1/x"},
     "error: cannot reach the database at postgresql://postgres:***@127.0.0.1:1/x (connection"
     " refused); check ASSESSMENT_DATABASE_URL and that the server runs"),
    ("unreachable PostgreSQL on import", ["import", RESPONSES, "--round", "TOKEN"],
     {"ASSESSMENT_DATABASE_URL": "postgresql://u:pw@127.0.0.1:1/x"},
     "error: cannot reach the database at postgresql://u:***@127.0.0.1:1/x"),
    ("not a database file", ["round", "list"],
     {"ASSESSMENT_DATABASE_URL": "sqlite:///not-a-db.db"},
     "is not a database Role Radar can read (file is not a database)"),
    ("read-only database", ["round", "open", "Q2", "--team", "A"],
     {"ASSESSMENT_DATABASE_URL": "sqlite:///file:cli.db?mode=ro&uri=true"},
     "error: cannot write to the database at sqlite:///file%3Acli.db?mode=ro&uri=true (attempt to"
     " write a readonly database)"),
    ("unsupported database", ["round", "list"], {"ASSESSMENT_DATABASE_URL": "mysql://u:pw@h/db"},
     "error: ASSESSMENT_DATABASE_URL: 'mysql' is not supported"),
    ("locked database", ["round", "list"], {"patch": "_locked"},
     "is busy (database is locked); another program holds it: try again shortly"),
    ("disk full under the database", ["round", "open", "Q2", "--team", "A"],
     {"patch": "_disk_full"},
     "the disk of the database at sqlite:///"),
    ("unknown command", ["frobnicate"], {}, "invalid choice: 'frobnicate'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "environment", "message"), [c[1:] for c in COMMANDS], ids=[c[0] for c in COMMANDS]
)
def test_bad_command_exits_2_with_a_clear_line_and_changes_nothing(
    run_cli: Run,
    cli_db: tuple[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    environment: dict[str, str],
    message: str,
) -> None:
    url, token = cli_db
    for name, value in environment.items():
        if name == "patch":
            failing = {"_locked": _locked, "_disk_full": _disk_full}[value]
            monkeypatch.setattr(store, "list_rounds", failing)
            monkeypatch.setattr(store, "open_round", failing)
        else:
            monkeypatch.setenv(name, value)
    before, files = _snapshot(url), sorted(tmp_path.rglob("*"))
    result = run_cli(*[token if arg == "TOKEN" else arg for arg in args])
    _clean_terminal(result)
    assert message in result.err, result.err
    assert "s3cret-pw" not in result.err and ":pw@" not in result.err
    assert _snapshot(url) == before
    assert sorted(tmp_path.rglob("*")) == files  # no output file, no half-written temporary


def test_the_command_corpus_is_large_enough() -> None:
    assert len(COMMANDS) >= 15


def test_names_from_the_database_are_printed_escaped(run_cli: Run, cli_db: tuple[str, str]) -> None:
    """A round or team name holding terminal escapes is shown as \\x1b, never sent raw.

    Opening such a round is refused now; a database from before that rule can still hold one.
    """
    refused = run_cli("round", "open", "Q\x1b[2J", "--team", "Red\x1b[31m", "--team", "B")
    assert refused.code == 2 and "\x1b" not in refused.err
    url, token = cli_db
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.update(rounds).where(rounds.c.token == token)
            .values(name="Q\x1b[2J", teams_json='["Red\\u001b[31m", "B"]')
        )  # fmt: skip
    engine.dispose()
    listed = run_cli("round", "list")
    assert listed.code == 0, listed.err
    assert "\x1b" not in listed.out
    assert "Q\\x1b[2J" in listed.out and "Red\\x1b[31m, B" in listed.out


# -- survey answers ----------------------------------------------------------------------------

SURVEY_TEXT = [
    ("NUL", "Roadmaps\x00 rule", "\\x00"),
    ("escape", "\x1b[2JRoadmaps", "\\x1b"),
    ("C1 control", "Road\x85maps", "\\x85"),
    ("lone surrogate", "Road\ud800maps", "\\ud800"),
]


@pytest.mark.parametrize(("text", "shown"), [c[1:] for c in SURVEY_TEXT],
                         ids=[c[0] for c in SURVEY_TEXT])  # fmt: skip
def test_survey_comment_with_a_control_character_is_refused_at_once(text: str, shown: str) -> None:
    from assessment.survey import comment_problems

    [problem] = comment_problems(text)
    assert f"invisible control character ({shown})" in problem
    assert comment_problems("Two lines\nand a\ttab,\r\nfrom Windows.") == []


@pytest.mark.parametrize(("text", "shown"), [c[1:] for c in SURVEY_TEXT],
                         ids=[c[0] for c in SURVEY_TEXT])  # fmt: skip
def test_submission_with_a_control_character_stores_nothing_and_can_be_fixed(
    engine: sa.Engine, text: str, shown: str
) -> None:
    """PostgreSQL refused a NUL with an error naming the SQL; the respondent could never submit."""
    rnd = store.open_round(engine, "Q", TEAMS, TINY, 3)
    answers = dict.fromkeys(ITEMS, 3)
    token = "client-token-0123456789"
    store.save_draft(engine, rnd.token, token, {"comment": "draft"})
    for field in ("comment", "team"):
        values = {"team": "Checkout", "role": "engineering", "comment": None, field: text}
        with pytest.raises(InputError) as caught:
            store.submit_response(engine, rnd.token, answers=answers, client_token=token, **values)
        assert any(p.startswith(f"{field}: holds") and shown in p for p in caught.value.problems)
        assert store.response_count(engine, rnd.token) == 0
    with pytest.raises(
        InputError, match=re.escape(f"comment: holds an invisible control character ({shown})")
    ):
        store.save_draft(engine, rnd.token, token, {"comment": text, "step": 1})
    assert store.load_draft(engine, rnd.token, token) == {"comment": "draft"}  # unchanged
    # Fixed, the same respondent submits: nothing was left half-stored under the token.
    store.submit_response(engine, rnd.token, team="Checkout", role="engineering",
                          answers=answers, comment="Roadmaps rule", client_token=token)  # fmt: skip
    assert store.response_count(engine, rnd.token) == 1
    assert store.load_draft(engine, rnd.token, token) is None
