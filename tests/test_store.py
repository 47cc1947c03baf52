"""The storage layer on SQLite and PostgreSQL: rounds, submissions, reads, drafts, imports."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from assessment import store
from assessment.bank import Bank, bank_from_dict, load_bank
from assessment.errors import AssessmentError, InputError, NotFoundError
from assessment.interchange import read_responses, responses_csv_bytes
from assessment.store.schema import (
    MIGRATIONS,
    init_db,
    make_engine,
    project_gate_answers,
    reading,
)
from assessment.store.schema import answers as store_answers
from assessment.survey import NOT_APPLICABLE, SurveyDraft, restore_draft

TEAMS = ["Checkout", "Search"]


SHARE_DATABASE = True  # many small database tests: see tests/support/db.py


@pytest.fixture
def open_round(engine: sa.Engine, tiny_bank: Bank) -> store.Round:
    return store.open_round(engine, "Q3 check-in", TEAMS, tiny_bank)


def answers_for(bank: Bank, seed: int) -> dict[str, int | None]:
    """A deterministic answer set: every 7th item "don't know", every 5th skipped."""
    out: dict[str, int | None] = {}
    for i, item in enumerate(bank.item_ids):
        if (i + seed) % 5 == 0:
            continue
        out[item] = None if (i + seed) % 7 == 0 else 1 + (i * 3 + seed) % bank.scale.points
    return out


def submit(engine: sa.Engine, rnd: store.Round, n: int, **overrides: Any) -> list[str]:
    ids = []
    for k in range(n):
        fields: dict[str, Any] = {
            "team": TEAMS[k % 2],
            "role": "engineering",
            "answers": answers_for(rnd.bank, k),
            "comment": None,
            "client_token": f"client-{k}",
        }
        ids.append(store.submit_response(engine, rnd.token, **(fields | overrides)))
    return ids


# -- rounds ---------------------------------------------------------------------------------------


def test_open_round_defaults_to_the_bank_min_group_size(engine: sa.Engine, tiny_bank: Bank) -> None:
    rnd = store.open_round(engine, "  Q3  ", [" Checkout ", "Search"], tiny_bank)
    assert (rnd.name, rnd.teams, rnd.min_group_size) == ("Q3", ("Checkout", "Search"), 3)
    assert rnd.is_open and rnd.closed_at is None and rnd.created_at.tzinfo is not None
    assert len(rnd.token) >= 22
    assert store.get_round(engine, rnd.token) == rnd


@pytest.mark.parametrize(
    ("name", "teams", "size", "message"),
    [
        ("", TEAMS, None, "round name: must not be empty"),
        ("Q3", [], None, "give at least one team"),
        ("Q3", "Checkout", None, "give at least one team"),
        ("Q3", ["Checkout", " "], None, "team #2: must not be empty"),
        ("Q3", ["Checkout", "checkout "], None, "team #2: 'checkout' is listed twice"),
        ("Q3", TEAMS, 2, "at least 3"),
        ("Q3", TEAMS, True, "at least 3"),
        ("x" * 201, TEAMS, None, "longer than 200"),
        ("Q3", ["Check\x00out"], None, r"team #1: holds a control character \(\\x00\)"),
        ("Q3", ["Search", "Check\tout"], None, r"team #2: holds a control character \(\\x09\)"),
        ("Q3\x1b[31m", TEAMS, None, r"round name: holds a control character \(\\x1b\)"),
        ("Q3", ["Check\u200bout"], None, r"team #1: holds a character that does not show"),
        ("Q3 \u202eevil", TEAMS, None, r"round name: holds a character that does not show"),
        ("Q3", ["Plat\u00a0form"], None, r"\(\\xa0\)"),
    ],
)
def test_open_round_bad_input_raises(
    sqlite_engine: sa.Engine, tiny_bank: Bank, name: str, teams: Any, size: Any, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        store.open_round(sqlite_engine, name, teams, tiny_bank, size)
    assert store.list_rounds(sqlite_engine) == []


def test_open_round_takes_names_with_markdown_characters_as_typed(
    engine: sa.Engine, tiny_bank: Bank
) -> None:
    """Names are escaped where shown, not refused: "R&D" and "Team #1" are ordinary names."""
    teams = ["R&D", "Team #1", "![x](http://127.0.0.1:9/pixel.png)", "Ops_2 *new*", "Café ünd"]
    rnd = store.open_round(engine, "Q3 [draft] <b>", teams, tiny_bank)
    assert rnd.teams == tuple(teams) and rnd.name == "Q3 [draft] <b>"


def test_list_rounds_newest_first(engine: sa.Engine, tiny_bank: Bank) -> None:
    names = ["first", "second", "third"]
    for name in names:
        store.open_round(engine, name, TEAMS, tiny_bank)
    assert [r.name for r in store.list_rounds(engine)] == names[::-1]


def test_close_round_refuses_submissions_and_reopen_accepts(
    engine: sa.Engine, open_round: store.Round
) -> None:
    closed = store.close_round(engine, open_round.token)
    assert not closed.is_open and closed.closed_at is not None
    assert store.close_round(engine, open_round.token).closed_at == closed.closed_at
    with pytest.raises(AssessmentError, match="This round is closed"):
        submit(engine, open_round, 1)
    assert store.response_count(engine, open_round.token) == 0
    assert store.reopen_round(engine, open_round.token).is_open
    submit(engine, open_round, 1)
    assert store.response_count(engine, open_round.token) == 1


def test_round_keeps_its_bank_snapshot_when_the_yaml_changes(
    engine: sa.Engine, tmp_path: Path
) -> None:
    source = Path(__file__).parent / "data" / "tiny_bank.yaml"
    path = tmp_path / "bank.yaml"
    path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    original = load_bank(path)
    rnd = store.open_round(engine, "Q3", TEAMS, original)
    path.write_text(
        path.read_text(encoding="utf-8").replace("text: P1}", "text: Rewritten}"), encoding="utf-8"
    )
    assert load_bank(path).items[0].text == "Rewritten"
    assert store.get_round(engine, rnd.token).bank == original
    assert store.get_round(engine, rnd.token).bank.items[0].text == "P1"


_UNKNOWN: list[Callable[[sa.Engine, str], object]] = [
    store.get_round,
    store.close_round,
    store.reopen_round,
    store.responses_frame,
    store.response_count,
    store.response_counts,
    store.team_counts,
    store.comments_frame,
    lambda e, t: store.load_draft(e, t, "resume"),
    lambda e, t: store.save_draft(e, t, "resume", {}),
    lambda e, t: store.import_responses(e, t, pd.DataFrame({"team": ["A"], "role": ["x"]})),
    lambda e, t: store.submit_response(
        e, t, team="A", role="engineering", answers={}, comment=None, client_token="c"
    ),
]


@pytest.mark.parametrize("operation", _UNKNOWN)
def test_unknown_token_raises_not_found(
    sqlite_engine: sa.Engine, operation: Callable[[sa.Engine, str], object]
) -> None:
    with pytest.raises(NotFoundError, match="No round with token 'nope'"):
        operation(sqlite_engine, "nope")


# -- submitting and reading back --------------------------------------------------------------


def test_submit_response_round_trip(engine: sa.Engine, open_round: store.Round) -> None:
    ids = submit(engine, open_round, 6)
    frame = store.responses_frame(engine, open_round.token)
    bank = open_round.bank
    assert list(frame.columns) == [*store.META_COLUMNS, *bank.item_ids]
    assert sorted(frame["response_id"]) == sorted(ids)
    assert frame["submitted_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert (frame["round"] == "Q3 check-in").all()
    for k, response_id in enumerate(ids):
        row = frame.set_index("response_id").loc[response_id]
        assert (row["team"], row["role"]) == (TEAMS[k % 2], "engineering")
        expected = answers_for(bank, k)
        got = row[bank.item_ids].astype(float)
        want = [np.nan if expected.get(i) is None else expected[i] for i in bank.item_ids]
        np.testing.assert_array_equal(got.to_numpy(), np.array(want, dtype=float))
    assert frame[bank.item_ids].dtypes.eq("float64").all()


def test_responses_frame_empty_round_has_the_columns(
    engine: sa.Engine, open_round: store.Round
) -> None:
    frame = store.responses_frame(engine, open_round.token)
    assert frame.empty
    assert list(frame.columns) == [*store.META_COLUMNS, *open_round.bank.item_ids]


def test_submit_response_same_client_token_stores_once(
    engine: sa.Engine, open_round: store.Round
) -> None:
    first = submit(engine, open_round, 1)
    again = submit(engine, open_round, 1, comment="a retry must not add this")
    assert again == first
    assert store.response_count(engine, open_round.token) == 1
    assert store.comments_frame(engine, open_round.token).empty


def test_submit_response_racing_retries_store_once(
    engine: sa.Engine, open_round: store.Round
) -> None:
    threads, start = 8, threading.Barrier(8)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        start.wait()
        try:
            results.append(submit(engine, open_round, 1)[0])
        except BaseException as exc:  # collected: a failure must show, not vanish in a thread
            errors.append(exc)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == threads
    assert store.response_count(engine, open_round.token) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"team": "Finance"}, "team: 'Finance' is not one of this round's teams"),
        ({"role": "ceo"}, "role: 'ceo' is not one of"),
        ({"answers": {"no.such.item": 3}}, "unknown item 'no.such.item'"),
        ({"answers": {"purpose.product.1": 0}}, "'purpose.product.1': 0 is not a whole number"),
        ({"answers": {"purpose.product.1": 6}}, "6 is not a whole number from 1 to 5"),
        ({"answers": {"purpose.product.1": 2.5}}, "2.5 is not a whole number"),
        ({"answers": {"purpose.product.1": "3"}}, "'3' is not a whole number"),
        ({"answers": {"purpose.product.1": True}}, "True is not a whole number"),
        ({"comment": "x" * 2001}, "comment: longer than 2000"),
        ({"client_token": ""}, "client token: must be a string of 1 to 64"),
        ({"client_token": "c" * 65}, "client token: must be a string of 1 to 64"),
    ],
)
def test_submit_response_bad_input_raises_and_stores_nothing(
    engine: sa.Engine, open_round: store.Round, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        submit(engine, open_round, 1, **overrides)
    assert store.response_count(engine, open_round.token) == 0


def test_counts_list_every_team_and_each_role(engine: sa.Engine, open_round: store.Round) -> None:
    submit(engine, open_round, 3, team="Search")
    submit(engine, open_round, 1, team="Search", role="design", client_token="designer")
    assert store.response_count(engine, open_round.token) == 4
    teams = store.team_counts(engine, open_round.token)
    assert teams.to_dict("list") == {"team": ["Checkout", "Search"], "n": [0, 4]}
    roles = store.response_counts(engine, open_round.token)
    assert roles.to_dict("list") == {
        "team": ["Search", "Search"],
        "role": ["design", "engineering"],
        "n": [1, 3],
    }


def test_comments_frame_keeps_comments_without_ids(
    engine: sa.Engine, open_round: store.Round
) -> None:
    for k, text in enumerate(["  Roadmap is a delivery plan. ", "", "Nobody owns outcomes."]):
        submit(engine, open_round, 1, comment=text, client_token=f"c{k}")
    comments = store.comments_frame(engine, open_round.token)
    assert list(comments.columns) == ["team", "role", "comment"]
    assert sorted(comments["comment"]) == ["Nobody owns outcomes.", "Roadmap is a delivery plan."]


# -- drafts -----------------------------------------------------------------------------------


def test_draft_save_load_and_deleted_at_submit(engine: sa.Engine, open_round: store.Round) -> None:
    token = open_round.token
    assert store.load_draft(engine, token, "resume-1") is None
    store.save_draft(
        engine, token, "resume-1", {"team": "Search", "answers": {"purpose.product.1": 1}}
    )
    store.save_draft(engine, token, "resume-1", {"team": "Checkout", "answers": {}})
    assert store.load_draft(engine, token, "resume-1") == {"team": "Checkout", "answers": {}}
    store.save_draft(engine, token, "other", {"team": "Search"})
    submit(engine, open_round, 1, client_token="resume-1")
    assert store.load_draft(engine, token, "resume-1") is None
    assert store.load_draft(engine, token, "other") == {"team": "Search"}


@pytest.mark.parametrize(
    ("resume", "draft", "message"),
    [
        ("", {}, "resume token: must be a string"),
        ("r", {"when": object()}, "cannot be stored as JSON"),
        ("r", {"x": float("nan")}, "cannot be stored as JSON"),
        ("r", {"big": "x" * 100_001}, "larger than 100000"),
    ],
)
def test_save_draft_bad_input_raises(
    sqlite_engine: sa.Engine, tiny_bank: Bank, resume: str, draft: dict[str, Any], message: str
) -> None:
    rnd = store.open_round(sqlite_engine, "Q3", TEAMS, tiny_bank)
    with pytest.raises(InputError, match=message):
        store.save_draft(sqlite_engine, rnd.token, resume, draft)


def test_save_draft_closed_round_refused(sqlite_engine: sa.Engine, tiny_bank: Bank) -> None:
    rnd = store.open_round(sqlite_engine, "Q3", TEAMS, tiny_bank)
    store.close_round(sqlite_engine, rnd.token)
    with pytest.raises(AssessmentError, match="This round is closed"):
        store.save_draft(sqlite_engine, rnd.token, "resume", {})


# -- concurrency ------------------------------------------------------------------------------


def test_submit_response_eight_threads_store_everything(
    engine: sa.Engine, open_round: store.Round
) -> None:
    """8 writers x 250 submissions through one shared Engine: all stored, no error."""
    writers, each = 8, 250
    start = threading.Barrier(writers)
    errors: list[BaseException] = []
    answers = answers_for(open_round.bank, 1)

    def writer(w: int) -> None:
        start.wait()
        for k in range(each):
            try:
                store.submit_response(
                    engine,
                    open_round.token,
                    team=TEAMS[k % 2],
                    role="engineering",
                    answers=answers,
                    comment=None,
                    client_token=f"w{w}-{k}",
                )
            except BaseException as exc:  # collected: a failure must show, not vanish in a thread
                errors.append(exc)

    pool = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    assert store.response_count(engine, open_round.token) == writers * each
    frame = store.responses_frame(engine, open_round.token)
    assert len(frame) == writers * each and frame["response_id"].is_unique


def test_new_round_token_never_starts_with_a_dash() -> None:
    from assessment.store.rounds import new_round_token

    tokens = [new_round_token() for _ in range(2000)]
    assert not any(token.startswith("-") for token in tokens)
    assert len(set(tokens)) == len(tokens) and all(len(token) >= 22 for token in tokens)


# -- don't know apart from not applicable, and the routing question ------------------------------


def gated(bank: Bank, *, apart: bool = True) -> Bank:
    """`bank` with the routing question; with `apart`, don't know and not applicable apart."""
    data = bank.model_dump()
    data["project_gate"] = {"text": "Does your team's work include projects?"}
    if apart:
        data["scale"] |= {"dont_know_label": "Don't know", "not_applicable": True}
    return bank_from_dict(data)


