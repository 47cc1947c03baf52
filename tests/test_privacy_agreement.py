"""Every surface that shows or exports a number agrees with the one privacy decision.

For random rounds with small teams and teams hidden only to protect a smaller
one, this builds each surface a leader can use -- the results page's view
model, the Rounds page's participation counts, the scores CSV by every
grouping, the retro pack and `assessment score` -- and checks that they hide
the same groups, for the same reason, and show the same visible numbers.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from assessment import store
from assessment.bank import Bank
from assessment.interchange.write import responses_csv_bytes
from assessment.results.view import RoundResults, build_results
from assessment.scoring.levels import level_counts
from assessment.scoring.privacy import LEVELS
from assessment.service.exports import round_export
from assessment.service.participation import participation
from assessment.vocabulary import HiddenReason, number

GROUPINGS = {"org": (), "team": ("team",), "role": ("role",), "team_role": ("team", "role")}
KEYS = ["dimension", "lens"]


def random_frame(bank: Bank, seed: int) -> tuple[pd.DataFrame, list[str], int]:
    """Teams of 1 to 14 people in 2-4 roles, about 10% of answers missing, and a minimum."""
    rng = np.random.default_rng(seed)
    n_teams = int(rng.integers(3, 7))
    teams = [f"Team {i + 1}" for i in range(n_teams)]
    sizes = rng.choice([1, 2, 3, 4, 5, 6, 8, 11, 14], size=n_teams)
    roles = rng.choice([r.id for r in bank.roles], size=int(rng.integers(2, 5)), replace=False)
    team_of = np.repeat(teams, sizes)
    answers = rng.integers(1, bank.scale.points + 1, size=(len(team_of), len(bank.items)))
    values = np.where(rng.random(answers.shape) < 0.1, np.nan, answers.astype(float))
    frame = pd.concat(
        [
            pd.DataFrame({"team": team_of, "role": rng.choice(roles, size=len(team_of))}),
            pd.DataFrame(values, columns=bank.item_ids),
        ],
        axis=1,
    )
    minimum = int(rng.choice([3, 4, 5]))
    return frame, [*teams, "Quiet team"], minimum


def random_round(engine: sa.Engine, bank: Bank, seed: int) -> tuple[store.Round, pd.DataFrame]:
    frame, teams, minimum = random_frame(bank, seed)
    # The last team, nobody answered for: listed everywhere, hidden like a small one.
    rnd = store.open_round(engine, f"Round {seed}", teams, bank, minimum)
    store.import_responses(engine, rnd.token, frame, source="test")
    return rnd, frame


def page_model(engine: sa.Engine, rnd: store.Round) -> RoundResults:
    """What the results page builds (ui/results_cache.py): published responses only."""
    store.publish(engine, rnd.token)
    return build_results(
        store.responses_frame(engine, rnd.token, published_only=True),
        rnd.bank,
        token=rnd.token,
        name=rnd.name,
        min_group_size=rnd.min_group_size,
        teams=rnd.teams,
        comments=store.comments_frame(engine, rnd.token, published_only=True),
    )


def read_csv(data: bytes) -> pd.DataFrame:
    text = data.decode("utf-8-sig")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def page_rows(results: RoundResults, level: str) -> pd.DataFrame:
    """The page's tidy table as the files write it: one decimal, n empty where hidden."""
    tidy = results.tidy[level]
    by = list(LEVELS[level])
    out = tidy[[*by, *KEYS]].astype(str)
    out["score"] = [("" if pd.isna(v) else number(v)) for v in tidy["score"]]
    out["n"] = ["" if pd.isna(v) else str(int(v)) for v in tidy["n"]]
    out["suppressed"] = np.where(tidy["suppressed"], "true", "false")
    out["reason"] = tidy["reason"].astype(str)
    return out.sort_values([*by, *KEYS]).reset_index(drop=True)


