"""Realistic synthetic answers, so a newcomer sees a full dashboard at once.

Each team follows an archetype -- a latent score (0-100) per lens, varied a
little per dimension -- that the findings should recover: one team is
delivery-led, one blurred on success metrics, one distinct, one plan-light,
one under-managed, and one so small (3 people) that its scores are
suppressed. Respondents scatter around their team's profile, roles shade
what people see (product managers rate the product lens higher, leaders the
clarity), and about 5% of answers are "don't know". Everything is drawn at
once with numpy, and the same seed gives the same answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from assessment.bank import LENSES, Bank
from assessment.policy import COMMENT_MIN_GROUP_SIZE
from assessment.store import Round, close_round, import_responses, open_round

__all__ = ["DEMO_TEAMS", "demo_frame", "load_demo"]

DEMO_TEAMS = ("Checkout", "Search", "Payments", "Mobile", "Platform", "Growth")
_SIZES = (24, 30, 18, 3, 12, 9)  # varied; Mobile is deliberately under every threshold
# (product, project, clarity) per archetype, in the order teams are dealt them.
_ARCHETYPES = {
    "delivery_led": (40.0, 76.0, 56.0),
    "blurred_success_metrics": (62.0, 64.0, 60.0),
    "distinct": (74.0, 70.0, 78.0),
    "small": (55.0, 58.0, 50.0),
    "plan_light": (72.0, 36.0, 62.0),
    "under_managed": (36.0, 38.0, 44.0),
}
_ROLE_WEIGHTS = {"engineering": 45, "design": 12, "product": 10, "delivery": 10,
                 "go_to_market": 8, "leadership": 5, "other": 10}  # fmt: skip
# Who sees which lens rosier: a perception gap the role overlay can show.
_ROLE_LENS_SHIFT = {"product": (8.0, 0.0, 0.0), "delivery": (0.0, 8.0, 0.0),
                    "leadership": (4.0, 4.0, 10.0)}  # fmt: skip
_COMMENTS = {
    "delivery_led": [
        "Our roadmap is really a list of delivery dates; nobody asks whether last quarter's"
        " features are used.",
        "Success is a green status report. I can't remember the last time we looked at adoption.",
        "The launch date was fixed before anyone defined what success looks like.",
    ],
    "blurred_success_metrics": [
        "We celebrate shipping on time and call it a win, whatever happens to usage afterwards.",
        "It is not clear whether we are judged on the release date or on customer outcomes.",
        "Priorities change every week and it's not obvious who decides.",
    ],
    "distinct": [
        "Product reviews look at usage, delivery reviews at dates; both matter and we know"
        " which is which.",
        "The product lead and the delivery lead plan together, and each knows what they own.",
    ],
    "plan_light": [
        "Lots of discovery and a strong vision, but estimates and dependencies surprise us"
        " every release.",
        "We know why we build things; we rarely know when they will be done.",
    ],
    "under_managed": [
        "Nobody really owns the product after a project closes; support tickets pile up.",
        "We react to whatever is loudest this week.",
    ],
}
_DONT_KNOW_RATE = 0.05


def _archetype_names(n_teams: int) -> list[str]:
    names = list(_ARCHETYPES)
    return [names[i % len(names)] for i in range(n_teams)]


def _profiles(
    bank: Bank, archetypes: list[str], rng: np.random.Generator, blur: float
) -> np.ndarray:
    """Latent scores, shape (teams, scales in bank order)."""
    lens_index = np.array([LENSES.index(lens) for _, lens in bank.scales])
    base = np.array([_ARCHETYPES[name] for name in archetypes])[:, lens_index]
    profiles = base + rng.normal(0.0, 4.0, size=base.shape)
    clarity = lens_index == LENSES.index("clarity")
    profiles[:, clarity] -= blur
    metrics = [d for d, _ in bank.scales]
    target = "success_metrics" if "success_metrics" in metrics else metrics[-1]
    blurred = np.array([d == target for d in metrics]) & clarity
    for t, name in enumerate(archetypes):
        if name == "blurred_success_metrics":
            profiles[t, blurred] = 28.0 - blur
    return np.clip(profiles, 5.0, 95.0)


def _roles(bank: Bank, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Role ids and each respondent's (product, project, clarity) shift."""
    ids = [role.id for role in bank.roles]
    weights = np.array([_ROLE_WEIGHTS.get(role, 5) for role in ids], dtype=float)
    chosen = rng.choice(len(ids), size=n, p=weights / weights.sum())
    shifts = np.array([_ROLE_LENS_SHIFT.get(role, (0.0, 0.0, 0.0)) for role in ids])
    return np.array(ids, dtype=object)[chosen], shifts[chosen]


