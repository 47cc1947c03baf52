"""Realistic synthetic answers from a latent model, so a newcomer sees a full dashboard at once.

The model is the one the instrument assumes. Each team has a true score
(0-100) on every (dimension, lens) scale, from an archetype the findings
should recover: one team is delivery-led, one blurred on success metrics, one
distinct, one plan-light, one under-managed, and one so small (3 people) that
its scores stay hidden in every round. A respondent's true score on a scale
is the team's, plus what their role sees (product people see more product
practice, delivery people more project practice, leaders more clarity), plus
their own deviation. Each answer adds item noise to that, is keyed (a
reverse-keyed statement is answered from ``100 - score``), and then shifted by
the respondent's *acquiescence* -- a tendency to agree with whatever is said
-- before it is rounded onto the answer scale. Scoring reverses the keyed
statements again, so in a scale with statements of both kinds the tendency
cancels out; in a scale without, it inflates the score and the reliability.

Three quarterly rounds share the teams' true scores (fixed by their own seed),
so whatever differs between rounds is sampling noise, except for one real
change: in the latest quarter the first team (Checkout) started judging success
by product outcomes, and its product score on success metrics rises by 24
points (true score; about 20 as sampled). One cell is deliberately on a
threshold: the third team's (Payments) true clarity on the second dimension
is 50, so its interval crosses 50 and its verdict is borderline. About 5% of
answers are "don't know", and one statement about product outcomes is one
that many people cannot answer (about 35%).

Everything is drawn at once with numpy; the same seed gives the same answers.
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

__all__ = [
    "BORDERLINE",
    "CHANGE",
    "DEMO_TEAMS",
    "QUARTERS",
    "demo_frame",
    "demo_round_names",
    "demo_scale",
    "load_demo",
    "simulated_answers",
]

DEMO_TEAMS = ("Checkout", "Search", "Payments", "Mobile", "Platform", "Growth")
_SIZES = (24, 30, 18, 3, 12, 9)  # varied; Mobile is deliberately under every threshold
# Respondents per team in the earlier rounds, oldest first: similar, never the same.
_EARLIER_SIZES = ((22, 26, 17, 3, 10, 8), (21, 27, 16, 3, 11, 8))
_EARLIER_SEEDS = (12, 14)  # the respondents' draws of the earlier rounds, oldest first
_SEED = 7  # the latest round's draw
QUARTERS = ("two quarters ago", "previous quarter")
"""Name suffixes of the earlier demo rounds, oldest first; the latest round has none."""
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
_ROLE_LENS_SHIFT = {"product": (12.0, 0.0, 0.0), "delivery": (0.0, 12.0, 0.0),
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
_PROFILE_SEED = 20240101  # the teams' true scores and the statements' offsets: every round alike
_TEAM_JITTER = 4.0  # sd of a team's true score around its archetype, per scale
_ITEM_OFFSET = 5.0  # sd of how much easier or harder a statement is to agree with
_PERSON_GENERAL = 4.0  # sd of a respondent's shift on every scale alike
_PERSON_SCALE = 9.0  # sd of a respondent's own deviation, per scale
_ITEM_NOISE = 8.0  # sd of one answer around its respondent's scale score
_ACQUIESCENCE = 7.0  # sd of a respondent's tendency to agree, in score points
_DONT_KNOW_RATE = 0.05
_HARD_ITEM_DONT_KNOW = 0.35  # the statement many cannot answer
_BLURRED_METRICS = 28.0  # the blurred team's clarity on success metrics
CHANGE = 24.0
"""Points by which the first team's true score on the change scale rose in the latest round."""
BORDERLINE = 50.0
"""The third team's true clarity on the borderline dimension (`demo_scale`): near 50."""


def demo_scale(bank: Bank, role: str) -> tuple[str, str]:
    """The (dimension, lens) scale of a demo story, in whatever bank is used.

    ``"change"``: the product lens of success metrics (else the last
    dimension), where the first team rises. ``"borderline"``: the clarity lens
    of the second dimension (else the first), where the third team sits near 50.
    ``"hard"``: the scale of the statement many cannot answer (the change scale).
    """
    dimensions = bank.dimension_ids
    if role in ("change", "hard"):
        metrics = "success_metrics" if "success_metrics" in dimensions else dimensions[-1]
        return metrics, "product"
    if role == "borderline":
        return dimensions[1 if len(dimensions) > 1 else 0], "clarity"
    raise ValueError(f"unknown demo scale {role!r}")


def demo_round_names(name: str = "Demo round") -> list[str]:
    """The demo rounds' names, newest first (as `store.list_rounds` returns them)."""
    return [name, *(f"{name} — {quarter}" for quarter in reversed(QUARTERS))]


def _archetype_names(n_teams: int) -> list[str]:
    names = list(_ARCHETYPES)
    return [names[i % len(names)] for i in range(n_teams)]


def _profiles(bank: Bank, archetypes: list[str], quarters_ago: int) -> np.ndarray:
    """True team scores, shape (teams, scales in bank order): the same in every round.

    Drawn from their own seed, so the rounds differ by sampling alone, except for
    the one real change, which earlier rounds lack.
    """
    rng = np.random.default_rng(_PROFILE_SEED)
    lens_index = np.array([LENSES.index(lens) for _, lens in bank.scales])
    base = np.array([_ARCHETYPES[name] for name in archetypes])[:, lens_index]
    profiles = base + rng.normal(0.0, _TEAM_JITTER, size=base.shape)
    blurred_metrics = bank.scales.index((demo_scale(bank, "change")[0], "clarity"))
    borderline = bank.scales.index(demo_scale(bank, "borderline"))
    change = bank.scales.index(demo_scale(bank, "change"))
    for t, name in enumerate(archetypes):
        if name == "blurred_success_metrics":
            profiles[t, blurred_metrics] = _BLURRED_METRICS
        if name == "distinct":
            profiles[t, borderline] = BORDERLINE
    if quarters_ago == 0 and len(archetypes) > 0:
        profiles[0, change] += CHANGE
    return np.clip(profiles, 5.0, 95.0)


