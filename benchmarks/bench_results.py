"""Benchmark: the results page with 100,000 stored responses against the same page with 1,000.

Run: ``python benchmarks/bench_results.py [--small 1000] [--large 100000] [--strict]``

Both rounds live in one temporary SQLite database, seeded through
`store.import_responses` with a fast numpy generator (team and role effects,
5 % "don't know"). One AppTest session, signed in as a leader, opens the
results page: the first run of each round is *cold* (database read, scoring,
cache fill), the following runs are *warm* (cache hit: no database read of
responses, no rescoring). Also timed apart: the cold path's two parts,
`store.responses_frame` and `results_view.build_results`.

Targets (DESIGN: scores once per data change): warm large / warm small <= 2
and the large page under 2 s warm. `--strict` exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.bank import Bank

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
RESULTS = "assessment/ui/pages/results.py"
TEAMS = ["Payments", "Platform", "Checkout", "Search", "Mobile", "Data", "Growth", "Support"]
WARM_RUNS = 3
TARGET_RATIO, TARGET_WARM_S = 2.0, 2.0


def synthetic(bank: Bank, n: int, seed: int) -> pd.DataFrame:
    """`n` plausible responses: each team and role leans its own way on each scale."""
    rng = np.random.default_rng(seed)
    roles = [r.id for r in bank.roles]
    team = rng.integers(0, len(TEAMS), n)
    role = rng.choice(
        len(roles), n, p=np.linspace(2, 1, len(roles)) / np.linspace(2, 1, len(roles)).sum()
    )
    lean = rng.normal(0, 0.8, (len(TEAMS), len(bank.item_ids))) + rng.normal(
        0, 0.4, len(bank.item_ids)
    )
    base = 3.2 + lean[team] + rng.normal(0, 1.0, (n, len(bank.item_ids)))
    answers = np.clip(np.rint(base), 1, bank.scale.points)
    answers[rng.random(answers.shape) < 0.05] = np.nan
    frame = pd.DataFrame(answers, columns=bank.item_ids)
    frame.insert(0, "role", np.array(roles, dtype=object)[role])
    frame.insert(0, "team", np.array(TEAMS, dtype=object)[team])
    return frame


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def seed(url: str, sizes: list[int]) -> dict[int, str]:
    """One round per size, opened in the given order (the last is the newest)."""
    from assessment import store
    from assessment.bank import load_bank
    from assessment.store.schema import init_db, make_engine

    engine = make_engine(url)
    init_db(engine)
    bank = load_bank()
    tokens = {}
    for size in sizes:
        rnd = store.open_round(engine, f"Bench {size:,}", TEAMS, bank)
        frame = synthetic(bank, size, seed=size)
        start = time.perf_counter()
        store.import_responses(engine, rnd.token, frame)
        seconds = time.perf_counter() - start
        print(f"seeded {size:>7,} responses in {seconds:6.1f} s", flush=True)
        tokens[size] = rnd.token
    engine.dispose()
    return tokens


def cold_parts(url: str, token: str) -> tuple[float, float]:
    """The two halves of a cold load, timed outside Streamlit: DB read, then scoring."""
    from assessment import store
    from assessment.results.view import build_results
    from assessment.store.schema import make_engine

    engine = make_engine(url)
    rnd = store.get_round(engine, token)
    frame: list[pd.DataFrame] = []
    read = timed(lambda: frame.append(store.responses_frame(engine, token)))
    score = timed(
        lambda: build_results(frame[0], rnd.bank, token=token, name=rnd.name,
                              min_group_size=rnd.min_group_size, teams=rnd.teams)
    )  # fmt: skip
    engine.dispose()
    return read, score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="bench-results-")
    url = f"sqlite:///{Path(workdir) / 'bench.db'}"
    os.environ["ASSESSMENT_DATABASE_URL"] = url
    os.environ["ASSESSMENT_LEADER_PASSWORD"] = "benchmark passcode"
    tokens = seed(url, [args.large, args.small])  # small last: the page opens on it

    from datetime import timedelta

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from assessment.store import sessions
    from assessment.store.schema import make_engine
    from assessment.ui import leader

    # A leader's session as a browser holds it; AppTest sends no cookies, so the page reads
    # the token from session state instead (as the tests do, tests/support/app.py).
    engine = make_engine(url)
    token = sessions.create(engine, timedelta(hours=1))
    engine.dispose()
    leader.leader_cookie = lambda: st.session_state.get("bench_leader_cookie")  # type: ignore[assignment]
    at = AppTest.from_file(APP, default_timeout=900)
    at.session_state["bench_leader_cookie"] = token
    at.run()
    times: dict[int, tuple[float, float]] = {}
    cold_small = timed(lambda: at.switch_page(RESULTS).run())
    warm_small = statistics.median(timed(at.run) for _ in range(WARM_RUNS))
    times[args.small] = (cold_small, warm_small)
    choose = at.selectbox(key="results_round")
    cold_large = timed(lambda: choose.select(tokens[args.large]).run())
    warm_large = statistics.median(timed(at.run) for _ in range(WARM_RUNS))
    times[args.large] = (cold_large, warm_large)
    if at.exception:
        print(f"the page failed: {at.exception}", file=sys.stderr)
        return 1

    print(f"\n{'responses':>10} {'cold (s)':>9} {'warm (s)':>9}")
    for size, (cold, warm) in times.items():
        print(f"{size:>10,} {cold:9.2f} {warm:9.2f}")
    ratio = warm_large / warm_small
    read, score = cold_parts(url, tokens[args.large])
    print(f"\nwarm ratio {args.large:,} / {args.small:,}: {ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"cold ratio: {cold_large / cold_small:.2f}")
    print(f"cold path at {args.large:,}: responses_frame {read:.2f} s, build_results {score:.2f} s")
    ok = ratio <= TARGET_RATIO and warm_large < TARGET_WARM_S
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
