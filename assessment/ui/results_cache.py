"""The results page's cache: a round is read and scored once per change of its data.

Keyed on the round token and its response count: a new response (or an
import) changes the count and so the key, while every filter click, overlay
or tab reuses the cached aggregates without touching the database again.
The cached value holds aggregates only (`RoundResults`), never response
rows, so the copy `st.cache_data` hands each rerun stays small. The change
between two rounds (`RoundChange`) is cached the same way, keyed on both
rounds and both response counts.
"""

from __future__ import annotations

import streamlit as st

from assessment import store
from assessment.results.view import RoundChange, RoundResults, build_change, build_results
from assessment.ui.common import engine

__all__ = ["round_change", "round_results"]

CACHE_TTL_SECONDS = 3600  # a closed round's results change only by import; keep an hour
CACHE_MAX_ENTRIES = 32  # a few rounds x a few data versions per process


@st.cache_data(
    ttl=CACHE_TTL_SECONDS,
    max_entries=CACHE_MAX_ENTRIES,
    show_spinner="Scoring the round…",
)
def round_results(token: str, response_count: int) -> RoundResults:
    """Everything the results page shows for one round at one data version.

    `response_count` is part of the cache key only: pass the published count
    (`store.publish(engine(), token)[0]`), so a new step means a new entry.
    """
    db = engine()
    rnd = store.get_round(db, token)
    return build_results(
        store.responses_frame(db, token, published_only=True),
        rnd.bank,
        token=token,
        name=rnd.name,
        min_group_size=rnd.min_group_size,
        teams=rnd.teams,
        comments=store.comments_frame(db, token, published_only=True),
    )


@st.cache_data(
    ttl=CACHE_TTL_SECONDS,
    max_entries=CACHE_MAX_ENTRIES,
    show_spinner="Comparing with the earlier round…",
)
def round_change(
    token: str, response_count: int, earlier_token: str, earlier_count: int
) -> RoundChange:
    """Every shown score's change since an earlier round, at one data version of each.

    The counts are cache keys only, as in `round_results`: a new published
    step in either round means a new comparison. Holds change rows, never
    responses.
    """
    db = engine()
    return build_change(
        store.responses_frame(db, token, published_only=True),
        round_results(token, response_count),
        store.responses_frame(db, earlier_token, published_only=True),
        round_results(earlier_token, earlier_count),
    )
