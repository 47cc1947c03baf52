"""Importing Role Radar CSVs and Google / Microsoft Forms exports into a round: all rows or none."""

from __future__ import annotations

import functools
import io
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from assessment.bank import Bank, load_bank
from assessment.errors import InputError
from assessment.interchange import read_responses, responses_csv_bytes
from assessment.interchange.forms import prepare_import
from assessment.scoring import group_scores
from assessment.service.exports import round_export
from assessment.store import import_responses, open_round, response_count, responses_frame
from tests.support.banks import V1_BANK_PATH
from tests.support.db import make_sqlite_engine

DATA = Path(__file__).parent / "data"
GOOGLE = DATA / "forms_google_default_bank.csv"
MICROSOFT = DATA / "forms_microsoft_default_bank.csv"
WIDE = DATA / "forms_default_bank_wide.csv"
TEAMS = ["Payments", "Mobile", "Platform"]


SHARE_DATABASE = True  # many small database tests: see tests/support/db.py


@pytest.fixture(scope="module")
def default_bank(v1_bank: Bank) -> Bank:
    """The forms files in tests/data were exported with version 1 of the default bank."""
    return v1_bank


def _import(engine: Engine, token: str, data: bytes, bank: Bank, name: str = "upload.csv") -> int:
    """What the data page and the CLI do: plan, then store only a clean plan's checked rows."""
    plan = prepare_import(data, bank, name, teams=TEAMS)
    return import_responses(engine, token, plan.require_validated(), source="import")


def _google_text() -> str:
    return GOOGLE.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(("path", "kind"), [(GOOGLE, "google"), (MICROSOFT, "microsoft")])
def test_forms_export_maps_every_column(default_bank: Bank, path: Path, kind: str) -> None:
    plan = prepare_import(path.read_bytes(), default_bank, path.name, teams=TEAMS)
    assert plan.ok, plan.problems
    assert plan.format == kind
    items = [c.target for c in plan.columns if c.kind == "item"]
    assert items == default_bank.item_ids
    assert {c.kind for c in plan.columns} <= {"item", "team", "role", "comment", "personal",
                                              "ignored"}  # fmt: skip
    ignored = [c.column for c in plan.columns if c.kind == "ignored"]
    assert all(c in {"Timestamp", "ID", "Start time", "Completion time", "Last modified time"}
               for c in ignored)  # fmt: skip
    assert plan.dropped == (["Email Address"] if kind == "google" else ["Email", "Name"])
    assert any("Personal columns dropped" in m for m in plan.messages)
    assert plan.rows == 18
    assert set(plan.frame["role"]) <= {r.id for r in default_bank.roles}


@pytest.mark.parametrize("path", [GOOGLE, MICROSOFT], ids=["google", "microsoft"])
def test_forms_export_scores_equal_the_wide_file(default_bank: Bank, path: Path) -> None:
    plan = prepare_import(path.read_bytes(), default_bank, path.name)
    wide = read_responses(WIDE, default_bank)
    for by in ([], ["team"], ["role"]):
        pd.testing.assert_frame_equal(
            group_scores(plan.require_ok(), default_bank, by=by),
            group_scores(wide, default_bank, by=by),
        )


def test_forms_personal_data_is_never_stored(default_bank: Bank, engine: Engine) -> None:
    rnd = open_round(engine, "Q1", TEAMS, default_bank)
    assert _import(engine, rnd.token, GOOGLE.read_bytes(), default_bank) == 18
    stored = responses_frame(engine, rnd.token)
    assert len(stored) == 18
    text = stored.to_csv() + pd.read_sql_table("comments", engine).to_csv()
    assert "@example.com" not in text and "person" not in text
    assert "We ship, then nobody looks" in text


def test_forms_loose_statement_and_label_matching(default_bank: Bank) -> None:
    item = default_bank.items[0]
    loose = item.text.upper().replace(",", "").replace(".", " !")
    text = _google_text().replace(f"[{item.text}]", f"[{loose}]")
    text = text.replace(",Strongly agree,", ",5 - STRONGLY AGREE,").replace(",Agree,", ", agree ,")
    text = text.replace("Don't know / not applicable", "N/A").replace(",Disagree,", ",2,")
    plan = prepare_import(text.encode(), default_bank)
    assert plan.ok, plan.problems
    first = plan.columns[4]
    assert (first.target, first.how) == (item.id, "statement, ignoring case and punctuation"
                                                  " (grid statement)")  # fmt: skip
    expected = prepare_import(GOOGLE.read_bytes(), default_bank).require_ok()
    pd.testing.assert_frame_equal(
        plan.require_ok().drop(columns="response_id"), expected.drop(columns="response_id")
    )


