"""How many people have answered a round, as far as the privacy decision lets a leader see.

The Rounds page and `assessment round list` show participation while a round
runs. They take it from the same decision as the results page
(`scoring.privacy.decide_groups`), so a team the results hide is never
counted exactly here, and a team of one reads "fewer than 5", not "1".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from assessment.scoring.privacy import decide_groups
from assessment.store import get_round, publish, response_counts
from assessment.vocabulary import HiddenReason, hidden_text, plural

__all__ = ["Participation", "participation"]


@dataclass(frozen=True)
class Participation:
    """A round's published participation: the total and one row per team.

    `teams` has columns ``team, responses, shown, reason``; ``responses`` is
    None where the team is hidden. `total` is None while the whole round has
    fewer responses than its minimum.
    """

    minimum: int
    total: int | None
    total_reason: str
    teams: pd.DataFrame

    def total_text(self) -> str:
        """'24 responses', or 'fewer than 5 responses' while the round is too small."""
        if self.total is None:
            return f"fewer than {self.minimum} responses"
        return plural(self.total, "response")

    def team_texts(self) -> list[tuple[str, str]]:
        """(team, '12' or why it is hidden) for every team, in the round's order."""
        return [
            (
                str(row.team),
                str(int(row.responses))
                if row.shown
                else hidden_text(row.reason or HiddenReason.TOO_SMALL, self.minimum).removesuffix(
                    " — hidden"
                ),
            )
            for row in self.teams.itertuples()
        ]


def participation(engine: Engine, token: str) -> Participation:
    """The round's participation under its privacy decision (what the Rounds page shows)."""
    rnd = get_round(engine, token)
    publish(engine, token)
    counts = response_counts(engine, token, published_only=True)
    groups = decide_groups(counts, rnd.min_group_size, rnd.teams)
    org, teams = groups["org"].iloc[0], groups["team"]
    shown = zip(teams["n"], teams["shown"], strict=True)
    counts = [int(n) if visible else None for n, visible in shown]
    table = pd.DataFrame(
        {
            "team": teams["team"].astype(str),
            "responses": pd.Series(counts, dtype=object, index=teams.index),
            "shown": teams["shown"].astype(bool),
            "reason": teams["reason"].astype(str),
        }
    )
    return Participation(
        minimum=rnd.min_group_size,
        total=int(org["n"]) if bool(org["shown"]) else None,
        total_reason=str(org["reason"]),
        teams=table,
    )