def _item_offsets(bank: Bank) -> np.ndarray:
    """How much easier each statement is to agree with than its scale: fixed per statement."""
    rng = np.random.default_rng(_PROFILE_SEED + 1)
    return rng.normal(0.0, _ITEM_OFFSET, size=len(bank.items))


def _roles(bank: Bank, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Role ids and each respondent's (product, project, clarity) shift."""
    ids = [role.id for role in bank.roles]
    weights = np.array([_ROLE_WEIGHTS.get(role, 5) for role in ids], dtype=float)
    chosen = rng.choice(len(ids), size=n, p=weights / weights.sum())
    shifts = np.array([_ROLE_LENS_SHIFT.get(role, (0.0, 0.0, 0.0)) for role in ids])
    return np.array(ids, dtype=object)[chosen], shifts[chosen]


def _dont_know_rates(bank: Bank) -> np.ndarray:
    """Per statement: the usual rate, and a high one for the first statement of the change scale."""
    rates = np.full(len(bank.items), _DONT_KNOW_RATE)
    hard = bank.items_in(*demo_scale(bank, "hard"))[0].id
    rates[bank.item_ids.index(hard)] = _HARD_ITEM_DONT_KNOW
    return rates


def simulated_answers(
    bank: Bank, true_items: np.ndarray, acquiescence: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Answers 1..points (NaN: don't know) from true scores, as the demo's respondents give them.

    Parameters
    ----------
    bank : gives the scale's points and which statements are reverse-keyed.
    true_items : shape (respondents, items): each respondent's true score (0-100)
        on the scale of each item, in bank item order.
    acquiescence : shape (respondents,): each one's tendency to agree, in points.
    rng : the draw.

    Notes
    -----
    A statement's answer is its true score plus the statement's fixed offset
    and noise; a reverse-keyed one is answered from ``100 - that``; then the
    tendency to agree is added (after keying, so scoring, which reverses the
    keyed statements back, subtracts it) and the sum is rounded onto the scale.
    """
    reverse = np.array([item.reverse for item in bank.items])
    latent = true_items + _item_offsets(bank) + rng.normal(0.0, _ITEM_NOISE, true_items.shape)
    keyed = np.where(reverse, 100.0 - latent, latent) + acquiescence[:, None]
    points = bank.scale.points
    answers = np.clip(np.rint(1 + keyed / 100.0 * (points - 1)), 1, points)
    answers[rng.random(answers.shape) < _dont_know_rates(bank)] = np.nan
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
    seed: int = _SEED,
    n_per_team: int | Sequence[int] | None = None,
    quarters_ago: int = 0,
    start: datetime | None = None,
) -> pd.DataFrame:
    """Synthetic responses in the wide format: submitted_at, team, role, comment, item columns.

    Parameters
    ----------
    bank : the bank whose items are answered (any valid bank).
    teams : team names; each takes the next archetype (delivery-led, blurred
        on success metrics, distinct, small, plan-light, under-managed).
    seed : the respondents' draw; same seed, same answers. The teams' true
        scores do not depend on it.
    n_per_team : respondents per team; by default 24, 30, 18, 3, 12, 9, ...
    quarters_ago : 0 for the latest round, which has the first team's rise by
        `CHANGE` points; earlier rounds (1, 2, ...) lack it.
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
    profiles = _profiles(bank, archetypes, quarters_ago)
    roles, role_shift = _roles(bank, n, rng)
    lens_index = np.array([LENSES.index(lens) for _, lens in bank.scales])
    person = rng.normal(0.0, _PERSON_SCALE, size=(n, len(bank.scales)))
    person += rng.normal(0.0, _PERSON_GENERAL, size=(n, 1))
    true_scales = profiles[team_of] + person + role_shift[:, lens_index]
    acquiescence = rng.normal(0.0, _ACQUIESCENCE, size=n)
    scale_of_item = [bank.scales.index((item.dimension, item.lens)) for item in bank.items]
    answers = simulated_answers(bank, true_scales[:, scale_of_item], acquiescence, rng)
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
    """Open three quarterly demo rounds, the two earlier ones closed, all with answers.

    Returns the latest (open) round. The earlier ones give "round vs round"
    and the trend something to compare: the teams are the same, one of them
    really changed. Every name says it is a demo (`demo_round_names`).
    """
    now = datetime.now(UTC).replace(microsecond=0)
    # Oldest first, so the rounds' creation order is their order in time.
    earlier = zip(QUARTERS, _EARLIER_SIZES, _EARLIER_SEEDS, strict=True)
    for position, (quarter, sizes, seed) in enumerate(earlier):
        ago = len(QUARTERS) - position
        rnd = open_round(engine, f"{name} — {quarter}", DEMO_TEAMS, bank)
        frame = demo_frame(
            bank, seed=seed, quarters_ago=ago, n_per_team=sizes,
            start=now - timedelta(days=14 + 91 * ago),
        )  # fmt: skip
        import_responses(engine, rnd.token, frame, source="demo")
        close_round(engine, rnd.token)
    current = open_round(engine, name, DEMO_TEAMS, bank)
    frame = demo_frame(bank, seed=_SEED, start=now - timedelta(days=14))
    import_responses(engine, current.token, frame, source="demo")
    return current
