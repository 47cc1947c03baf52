"""How many people have answered a round, as far as the privacy decision lets a leader see.

The Rounds page and `assessment round list` show participation while a round
runs. They take it from the same decision as the results page
(`scoring.privacy.decide_groups`), so a team the results hide is never
counted exactly here, and a team of one reads "fewer than 5", not "1".

Response rates come from the expected headcounts a leader gave when the round
opened. A rate is a count divided by a number the leader knows, so it is shown
exactly where the count is: for a shown team, and for the round when its total
is shown and every team has a headcount (a total over only some teams would be
a sum of their counts, hidden ones included). A hidden team keeps its words
and its expected headcount, never a rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from assessment.scoring.privacy import decide_groups
from assessment.store import get_round, publish, response_counts
from assessment.store.rounds import team_headcounts_of
from assessment.vocabulary import HiddenReason, hidden_text, plural

__all__ = ["Participation", "participation", "rate_text"]


def rate_text(responses: int, headcount: int, *, noun: bool = False) -> str:
    """'12 of 20 expected (60%)': a shown count against the expected headcount.

    More answers than expected read as they are ('22 of 20 expected (110%)'):
    the headcount was a guess, the count is what happened.
    """
    count = plural(responses, "response") if noun else str(responses)
    return f"{count} of {headcount} expected ({round(100 * responses / headcount)}%)"


@dataclass(frozen=True)
class Participation:
    """A round's published participation: the total and one row per team.

    `teams` has columns ``team, responses, shown, reason, headcount``;
    ``responses`` is None where the team is hidden, ``headcount`` None where
    the leader gave none. `total` is None while the whole round has fewer
    responses than its minimum.
    """

    minimum: int
    total: int | None
    total_reason: str
    teams: pd.DataFrame

    @property
    def expected(self) -> int | None:
        """The round's expected headcount: the teams' sum, when every team has one."""
        headcounts = list(self.teams["headcount"]) if "headcount" in self.teams else []
        if not headcounts or any(h is None for h in headcounts):
            return None
        return int(sum(headcounts))

    def total_text(self) -> str:
        """'24 responses' ('24 of 40 expected (60%)'), or 'fewer than 5 responses'."""
        if self.total is None:
            return f"fewer than {self.minimum} responses"
        if self.expected is not None:
            return rate_text(self.total, self.expected, noun=True)
        return plural(self.total, "response")

    def team_texts(self) -> list[tuple[str, str]]:
        """(team, '12', '12 of 20 expected (60%)' or why it is hidden) per team, in order.

        A hidden team with a headcount reads 'fewer than 5 responses (20 expected)':
        the headcount is the leader's own number, the count stays unsaid.
        """
        texts = []
        for row in self.teams.itertuples():
            headcount = getattr(row, "headcount", None)
            if row.shown:
                count = int(row.responses)
                text = str(count) if headcount is None else rate_text(count, int(headcount))
            else:
                reason = row.reason or HiddenReason.TOO_SMALL
                text = hidden_text(reason, self.minimum).removesuffix(" — hidden")
                if headcount is not None:
                    text += f" ({int(headcount)} expected)"
            texts.append((str(row.team), text))
        return texts


def participation(engine: Engine, token: str) -> Participation:
    """The round's participation under its privacy decision (what the Rounds page shows)."""
    rnd = get_round(engine, token)
    publish(engine, token)
    counts = response_counts(engine, token, published_only=True)
    groups = decide_groups(counts, rnd.min_group_size, rnd.teams)
    org, teams = groups["org"].iloc[0], groups["team"]
    shown = zip(teams["n"], teams["shown"], strict=True)
    counts = [int(n) if visible else None for n, visible in shown]
    expected = team_headcounts_of(engine, token)
    headcounts = [expected.get(str(team)) for team in teams["team"]]
    table = pd.DataFrame(
        {
            "team": teams["team"].astype(str),
            "responses": pd.Series(counts, dtype=object, index=teams.index),
            "shown": teams["shown"].astype(bool),
            "reason": teams["reason"].astype(str),
            "headcount": pd.Series(headcounts, dtype=object, index=teams.index),
        }
    )
    return Participation(
        minimum=rnd.min_group_size,
        total=int(org["n"]) if bool(org["shown"]) else None,
        total_reason=str(org["reason"]),
        teams=table,
    )
