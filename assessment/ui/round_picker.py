"""The round menu at the top of every leader page that reads a round's results.

One function, so Results, Statements and Import & export open on the same
round by the same rule (`results.view.default_round`: the newest round with
visible results) and label rounds the same way, with published counts only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from assessment import store
from assessment.results.text import round_label
from assessment.results.view import default_round
from assessment.scoring.privacy import shown_total
from assessment.ui.common import engine

__all__ = ["PickedRound", "pick_round"]


@dataclass(frozen=True)
class PickedRound:
    """The chosen round, every round's published count, and every round (newest first)."""

    round: store.Round
    counts: dict[str, int]
    rounds: list[store.Round]

    @property
    def published(self) -> int:
        return self.counts[self.round.token]


def pick_round(key: str, on_change: Callable[[], None] | None = None) -> PickedRound | None:
    """Draw the round menu under `key`; None when there is no round yet.

    Publishing runs here (`store.publish`), before anything is read, so every
    count and label is of released responses only. A remembered choice that
    no longer exists falls back to the default round.
    """
    db = engine()
    rounds = store.list_rounds(db)
    if not rounds:
        return None
    counts = {r.token: store.publish(db, r.token)[0] for r in rounds}  # published only
    by_token = {r.token: r for r in rounds}
    if st.session_state.get(key) not in by_token:
        st.session_state[key] = default_round(rounds, counts) or rounds[0].token
    token = st.selectbox(
        "Round",
        options=list(by_token),
        key=key,
        on_change=on_change,
        format_func=lambda t: round_label(
            by_token[t].name,
            by_token[t].created_at,
            shown_total(counts[t], by_token[t].min_group_size),
            by_token[t].is_open,
        ),
    )
    return PickedRound(by_token[token], counts, rounds)
