"""What the rounds page offers, without Streamlit: banks, teams, headcounts, links, QR codes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from assessment import store
from assessment.bank import DEFAULT_BANK_PATH, Bank
from assessment.errors import InputError
from assessment.policy import MAX_TEAM_HEADCOUNT, default_min_group_size
from assessment.service.participation import participation
from assessment.service.setup import (
    close_question,
    discover_banks,
    link_base,
    parse_team_plan,
    parse_teams,
    qr_png,
)
from assessment.settings import load_settings
from assessment.store.rounds import open_drafts, team_headcounts_of

DATA = Path(__file__).resolve().parent / "data"


def test_discover_banks_default_folder_offers_the_default_bank_first() -> None:
    found = discover_banks()
    assert found[0].path.resolve() == DEFAULT_BANK_PATH.resolve()
    assert found[0].bank is not None and not found[0].problems
    assert "v2" in found[0].label and DEFAULT_BANK_PATH.name in found[0].label


def test_discover_banks_lists_broken_files_with_their_problems(
    make_bank: Callable[..., Path],
) -> None:
    good = make_bank((DATA / "tiny_bank.yaml").read_text(encoding="utf-8"), "b_good.yaml")
    make_bank("id: x\nversion: one\n", "a_broken.yaml")
    make_bank("not: [valid", "c_bad.yml")
    (good.parent / "notes.txt").write_text("not a bank", encoding="utf-8")
    found = discover_banks(good.parent)
    assert [f.path.name for f in found] == ["a_broken.yaml", "b_good.yaml", "c_bad.yml"]
    broken, ok, bad_yaml = found
    assert ok.bank is not None and ok.problems == []
    assert broken.bank is None and broken.problems
    assert all("a_broken.yaml" in problem for problem in broken.problems)
    assert bad_yaml.bank is None and any("not valid YAML" in p for p in bad_yaml.problems)
    assert broken.label == "a_broken.yaml"


def test_discover_banks_empty_folder(tmp_path: Path) -> None:
    assert discover_banks(tmp_path) == []


def test_discover_banks_default_bank_first_among_others(tmp_path: Path) -> None:
    shutil.copy(DATA / "tiny_bank.yaml", tmp_path / "aaa.yaml")
    shutil.copy(DEFAULT_BANK_PATH, tmp_path / DEFAULT_BANK_PATH.name)
    names = [f.path.name for f in discover_banks(tmp_path)]
    assert names == ["aaa.yaml", DEFAULT_BANK_PATH.name]  # a copy elsewhere is not "the" default


@pytest.mark.parametrize(
    ("text", "teams"),
    [
        ("Platform\nPayments", ["Platform", "Payments"]),
        ("  Platform  \r\n\n\tPayments\n", ["Platform", "Payments"]),
        ("Sales, EMEA\nSales, APAC", ["Sales, EMEA", "Sales, APAC"]),
        ("Platform\nplatform", ["Platform", "platform"]),  # the store reports the duplicate
        ("", []),
        (" \n \n", []),
    ],
)
def test_parse_teams(text: str, teams: list[str]) -> None:
    assert parse_teams(text) == teams


@pytest.mark.parametrize(
    ("bank_size", "configured", "expected"),
    [(5, 5, 5), (5, 8, 8), (7, 5, 7), (3, None, 3), (5, None, 5)],
)
def test_default_min_group_size_takes_the_stricter(
    default_bank: Bank, bank_size: int, configured: int | None, expected: int
) -> None:
    bank = default_bank.model_copy(update={"min_group_size": bank_size})
    assert default_min_group_size(bank.min_group_size, configured) == expected


def test_qr_png_is_a_png_and_differs_per_link() -> None:
    first = qr_png("http://localhost:8501/?round=abc")
    second = qr_png("http://localhost:8501/?round=abd")
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert first != second


# -- expected headcounts -------------------------------------------------------------------------


def test_parse_team_plan_reads_an_optional_headcount_per_line() -> None:
    plan = parse_team_plan("Platform = 12\nR&D=EU\n\n  Mobile app=4 \nSales, EMEA")
    assert plan.teams == ["Platform", "R&D=EU", "Mobile app", "Sales, EMEA"]
    assert plan.headcounts == {"Platform": 12, "Mobile app": 4}
    assert parse_team_plan(["Checkout=7", "Search"]).headcounts == {"Checkout": 7}  # CLI values


@pytest.mark.parametrize(
    ("headcounts", "problem"),
    [
        ({"Payments": 3}, "expected headcount of 'Payments': no such team"),
        ({"Platform": 0}, "expected headcount of 'Platform': must be a whole number from 1"),
        ({"Platform": MAX_TEAM_HEADCOUNT + 1}, "must be a whole number from 1"),
        ({"Platform": True}, "must be a whole number from 1"),
    ],
)
def test_open_round_refuses_a_bad_headcount(
    sqlite_engine: sa.Engine, tiny_bank: Bank, headcounts: dict[str, int], problem: str
) -> None:
    with pytest.raises(InputError) as caught:
        store.open_round(sqlite_engine, "Q3", ["Platform"], tiny_bank, 3, headcounts)
    assert any(problem in p for p in caught.value.problems)
    assert store.list_rounds(sqlite_engine) == []


def _answers(bank: Bank, team: str, count: int) -> pd.DataFrame:
    frame = pd.DataFrame([dict.fromkeys(bank.item_ids, 3.0)] * count)
    frame.insert(0, "role", "engineering")
    frame.insert(0, "team", team)
    frame["comment"] = ""
    return frame


def test_rates_follow_the_privacy_decision(sqlite_engine: sa.Engine, tiny_bank: Bank) -> None:
    """Alpha 6 of 8 shows its rate; Gamma (1) and Beta (5, hidden to protect Gamma) do not."""
    teams = ["Alpha", "Beta", "Gamma"]
    rnd = store.open_round(sqlite_engine, "Q3", teams, tiny_bank, 3, {"Alpha": 8, "Beta": 7,
                                                                    "Gamma": 5})  # fmt: skip
    counts = {"Alpha": 6, "Beta": 5, "Gamma": 1}
    frame = pd.concat([_answers(tiny_bank, t, n) for t, n in counts.items()], ignore_index=True)
    store.import_responses(sqlite_engine, rnd.token, frame)
    seen = participation(sqlite_engine, rnd.token)
    assert seen.total_text() == "12 responses of 20 expected (60%)"
    assert dict(seen.team_texts()) == {
        "Alpha": "6 of 8 expected (75%)",
        "Beta": "hidden so that a smaller group cannot be worked out (7 expected)",
        "Gamma": "fewer than 3 responses (5 expected)",
    }


def test_the_round_rate_needs_every_team_s_headcount(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    """A total over some teams would be a sum of their counts, hidden ones included."""
    rnd = store.open_round(sqlite_engine, "Q3", ["Alpha", "Beta"], tiny_bank, 3, {"Alpha": 10})
    frame = pd.concat([_answers(tiny_bank, "Alpha", 4), _answers(tiny_bank, "Beta", 4)])
    store.import_responses(sqlite_engine, rnd.token, frame.reset_index(drop=True))
    seen = participation(sqlite_engine, rnd.token)
    assert seen.expected is None and seen.total_text() == "8 responses"
    assert dict(seen.team_texts()) == {"Alpha": "4 of 10 expected (40%)", "Beta": "4"}
    assert team_headcounts_of(sqlite_engine, rnd.token) == {"Alpha": 10}


# -- share links and closing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "browser", "url", "source", "local"),
    [
        ({}, "https://radar.example.org/rounds", "https://radar.example.org", "browser", False),
        (
            {},
            "http://radar.example.org:8080/tools/rounds/",
            "http://radar.example.org:8080/tools",
            "browser",
            False,
        ),
        ({}, "http://127.0.0.1:8501/rounds", "http://127.0.0.1:8501", "browser", True),
        ({}, "http://[::1]:8501/rounds", "http://[::1]:8501", "browser", True),
        ({}, "http://localhost:8501/rounds", "http://localhost:8501", "browser", True),
        ({}, None, "http://localhost:8501", "default", True),
        ({}, "about:blank", "http://localhost:8501", "default", True),
        (
            {"ASSESSMENT_BASE_URL": "https://radar.example.org/"},
            "http://127.0.0.1:8501/rounds",
            "https://radar.example.org",
            "setting",
            False,
        ),
    ],
)
def test_link_base_takes_the_setting_else_the_browser(
    environ: dict[str, str], browser: str | None, url: str, source: str, local: bool
) -> None:
    base = link_base(load_settings(environ, {}), browser, "rounds")
    assert (base.url, base.source, base.local) == (url, source, local)
    if local:
        headline, fix = base.local_warning()
        assert headline == "People on other machines cannot open these links."
        assert "ASSESSMENT_BASE_URL" in fix and base.host in fix


def test_closing_counts_the_surveys_started_and_not_sent(
    sqlite_engine: sa.Engine, tiny_bank: Bank
) -> None:
    from assessment import survey as flow

    rnd = store.open_round(sqlite_engine, "Q3", ["Alpha"], tiny_bank, 3)
    assert open_drafts(sqlite_engine, rnd.token) == 0
    assert "No one has a survey started" in close_question(0)
    for _ in range(2):
        token = flow.new_resume_token()
        store.save_draft(sqlite_engine, rnd.token, token, flow.SurveyDraft().model_dump())
    assert open_drafts(sqlite_engine, rnd.token) == 2
    assert close_question(2).startswith(
        "Closing stops the link from accepting answers. 2 surveys are started and not yet"
    )
    assert "1 survey is started" in close_question(1) and "that person" in close_question(1)