KINDS = {"purpose.product.1": 4, "purpose.product.2": None, "purpose.project.1": NOT_APPLICABLE}
"""A point, don't know and not applicable; every other statement skipped."""


def test_dont_know_and_not_applicable_are_stored_apart(engine: sa.Engine, tiny_bank: Bank) -> None:
    rnd = store.open_round(engine, "Kinds", TEAMS, gated(tiny_bank))
    for k, gate in enumerate([False, True, None]):
        store.submit_response(
            engine, rnd.token, team="Search", role="engineering", answers=KINDS,
            comment=None, client_token=f"kinds-{k}", works_in_projects=gate,
        )  # fmt: skip
    plain = store.responses_frame(engine, rnd.token)
    coded = store.responses_frame(engine, rnd.token, kinds=True)
    assert list(plain.columns) == [*store.META_COLUMNS, "works_in_projects", *rnd.bank.item_ids]
    assert sorted(map(str, plain["works_in_projects"])) == ["<NA>", "False", "True"]
    cells = ["purpose.product.1", "purpose.product.2", "purpose.project.1", "purpose.project.2"]
    np.testing.assert_array_equal(plain[cells].to_numpy()[0], [4, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(coded[cells].to_numpy()[0], [4, 0, -1, np.nan])
    pd.testing.assert_frame_equal(plain.drop(columns=cells), coded.drop(columns=cells))


def test_a_combined_choice_round_reads_as_before(sqlite_engine: sa.Engine, tiny_bank: Bank) -> None:
    engine = sqlite_engine  # the codes are the same on both backends (the test above)
    rnd = store.open_round(engine, "Combined", TEAMS, tiny_bank)
    with pytest.raises(InputError, match="'not_applicable' is not a whole number"):
        submit(engine, rnd, 1, answers={"purpose.product.1": NOT_APPLICABLE})
    with pytest.raises(InputError, match="works_in_projects: False is not an answer"):
        submit(engine, rnd, 1, works_in_projects=False)
    submit(engine, rnd, 1, answers={"purpose.product.1": None, "purpose.product.2": 2})
    coded = store.responses_frame(engine, rnd.token, kinds=True)
    assert list(coded.columns) == [*store.META_COLUMNS, *tiny_bank.item_ids]  # no routing column
    assert coded[["purpose.product.1", "purpose.product.2"]].to_numpy().tolist() == [[0, 2]]
    text = responses_csv_bytes(coded, tiny_bank).decode("utf-8-sig").splitlines()
    assert text[1].endswith(
        "engineering,,2" + "," * 16
    )  # the combined choice: an empty cell, as always


def test_export_and_import_keep_the_kinds_apart(engine: sa.Engine, tiny_bank: Bank) -> None:
    bank = gated(tiny_bank)
    source = store.open_round(engine, "Collected", TEAMS, bank)
    submit(engine, source, 2, answers=KINDS)
    exported = responses_csv_bytes(store.responses_frame(engine, source.token, kinds=True), bank)
    target = store.open_round(engine, "Imported", TEAMS, bank)
    read_back = read_responses(exported, bank, kinds=True).drop(columns="response_id")
    store.import_responses(engine, target.token, read_back, coded=True)
    again = store.responses_frame(engine, target.token, kinds=True)
    items = bank.item_ids
    want = store.responses_frame(engine, source.token, kinds=True)
    np.testing.assert_array_equal(again[items].to_numpy(), want[items].to_numpy())
    with reading(engine) as conn:  # an empty cell stays skipped: no answer row at all
        stored = conn.execute(sa.select(sa.func.count()).select_from(store_answers)).scalar()
    assert stored == 4 * len(KINDS)
    with pytest.raises(InputError, match="'0' is not on the 1-5 scale"):  # unless said coded
        store.import_responses(engine, target.token, read_back)


def test_draft_resume_keeps_the_routing_answer(sqlite_engine: sa.Engine, tiny_bank: Bank) -> None:
    engine = sqlite_engine  # a draft is JSON text on both backends
    rnd = store.open_round(engine, "Drafts", TEAMS, gated(tiny_bank))
    draft = SurveyDraft(team="Search", works_in_projects=False, step=1)
    draft = draft.with_answer("purpose.clarity.1", NOT_APPLICABLE)
    store.save_draft(engine, rnd.token, "resume-gate", draft.model_dump(mode="json"))
    saved = store.load_draft(engine, rnd.token, "resume-gate")
    assert restore_draft(saved, rnd.bank, rnd.teams) == draft
    with pytest.raises(InputError, match="works_in_projects"):
        store.save_draft(engine, rnd.token, "resume-bad", {"works_in_projects": "no"})


def test_answer_kinds_migration_adds_the_routing_table(tmp_path: Path) -> None:
    db = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    init_db(db)
    step = next(step for step in MIGRATIONS if step.__name__ == "_answer_kinds")
    with db.begin() as conn:  # as a database before the step: no routing table
        project_gate_answers.drop(conn)
        step(conn)
        step(conn)  # harmless when the table is there
    assert "project_gate_answers" in sa.inspect(db).get_table_names()
    db.dispose()