def test_forms_roles_by_id_or_name_and_team_spelling(default_bank: Bank) -> None:
    text = _google_text().replace(",Engineering,", ",ENGINEERING,").replace(",Other,", ",other,")
    text = text.replace(",Payments,", ",payments,")
    plan = prepare_import(text.encode(), default_bank, teams=["PAYMENTS", "Mobile"])
    frame = plan.require_ok()
    assert set(frame["role"]) == {"engineering", "other", "product", "design", "delivery",
                                  "leadership"}  # fmt: skip
    assert set(frame["team"]) == {"PAYMENTS", "Mobile", "Platform"}
    assert "Teams not in this round, added as extra teams: Platform" in plan.messages


def _swap(old: str, new: str, count: int = 1) -> bytes:
    return _google_text().replace(old, new, count).encode()


def _wide_text() -> str:
    return WIDE.read_text(encoding="utf-8-sig")


FIRST = (
    "Before we start building something, we can say which customer problem it is meant to solve."
)
BAD_IMPORTS = [
    ("wrong header", lambda: _wide_text().replace("team,role,", "squad,role,", 1).encode(),
     "missing column(s): 'team'"),
    ("unknown statement", lambda: _swap(FIRST, "We like cake."),
     "holds answers, but its statement is not in bank 'product-vs-project'"),
    ("label not on the scale", lambda: _swap(",Agree,", ",Agreed,"),
     "row 2, column 'Purpose: how far do you agree? [We know which business goal"),
    ("duplicated column", lambda: _swap("Your role", "Team"), "columns 'Team', 'Team' all map to"),
    ("unknown role", lambda: _swap(",Engineering,", ",Engineer,"),
     "upload.csv, row 2, column 'Your role': 'Engineer' is not a role of this survey"),
    ("no team question", lambda: _swap(",Team,", ",Squad,"), "no team column"),
    ("empty file", lambda: b"", "no responses (the file is empty)"),
    ("header only", lambda: _google_text().splitlines()[0].encode(), "no responses"),
    ("binary junk", lambda: random.Random(5).randbytes(4096) + b"\x00", "not a CSV text file"),
    ("not UTF-8", lambda: _google_text().encode("cp1252", errors="replace") + b"\xe9",
     "not UTF-8 text"),
    ("50 MB", lambda: b"team,role\n" + b"x" * (50 * 1024 * 1024), "imports are limited to 10 MB"),
    ("non-numeric", lambda: _wide_text().replace(",5,", ",five,", 1).encode(),
     "'five' is not a number"),
    ("out of range", lambda: _wide_text().replace(",5,", ",6,", 1).encode(),
     "'6' is not on the 1-5 scale"),
    ("half numbers", lambda: _wide_text().replace(",4,", ",3.5,", 1).encode(),
     "'3.5' is not a whole number"),
    ("duplicated item id", lambda: _wide_text().replace("purpose.product.2,", "purpose.product.1,",
                                                         1).encode(), "appears 2 times"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "message"), [c[1:] for c in BAD_IMPORTS],
                         ids=[c[0] for c in BAD_IMPORTS])  # fmt: skip
def test_bad_import_says_why_and_stores_nothing(
    default_bank: Bank, engine: Engine, make: object, message: str
) -> None:
    rnd = open_round(engine, "Q1", TEAMS, default_bank)
    _import(engine, rnd.token, WIDE.read_bytes(), default_bank)
    before = response_count(engine, rnd.token)
    with pytest.raises(InputError) as caught:
        _import(engine, rnd.token, make(), default_bank)  # type: ignore[operator]
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
    assert response_count(engine, rnd.token) == before == 18


def test_problem_plan_still_shows_its_mapping(default_bank: Bank) -> None:
    plan = prepare_import(_swap(",Agree,", ",Agreed,", 3), default_bank, "g.csv")
    assert not plan.ok and plan.frame is None
    assert len(plan.problems) == 4  # three cells, then which answers the scale has
    assert plan.problems[-1] == (
        "g.csv: answers must be one of 'Strongly disagree', 'Disagree', 'Neither agree nor"
        " disagree', 'Agree', 'Strongly agree'; or 'Don't know / not applicable', 'N/A' or empty"
        " for don't know"
    )
    assert plan.rows_read == 18
    assert plan.format == "google"
    mapping = plan.mapping_frame()
    assert list(mapping.columns) == ["column", "imported as", "matched by"]
    assert mapping.loc[1, "imported as"] == "dropped: personal data"


@functools.cache
def _v1_bank() -> Bank:
    return load_bank(V1_BANK_PATH)