def file_rows(frame: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    columns = [*by, *KEYS, "score", "n", "suppressed", "reason"]
    return frame[columns].sort_values([*by, *KEYS]).reset_index(drop=True)


SEEDS = list(range(6))
TINY_BANK = Path(__file__).resolve().parent / "data" / "tiny_bank.yaml"


@pytest.mark.parametrize("seed", SEEDS)
def test_every_surface_agrees_on_what_is_hidden_why_and_every_visible_number(
    sqlite_engine: sa.Engine, tiny_bank: Bank, run_cli, tmp_path: Path, seed: int
) -> None:
    rnd, _ = random_round(sqlite_engine, tiny_bank, seed)
    results = page_model(sqlite_engine, rnd)
    # The CLI scores a file of the round's published responses, with their teams and roles.
    responses_file = tmp_path / "responses.csv"
    published = store.responses_frame(sqlite_engine, rnd.token, published_only=True)
    responses_file.write_bytes(responses_csv_bytes(published, rnd.bank))

    for level, by in GROUPINGS.items():
        page = page_rows(results, level)
        # A hidden row never carries a score or a size, on the page or in a file.
        assert (page.loc[page["suppressed"] == "true", ["score", "n"]] == "").all().all()
        assert set(page["reason"]) <= {"", *map(str, HiddenReason)}
        assert ((page["reason"] != "") == (page["suppressed"] == "true")).all()

        csv_file = read_csv(round_export(sqlite_engine, rnd.token, "scores", by).data)
        pd.testing.assert_frame_equal(file_rows(csv_file, by), page, check_dtype=False)

        args = [arg for col in by for arg in ("--by", col)]
        cli = run_cli(
            "score", str(responses_file), "--bank", str(TINY_BANK),
            "--min-group-size", str(rnd.min_group_size), *args,
        )  # fmt: skip
        assert cli.code == 0, cli.err
        cli_rows = file_rows(read_csv(cli.out.encode()), by)
        # The CLI scores a file: a round team nobody answered for is simply absent there.
        pd.testing.assert_frame_equal(cli_rows, page, check_dtype=False)

        retro = read_csv(round_export(sqlite_engine, rnd.token, "retro", by).data)
        dims = results.dimensions[level]
        verdicts = {(*(f.group[c] for c in by), f.dimension): f for f in results.findings[level]}
        names = {d.name: d.id for d in tiny_bank.dimensions}
        for row in retro.to_dict("records"):
            key = (*(row[c] for c in by), names[row["dimension"]])
            mask = np.ones(len(dims), dtype=bool)
            for col, value in zip(by, key, strict=False):
                mask &= (dims[col] == value).to_numpy()
            mine = dims[mask & (dims["dimension"] == key[-1]).to_numpy()].iloc[0]
            for lens in ("product", "project", "clarity"):
                shown = "" if pd.isna(mine[lens]) else number(mine[lens])
                assert row[lens] == shown, (level, key, lens)
            finding = verdicts.get(key)
            assert row["classification"] == (
                finding.classification
                if finding
                else "hidden"
                if all(pd.isna(mine[lens]) for lens in ("product", "project", "clarity"))
                else ""
            )
            if finding:
                assert row["n"] == str(finding.scores["n"])

    seen = participation(sqlite_engine, rnd.token)
    counts = results.counts["team"].set_index("team")
    assert list(seen.teams["team"]) == list(counts.index)
    for row in seen.teams.itertuples():
        assert row.shown == (not counts.at[row.team, "hidden"])
        assert row.reason == counts.at[row.team, "reason"]
        expected = None if counts.at[row.team, "hidden"] else int(counts.at[row.team, "responses"])
        assert row.responses == expected
    org = results.counts["org"].iloc[0]
    assert seen.total == (None if org["hidden"] else int(org["responses"]))


def test_the_random_rounds_exercise_both_reasons(tiny_bank: Bank) -> None:
    """The agreement test means something only if its rounds hide groups for both reasons."""
    reasons: set[str] = set()
    for seed in SEEDS:
        frame, teams, minimum = random_frame(tiny_bank, seed)
        reasons |= set(level_counts(frame, minimum, teams)["team"]["reason"])
    assert {str(HiddenReason.TOO_SMALL), str(HiddenReason.PROTECTS_ANOTHER)} <= reasons