def _answers(bank: Bank, latent_items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Answers 1..points from item-level latent scores; reverse items from 100 - latent."""
    reverse = np.array([item.reverse for item in bank.items])
    keyed = np.where(reverse, 100.0 - latent_items, latent_items)
    noisy = keyed + rng.normal(0.0, 12.0, size=keyed.shape)
    points = bank.scale.points
    answers = np.clip(np.rint(1 + noisy / 100.0 * (points - 1)), 1, points)
    answers[rng.random(answers.shape) < _DONT_KNOW_RATE] = np.nan
    return answers


def _comments(
    archetypes: list[str], team_of: np.ndarray, sizes: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A few team-level comments, only in teams large enough for comments to be shown."""
    comments = np.full(len(team_of), "", dtype=object)
    for t, name in enumerate(archetypes):
        texts = _COMMENTS.get(name, [])
        if sizes[t] < COMMENT_MIN_GROUP_SIZE or not texts:
            continue
        members = np.flatnonzero(team_of == t)
        comments[rng.choice(members, size=len(texts), replace=False)] = texts
    return comments


def demo_frame(
    bank: Bank,
    *,
    teams: Sequence[str] = DEMO_TEAMS,
    seed: int = 7,
    n_per_team: int | Sequence[int] | None = None,
    blur: float = 0.0,
    start: datetime | None = None,
) -> pd.DataFrame:
    """Synthetic responses in the wide format: submitted_at, team, role, comment, item columns.

    Parameters
    ----------
    bank : the bank whose items are answered.
    teams : team names; each takes the next archetype (delivery-led, blurred
        on success metrics, distinct, small, plan-light, under-managed).
    seed : same seed, same answers.
    n_per_team : respondents per team; by default 24, 30, 18, 3, 12, 9, ...
    blur : points taken off every clarity score (an earlier, blurrier quarter).
    start : first submission time; answers arrive over the following ten days
        (default: two weeks ago).
    """
    rng = np.random.default_rng(seed)
    archetypes = _archetype_names(len(teams))
    if n_per_team is None:
        sizes = np.array([_SIZES[i % len(_SIZES)] for i in range(len(teams))])
    elif isinstance(n_per_team, int):
        sizes = np.full(len(teams), n_per_team)
    else:
        sizes = np.asarray(n_per_team, dtype=int)
    team_of = np.repeat(np.arange(len(teams)), sizes)
    n = len(team_of)
    profiles = _profiles(bank, archetypes, rng, blur)
    roles, role_shift = _roles(bank, n, rng)
    lens_index = np.array([LENSES.index(lens) for _, lens in bank.scales])
    person = rng.normal(0.0, 12.0, size=(n, len(bank.scales))) + rng.normal(0.0, 5.0, size=(n, 1))
    latent = profiles[team_of] + person + role_shift[:, lens_index]
    scale_of_item = [bank.scales.index((item.dimension, item.lens)) for item in bank.items]
    answers = _answers(bank, latent[:, scale_of_item], rng)
    first = start or datetime.now(UTC).replace(microsecond=0) - timedelta(days=14)
    offsets = pd.to_timedelta(np.sort(rng.integers(0, 10 * 24 * 3600, size=n)), unit="s")
    head = pd.DataFrame(
        {
            "submitted_at": (pd.Timestamp(first) + offsets).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "team": np.array(teams, dtype=object)[team_of],
            "role": roles,
            "comment": _comments(archetypes, team_of, sizes, rng),
        }
    )
    return pd.concat([head, pd.DataFrame(answers, columns=bank.item_ids)], axis=1)


def load_demo(engine: Engine, bank: Bank, *, name: str = "Demo round") -> Round:
    """Open two demo rounds -- last quarter's (closed, blurrier) and this one -- with answers.

    Returns the current round. The earlier one gives the "round vs round"
    overlay something to compare; both names say they are a demo.
    """
    now = datetime.now(UTC).replace(microsecond=0)
    earlier = open_round(engine, f"{name} — previous quarter", DEMO_TEAMS, bank)
    frame = demo_frame(
        bank, seed=11, blur=10.0, n_per_team=(21, 27, 16, 3, 11, 8), start=now - timedelta(days=105)
    )
    import_responses(engine, earlier.token, frame, source="demo")
    close_round(engine, earlier.token)
    current = open_round(engine, name, DEMO_TEAMS, bank)
    frame = demo_frame(bank, seed=7, start=now - timedelta(days=14))
    import_responses(engine, current.token, frame, source="demo")
    return current