def _exported_with_ids() -> bytes:
    bank = _v1_bank()  # parsed once: a param's maker cannot take the session fixture
    frame = read_responses(WIDE, bank)
    frame["response_id"] = [f"r{i}" for i in range(len(frame))]
    return responses_csv_bytes(frame, bank)


@pytest.mark.parametrize(
    "make",
    [_exported_with_ids, WIDE.read_bytes, GOOGLE.read_bytes, MICROSOFT.read_bytes],
    ids=["export with ids", "wide without ids", "google", "microsoft"],
)
def test_importing_a_file_twice_is_refused(
    default_bank: Bank, engine: Engine, make: object
) -> None:
    """Rows without an id get one derived from the file, so a second import clashes."""
    rnd = open_round(engine, "Q1", TEAMS, default_bank)
    data = make()  # type: ignore[operator]
    assert _import(engine, rnd.token, data, default_bank) == 18
    with pytest.raises(InputError, match="already stored"):
        _import(engine, rnd.token, data, default_bank)
    assert response_count(engine, rnd.token) == 18


@pytest.fixture(scope="module")
def two_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Engine]]:
    folder = tmp_path_factory.mktemp("round_trip")
    source = make_sqlite_engine(folder / "source.db")
    target = make_sqlite_engine(folder / "target.db")
    yield source, target
    source.dispose()
    target.dispose()


teams_strategy = st.lists(
    st.sampled_from(["Payments", "NA", "=HYPERLINK(1)", "+plus", "Ops; Platform", 'say "hi"']),
    min_size=1, max_size=4, unique=True,
)  # fmt: skip


def _answer_rows(frame: pd.DataFrame, bank: Bank) -> list[tuple[float, ...]]:
    return sorted(map(tuple, frame[bank.item_ids].fillna(-1).to_numpy()))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams=teams_strategy, seed=st.integers(0, 2**32 - 1), roles=st.integers(1, 3))
def test_round_trip_export_then_import_gives_identical_scores(
    tiny_bank: Bank, two_databases: tuple[Engine, Engine], teams: list[str], seed: int, roles: int
) -> None:
    """Export a round's responses, import them into a new round elsewhere: the same scores.

    Every team x role cell holds at least the minimum, so the file keeps team
    and role (`scoring.microdata`); its ids are fresh, never the stored ones.
    """
    source, target = two_databases
    rng = np.random.default_rng(seed)
    cells = [(team, role.id) for team in teams for role in tiny_bank.roles[:roles]]
    of_cell = np.repeat(np.arange(len(cells)), rng.integers(3, 7, size=len(cells)))
    size = len(of_cell)
    values = rng.integers(0, 6, size=(size, len(tiny_bank.items))).astype(float)
    values[values == 0] = np.nan
    frame = pd.DataFrame(values, columns=tiny_bank.item_ids)
    frame.insert(0, "role", [cells[i][1] for i in of_cell])
    frame.insert(0, "team", [cells[i][0] for i in of_cell])
    first = open_round(source, "Original", teams, tiny_bank, min_group_size=3)
    import_responses(source, first.token, frame)
    export = round_export(source, first.token, "responses")
    second = open_round(target, "Copy", teams, tiny_bank, min_group_size=3)
    plan = prepare_import(export.data, tiny_bank, export.filename, teams=teams)
    assert plan.format == "wide"
    assert import_responses(target, second.token, plan.require_ok()) == size
    before, after = responses_frame(source, first.token), responses_frame(target, second.token)
    for by in ([], ["team"], ["role"], ["team", "role"]):
        pd.testing.assert_frame_equal(
            group_scores(after, tiny_bank, by=by, min_group_size=3),
            group_scores(before, tiny_bank, by=by, min_group_size=3),
        )
    assert not set(after["response_id"]) & set(before["response_id"])
    assert after["response_id"].is_unique


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(teams=teams_strategy, seed=st.integers(0, 2**32 - 1), size=st.integers(1, 25))
def test_any_round_exports_every_answer_or_says_why_not(
    tiny_bank: Bank, two_databases: tuple[Engine, Engine], teams: list[str], seed: int, size: int
) -> None:
    """Small, mixed rounds: the file holds every published answer once, or is refused.

    Team and role are each filled in every row or in none; a file with both
    imports into the same scores.
    """
    source, target = two_databases
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 6, size=(size, len(tiny_bank.items))).astype(float)
    values[values == 0] = np.nan
    frame = pd.DataFrame(values, columns=tiny_bank.item_ids)
    frame.insert(0, "role", rng.choice([r.id for r in tiny_bank.roles], size=size))
    frame.insert(0, "team", rng.choice(teams, size=size))
    first = open_round(source, "Original", teams, tiny_bank, min_group_size=3)
    import_responses(source, first.token, frame)
    try:
        export = round_export(source, first.token, "responses")
    except InputError as exc:
        assert "The responses file" in str(exc)
        return
    before = responses_frame(source, first.token, published_only=True)
    text = pd.read_csv(
        io.StringIO(export.data.decode("utf-8-sig")), dtype=str, keep_default_na=False
    )
    assert len(text) == len(before) == export.rows
    file_values = text[tiny_bank.item_ids].replace("", np.nan).astype(float)
    assert _answer_rows(file_values, tiny_bank) == _answer_rows(before, tiny_bank)
    for col in ("team", "role"):
        assert (text[col] == "").all() or (text[col] != "").all()
    if (text[["team", "role"]] != "").all().all():
        second = open_round(target, "Copy", teams, tiny_bank, min_group_size=3)
        plan = prepare_import(export.data, tiny_bank, export.filename, teams=teams)
        assert import_responses(target, second.token, plan.require_ok()) == len(before)
        after = responses_frame(target, second.token)
        for by in ([], ["team"], ["team", "role"]):
            pd.testing.assert_frame_equal(
                group_scores(after, tiny_bank, by=by, min_group_size=3),
                group_scores(before, tiny_bank, by=by, min_group_size=3),
            )


