"""Reading the wide responses CSV: files as spreadsheets write them, and every kind of bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assessment.bank import Bank, bank_from_dict
from assessment.errors import InputError, NotFoundError
from assessment.interchange import read_responses, responses_csv_bytes
from assessment.interchange.forms import prepare_import

DATA = Path(__file__).parent / "data"
EXCEL = DATA / "csv_excel_semicolon.csv"


def _wide(bank: Bank, rows: list[list[str]], header: list[str] | None = None) -> bytes:
    header = header or ["team", "role", *bank.item_ids]
    return "\n".join(",".join(row) for row in [header, *rows]).encode()


def _row(bank: Bank, team: str = "A", role: str = "engineering", value: str = "3") -> list[str]:
    return [team, role, *[value] * len(bank.items)]


def _problems(source: bytes, bank: Bank) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_responses(source, bank, source_name="responses.csv")
    return caught.value.problems


def test_read_responses_excel_semicolon_bom_crlf(tiny_bank: Bank) -> None:
    frame = read_responses(EXCEL, tiny_bank)
    assert list(frame.columns) == ["team", "role", *tiny_bank.item_ids]
    assert frame["team"].tolist() == ["Payments", "NA", "Ops; Platform", "Payments"]
    assert frame["role"].tolist() == ["engineering", "product", "design", "delivery"]
    assert (frame[tiny_bank.item_ids].dtypes == "float64").all()
    np.testing.assert_array_equal(
        frame.loc[0, tiny_bank.item_ids].to_numpy(dtype=float),
        [5, 4, 5, 2, 2, 1, 4, 4, 2, 3, 3, 3, 4, 2, 4, 5, 4, 3],
    )
    last = frame.loc[3, tiny_bank.item_ids]
    assert last.isna().tolist() == [True] + [False] * 14 + [True, True, False]


def test_read_responses_comma_file_equals_semicolon_file(tiny_bank: Bank) -> None:
    text = (
        EXCEL.read_text(encoding="utf-8-sig").replace('"Ops; Platform"', "Ops@").replace(";", ",")
    )
    comma = read_responses(text.replace("Ops@", '"Ops; Platform"').encode(), tiny_bank)
    pd.testing.assert_frame_equal(comma, read_responses(EXCEL, tiny_bank))


def test_read_responses_accepts_path_str_and_bytes(tiny_bank: Bank) -> None:
    from_path = read_responses(EXCEL, tiny_bank)
    pd.testing.assert_frame_equal(read_responses(str(EXCEL), tiny_bank), from_path)
    pd.testing.assert_frame_equal(read_responses(EXCEL.read_bytes(), tiny_bank), from_path)


def test_read_responses_keeps_na_and_none_team_names(tiny_bank: Bank) -> None:
    rows = [_row(tiny_bank, team) for team in ("NA", "None", "null", "N/A", "nan")]
    frame = read_responses(_wide(tiny_bank, rows), tiny_bank)
    assert frame["team"].tolist() == ["NA", "None", "null", "N/A", "nan"]


def test_read_responses_metadata_columns_in_design_order(tiny_bank: Bank) -> None:
    header = ["Team", "round", "role", "submitted_at", "response_id", *tiny_bank.item_ids]
    row = ["A", "Q1", "design", "2025-03-31 14:05:09+02:00", "r1", *["2"] * len(tiny_bank.items)]
    frame = read_responses(_wide(tiny_bank, [row], header), tiny_bank)
    assert list(frame.columns[:5]) == ["response_id", "submitted_at", "round", "team", "role"]
    assert frame.loc[0, "submitted_at"] == "2025-03-31T12:05:09Z"


EXPORT_HEADER = ["response_id", "submitted_at", "round", "team", "role"]


def test_read_responses_takes_off_the_export_formula_guard(tiny_bank: Bank) -> None:
    teams = ['\'=HYPERLINK("x")', "'plain", "''=x", "'-1"]
    rows = [[f"r{i}", "", "Q1", *_row(tiny_bank, team)] for i, team in enumerate(teams)]
    header = [*EXPORT_HEADER, *tiny_bank.item_ids]
    frame = read_responses(_wide(tiny_bank, rows, header), tiny_bank)
    assert frame["team"].tolist() == ['=HYPERLINK("x")', "'plain", "'=x", "-1"]
    assert frame["round"].tolist() == ["Q1"] * 4


@pytest.mark.parametrize(
    "header",
    [
        ["team", "role"],  # hand-made: no export has these columns alone
        ["response_id", "submitted_at", "round", "role", "team"],  # not the export's order
        [*EXPORT_HEADER, "comment"],  # exports never hold comments
    ],
    ids=["team-role", "reordered", "with-comment"],
)
def test_read_responses_keeps_apostrophes_of_files_role_radar_did_not_write(
    tiny_bank: Bank, header: list[str]
) -> None:
    """Only an export's formula guard is taken off: anyone else's "'=x" means "'=x"."""
    cells = {"response_id": "r1", "submitted_at": "", "round": "'=r", "team": "'=x",
             "role": "engineering", "comment": "'-fine"}  # fmt: skip
    row = [cells[name] for name in header] + ["3"] * len(tiny_bank.items)
    frame = read_responses(_wide(tiny_bank, [row], [*header, *tiny_bank.item_ids]), tiny_bank)
    assert {
        name: frame.loc[0, name] for name in header if name in ("round", "team", "comment")
    } == {name: cells[name] for name in header if name in ("round", "team", "comment")}


def test_read_responses_accepts_whole_numbers_written_as_decimals(tiny_bank: Bank) -> None:
    frame = read_responses(_wide(tiny_bank, [_row(tiny_bank, value=" 4.0 ")]), tiny_bank)
    assert (frame[tiny_bank.item_ids] == 4.0).all(axis=None)


def test_read_responses_missing_file_is_not_found(tiny_bank: Bank, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="file not found"):
        read_responses(tmp_path / "nope.csv", tiny_bank)


BAD_CELLS = [
    ("6", "responses.csv, row 3, column 'purpose.product.2': '6' is not on the 1-5 scale"),
    ("0", "responses.csv, row 3, column 'purpose.product.2': '0' is not on the 1-5 scale"),
    ("2.5", "row 3, column 'purpose.product.2': '2.5' is not a whole number on the 1-5 scale"),
    ("x", "row 3, column 'purpose.product.2': 'x' is not a number"),
    ("Agree", "row 3, column 'purpose.product.2': 'Agree' is not a number"),
    ("NA", "row 3, column 'purpose.product.2': 'NA' is not a number"),
    ("inf", "row 3, column 'purpose.product.2': 'inf' is not on the 1-5 scale"),
]


@pytest.mark.parametrize(("cell", "message"), BAD_CELLS, ids=[c for c, _ in BAD_CELLS])
def test_read_responses_bad_cell_names_row_and_column(
    tiny_bank: Bank, cell: str, message: str
) -> None:
    bad = _row(tiny_bank)
    bad[3] = cell  # the second item: purpose.product.2
    problems = _problems(_wide(tiny_bank, [_row(tiny_bank), bad]), tiny_bank)
    assert len(problems) == 1
    assert message in problems[0]


BAD_FILES = [
    ("empty", b"", "responses.csv: no responses (the file is empty)"),
    ("blank lines", b"\r\n\r\n", "no responses (the file is empty)"),
    ("binary junk", bytes(range(256)) * 4, "not a CSV text file (it holds binary data)"),
    ("latin-1", "team,role\nÉquipe,x\n".encode("latin-1"), "not UTF-8 text"),
    ("workbook", b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook, not CSV"),
    ("too many cells", b"team,role\nA,b,c\n", "row 2: a value in column C"),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in BAD_FILES],
                         ids=[c[0] for c in BAD_FILES])  # fmt: skip
def test_read_responses_unreadable_files(tiny_bank: Bank, content: bytes, message: str) -> None:
    assert any(message in problem for problem in _problems(content, tiny_bank))


def test_read_responses_header_only_says_no_responses(tiny_bank: Bank) -> None:
    assert _problems(_wide(tiny_bank, []), tiny_bank) == [
        "responses.csv: no responses (only a header row)"
    ]


def test_read_responses_header_problems_all_at_once(tiny_bank: Bank) -> None:
    ids = tiny_bank.item_ids
    header = ["team", "role", "colour", ids[0], ids[0], "Purpose.product.2", *ids[2:-1]]
    problems = _problems(
        _wide(tiny_bank, [["A", "b", *["1"] * (len(header) - 2)]], header), tiny_bank
    )
    assert any("column 'colour' is not an item of bank 'tiny'" in p for p in problems)
    assert any("column 'purpose.product.1' appears 2 times (columns D, E)" in p for p in problems)
    assert any("(did you mean 'purpose.product.2'?)" in p for p in problems)
    missing = next(p for p in problems if "missing column(s)" in p)
    assert "'purpose.product.2'" in missing
    assert f"'{ids[-1]}'" in missing
    assert "'purpose.product.1'" not in missing  # it is there, twice


@pytest.mark.parametrize("column", ["team", "role"])
def test_read_responses_missing_team_or_role_column(tiny_bank: Bank, column: str) -> None:
    header = [c for c in ["team", "role", *tiny_bank.item_ids] if c != column]
    problems = _problems(_wide(tiny_bank, [["x", *["1"] * (len(header) - 1)]], header), tiny_bank)
    assert problems == [f"responses.csv: missing column(s): '{column}'"]


def test_read_responses_empty_team_and_role_cells(tiny_bank: Bank) -> None:
    problems = _problems(_wide(tiny_bank, [_row(tiny_bank), _row(tiny_bank, "", "")]), tiny_bank)
    assert problems == [
        "responses.csv, row 3, column 'team': empty; every response needs a team",
        "responses.csv, row 3, column 'role': empty; every response needs a role",
    ]


def test_read_responses_rows_counted_as_in_a_spreadsheet(tiny_bank: Bank) -> None:
    """Blank lines are rows too, and a quoted line break stays inside its row."""
    header = ["team", "role", "comment", *tiny_bank.item_ids]
    ok = ["A", "engineering", '"two\nlines"', *["3"] * len(tiny_bank.items)]
    bad = ["A", "engineering", "", *["9"] * len(tiny_bank.items)]
    text = _wide(tiny_bank, [ok], header).decode() + "\n\n" + ",".join(bad)
    problems = _problems(text.encode(), tiny_bank)
    assert problems[0].startswith("responses.csv, row 4, column 'purpose.product.1': '9'")


def test_read_responses_problems_sorted_by_row_then_column(tiny_bank: Bank) -> None:
    first, second = _row(tiny_bank), _row(tiny_bank, team="")
    first[5], first[2], second[3] = "7", "x", "0"
    problems = _problems(_wide(tiny_bank, [first, second]), tiny_bank)
    assert [p.split(":")[0] for p in problems] == [
        "responses.csv, row 2, column 'purpose.product.1'",
        "responses.csv, row 2, column 'purpose.project.1'",
        "responses.csv, row 3, column 'team'",
        "responses.csv, row 3, column 'purpose.product.2'",
    ]


def test_read_responses_caps_the_problem_list(tiny_bank: Bank) -> None:
    rows = [_row(tiny_bank, value="8") for _ in range(10)]  # 180 bad cells
    problems = _problems(_wide(tiny_bank, rows), tiny_bank)
    assert len(problems) == 51
    assert problems[-1] == "... and 130 more problems"


def test_read_responses_bad_date(tiny_bank: Bank) -> None:
    header = ["submitted_at", "team", "role", *tiny_bank.item_ids]
    rows = [["yesterday", *_row(tiny_bank)], ["", *_row(tiny_bank)]]
    problems = _problems(_wide(tiny_bank, rows, header), tiny_bank)
    assert problems == [
        "responses.csv, row 2, column 'submitted_at': 'yesterday' is not a date and time"
        " like 2025-03-31T14:05:00Z"
    ]


def test_read_responses_big_file_is_read_column_wise(default_bank: Bank) -> None:
    """20,000 rows of the default bank: values survive exactly, NaN where empty."""
    rng = np.random.default_rng(7)
    values = rng.integers(0, 6, size=(20_000, len(default_bank.items))).astype(float)
    values[values == 0] = np.nan
    frame = pd.DataFrame(values, columns=default_bank.item_ids).astype("Int64")
    frame.insert(0, "role", "engineering")
    frame.insert(0, "team", rng.choice(["A", "B", "NA"], size=len(frame)))
    result = read_responses(frame.to_csv(index=False).encode(), default_bank)
    np.testing.assert_array_equal(result[default_bank.item_ids].to_numpy(), values)
    assert result["team"].tolist() == frame["team"].tolist()


def _same_as_utf8(tiny_bank: Bank, data: bytes) -> None:
    plain = read_responses(_wide(tiny_bank, [_row(tiny_bank), _row(tiny_bank, "B")]), tiny_bank)
    pd.testing.assert_frame_equal(read_responses(data, tiny_bank), plain)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "end"),
    [("utf-16", "\t", "\r\n"), ("utf-16-le", "\t", "\r\n"), ("utf-16-be", ",", "\n"),
     ("utf-32", ";", "\n"), ("utf-8", ",", "\r")],
    ids=["excel unicode text", "utf-16 without bom", "utf-16 big-endian", "utf-32", "cr only"],
)  # fmt: skip
def test_read_responses_other_encodings_and_line_ends_read_the_same(
    tiny_bank: Bank, encoding: str, delimiter: str, end: str
) -> None:
    rows = [["team", "role", *tiny_bank.item_ids], _row(tiny_bank), _row(tiny_bank, "B")]
    text = end.join(delimiter.join(row) for row in rows) + end
    _same_as_utf8(tiny_bank, text.encode(encoding))


def test_read_responses_nul_anywhere_names_row_and_column(tiny_bank: Bank) -> None:
    rows = [_row(tiny_bank)] * 30_000 + [_row(tiny_bank, "A\x00B")]
    problems = _problems(_wide(tiny_bank, rows), tiny_bank)
    assert problems[0].startswith(
        "responses.csv, row 30002, column 'team': holds a NUL character (\\x00)"
    )


def test_read_responses_mixed_delimiters_say_so(tiny_bank: Bank) -> None:
    text = _wide(tiny_bank, [_row(tiny_bank)]).decode() + "\n" + ";".join(_row(tiny_bank)) + "\n"
    assert _problems(text.encode(), tiny_bank) == [
        "responses.csv, row 3, column A: the whole row is in one cell, separated by ';' while the"
        " header row uses ','; the file mixes delimiters: save it from the spreadsheet as 'CSV"
        " UTF-8', so that every row uses the same one"
    ]


def test_read_responses_applies_the_import_rules(tiny_bank: Bank) -> None:
    """`assessment score` reads with the rules of an import: one validation, one set of messages."""
    rows = [_row(tiny_bank, "T" * 201), _row(tiny_bank, "A\x1b[31m")]
    assert [p.split(": ", 1)[1] for p in _problems(_wide(tiny_bank, rows), tiny_bank)] == [
        "longer than 200 characters (201); shorten it",
        "holds a control character (\\x1b); remove it",
    ]


def test_read_responses_header_mixing_delimiters_says_so(tiny_bank: Bank) -> None:
    header = ["team;role", *tiny_bank.item_ids]
    problems = _problems(_wide(tiny_bank, [["A;b", *["3"] * 18]], header), tiny_bank)
    assert problems[0] == (
        "responses.csv: column 'team;role' is not an item of bank 'tiny' nor one of response_id,"
        " submitted_at, round, team, role, comment (it holds ';' while the file uses ',' between"
        " columns: does it mix delimiters? save it from the spreadsheet as 'CSV UTF-8')"
    )


# -- don't know and not applicable apart -------------------------------------------------------


def apart(bank: Bank) -> Bank:
    """`bank` whose scale has "Don't know" and "Not applicable" as two answers."""
    data = bank.model_dump()
    data["scale"] |= {"dont_know_label": "Don't know", "not_applicable": True}
    return bank_from_dict(data)


def test_dk_and_na_cells_read_as_codes_or_as_missing(tiny_bank: Bank) -> None:
    bank = apart(tiny_bank)
    cells = ["DK", " na ", "", "dk", *["3"] * 14]
    data = _wide(bank, [["A", "engineering", *cells]])
    coded = read_responses(data, bank, kinds=True)[bank.item_ids[:5]].to_numpy()
    np.testing.assert_array_equal(coded, [[0, -1, np.nan, 0, 3]])
    plain = read_responses(data, bank)[bank.item_ids[:5]].to_numpy()
    np.testing.assert_array_equal(plain, [[np.nan, np.nan, np.nan, np.nan, 3]])


def test_the_wide_file_round_trips_dk_na_and_skipped(tiny_bank: Bank) -> None:
    bank = apart(tiny_bank)
    values = np.full((3, len(bank.items)), np.nan)
    values[:, :4] = [[1, 0, -1, np.nan], [5, -1, 0, 2], [0, 0, np.nan, -1]]
    frame = pd.DataFrame(values, columns=bank.item_ids).assign(team="A", role="design")
    written = responses_csv_bytes(frame, bank)
    assert written.decode("utf-8-sig").splitlines()[1].startswith(",,,A,design,1,DK,NA,,")
    back = read_responses(written, bank, kinds=True)
    np.testing.assert_array_equal(back[bank.item_ids].to_numpy(), values)


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        (
            "N/A",
            "'N/A' is not an answer; use 1-5, DK for don't know, NA for not applicable,"
            " or leave it empty for a skipped statement",
        ),
        ("0", "'0' is not on the 1-5 scale"),  # a typed 0 is never "don't know"
        ("-1", "'-1' is not on the 1-5 scale"),
    ],
)
def test_other_cells_name_file_row_and_column(tiny_bank: Bank, cell: str, why: str) -> None:
    bank = apart(tiny_bank)
    rows = [_row(bank), _row(bank)]
    rows[1][3] = cell
    with pytest.raises(InputError) as caught:
        read_responses(_wide(bank, rows), bank, source_name="answers.csv", kinds=True)
    assert caught.value.problems == [f"answers.csv, row 3, column 'purpose.product.2': {why}"]


def test_a_combined_choice_file_still_takes_only_numbers(tiny_bank: Bank) -> None:
    problems = _problems(_wide(tiny_bank, [_row(tiny_bank, value="DK")]), tiny_bank)
    assert problems[0] == (
        "responses.csv, row 2, column 'purpose.product.1': 'DK' is not a number;"
        " use 1-5, or leave it empty for don't know"
    )


def test_forms_labels_map_to_dont_know_and_not_applicable(tiny_bank: Bank) -> None:
    bank = apart(tiny_bank)
    texts = [item.text for item in bank.items]
    answers = ["Agree", "Don't know", "Not applicable", "N/A", "", *["Agree"] * 13]
    data = "\n".join(
        [",".join(["Timestamp", "Your team", "Your role", *texts]),
         ",".join(["2025-03-31 10:00", "A", "Engineering", *answers])]
    ).encode()  # fmt: skip
    plan = prepare_import(data, bank, "form.csv", teams=["A"])
    assert plan.ok, plan.problems
    assert plan.validated is not None
    np.testing.assert_array_equal(plan.validated.values[0, :5], [4, 0, -1, -1, np.nan])
    assert np.isnan(plan.require_ok()[bank.item_ids[:5]].to_numpy()[0, 1:]).all()  # to score
