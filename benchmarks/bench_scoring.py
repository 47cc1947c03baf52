"""How fast is scoring? One million respondents against two baselines measured in this run.

    python benchmarks/bench_scoring.py [--respondents 1000000] [--repeat 3]

Prints seconds and peak memory of `scoring.group_scores` by team on synthetic data
(the default bank, 10% missing answers, 50 teams), and its speed ratio against:
  (a) a plain per-respondent Python loop, run on a 20,000-row sample and scaled up;
  (b) a bare numpy masked-matrix computation of the same respondent scale scores.
Targets: >= 50x faster than (a), within 3x of (b), peak memory under 1.5 GB.
"""

from __future__ import annotations

import argparse
import math
import resource
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable

import numpy as np
import pandas as pd

from assessment.bank import Bank, load_bank
from assessment.scoring import group_scores

LOOP_SAMPLE = 20_000


def synthetic(bank: Bank, respondents: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    answers = rng.integers(1, bank.scale.points + 1, size=(respondents, len(bank.items)))
    answers = answers.astype(np.float64)
    answers[rng.random(answers.shape) < 0.10] = np.nan
    frame = pd.DataFrame(answers, columns=bank.item_ids)
    frame.insert(0, "team", pd.Series(rng.integers(0, 50, respondents)).map("team-{:02d}".format))
    frame.insert(1, "role", "engineering")
    return frame


def python_loop(frame: pd.DataFrame, bank: Bank) -> dict:
    """Baseline (a): what a straightforward per-respondent implementation does."""
    points = bank.scale.points
    scales = {
        scale: [(bank.item_ids.index(i.id), i.reverse) for i in bank.items_in(*scale)]
        for scale in bank.scales
    }
    rows = frame[bank.item_ids].to_numpy().tolist()
    sums: dict = defaultdict(float)
    counts: dict = defaultdict(int)
    for team, row in zip(frame["team"].tolist(), rows, strict=True):
        for scale, items in scales.items():
            values = []
            for index, reverse in items:
                answer = row[index]
                if answer == answer:  # not NaN
                    score = (answer - 1) / (points - 1) * 100
                    values.append(100 - score if reverse else score)
            if len(values) >= math.ceil(len(items) / 2):
                sums[(team, scale)] += sum(values) / len(values)
                counts[(team, scale)] += 1
    return {key: sums[key] / counts[key] for key in sums}


def numpy_masked(frame: pd.DataFrame, bank: Bank) -> np.ndarray:
    """Baseline (b): respondent scale scores with numpy masked arrays, nothing else."""
    answers = frame[bank.item_ids].to_numpy(dtype=np.float64)
    scores = (answers - 1) / (bank.scale.points - 1) * 100
    reverse = np.array([item.reverse for item in bank.items])
    scores[:, reverse] = 100 - scores[:, reverse]
    masked = np.ma.masked_invalid(scores)
    out = np.empty((len(frame), len(bank.scales)))
    for j, scale in enumerate(bank.scales):
        cols = [bank.item_ids.index(item.id) for item in bank.items_in(*scale)]
        block = masked[:, cols]
        means = block.mean(axis=1)
        out[:, j] = np.ma.filled(
            np.ma.masked_where(block.count(axis=1) < math.ceil(len(cols) / 2), means), np.nan
        )
    return out


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory(run: Callable[[], object]) -> int:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bank = load_bank()
    frame = synthetic(bank, args.respondents)
    sample = frame.iloc[:LOOP_SAMPLE]
    print(f"{args.respondents:,} respondents x {len(bank.items)} items, 50 teams, 10% missing")

    ours = best_of(args.repeat, lambda: group_scores(frame, bank, by=["team"]))
    masked = best_of(args.repeat, lambda: numpy_masked(frame, bank))
    loop = best_of(1, lambda: python_loop(sample, bank)) * args.respondents / LOOP_SAMPLE
    peak = peak_memory(lambda: group_scores(frame, bank, by=["team"]))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    print(f"group_scores (vectorised)     {ours:8.2f} s")
    print(f"(a) Python loop, scaled      {loop:8.2f} s   ratio {loop / ours:6.1f}x faster")
    print(f"(b) numpy masked matrix      {masked:8.2f} s   ratio {ours / masked:6.2f}x its time")
    print(f"peak memory while scoring    {peak / 2**30:8.2f} GB (tracemalloc)")
    print(f"peak process RSS             {rss / 2**30:8.2f} GB (data generation included)")
    ok = loop / ours >= 50 and ours / masked <= 3 and peak < 1.5 * 2**30
    print("targets (>= 50x, <= 3x, < 1.5 GB):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