def test_forms_cells_keep_their_apostrophes(default_bank: Bank, engine: Engine) -> None:
    """Only a Role Radar export has its formula guard taken off; a forms cell "'=x" is "'=x"."""
    text = _google_text().replace(",Payments,", ",'=Ops,", 1)  # not a round team: kept as is
    text = text.replace("We ship, then nobody looks", "'-We ship, then nobody looks", 1)
    rnd = open_round(engine, "Q1", TEAMS, default_bank)
    assert _import(engine, rnd.token, text.encode(), default_bank) == 18
    stored = responses_frame(engine, rnd.token)
    assert "'=Ops" in set(stored["team"])
    comments = pd.read_sql_table("comments", engine)["comment"]
    assert comments.str.startswith("'-We ship").any()


def test_an_export_still_round_trips_its_guarded_cells(tiny_bank: Bank, engine: Engine) -> None:
    frame = pd.DataFrame([{"team": "=HYPERLINK(1)", "role": "engineering",
                           **dict.fromkeys(tiny_bank.item_ids, 3.0)}])  # fmt: skip
    data = responses_csv_bytes(frame, tiny_bank)
    assert b"'=HYPERLINK(1)" in data
    plan = prepare_import(data, tiny_bank, "export.csv")
    assert plan.require_validated().teams == ["=HYPERLINK(1)"]


def test_excel_unicode_text_export_imports_like_csv_utf8(default_bank: Bank) -> None:
    """Excel's "Unicode text" is UTF-16 with tabs: read as it is, and the leader is told."""
    plain = prepare_import(GOOGLE.read_bytes(), default_bank, "g.csv", teams=TEAMS)
    text = pd.read_csv(GOOGLE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    utf16 = text.to_csv(sep="\t", index=False, lineterminator="\r\n")
    plan = prepare_import(utf16.encode("utf-16"), default_bank, "g.txt", teams=TEAMS)
    assert plan.ok, plan.problems
    assert plan.messages[0].startswith("Read as UTF-16 text")
    pd.testing.assert_frame_equal(
        plan.require_ok().drop(columns="response_id"),
        plain.require_ok().drop(columns="response_id"),
    )


def test_plan_validated_is_what_the_store_imports(default_bank: Bank, engine: Engine) -> None:
    plan = prepare_import(MICROSOFT.read_bytes(), default_bank, "ms.csv", teams=TEAMS)
    checked = plan.require_validated()
    assert checked.source == "ms.csv" and len(checked) == plan.rows == 18
    assert checked.teams == plan.require_ok()["team"].tolist()
    assert checked.item_ids == default_bank.item_ids
    rnd = open_round(engine, "Q1", TEAMS, default_bank)
    assert import_responses(engine, rnd.token, checked) == 18


def test_control_characters_are_refused_before_roles_and_teams_are_matched(
    default_bank: Bank,
) -> None:
    """Matching ignores punctuation; the rules look at what the file holds."""
    text = _google_text().replace(",Payments,Engineering,", ",Pay\x07ments,Engi\x1bneering,", 1)
    plan = prepare_import(text.encode(), default_bank, "g.csv", teams=TEAMS)
    assert plan.problems == [
        "g.csv, row 2, column 'Team': holds a control character (\\x07); remove it",
        "g.csv, row 2, column 'Your role': holds a control character (\\x1b); remove it",
    ]
