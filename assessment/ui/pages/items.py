"""Statements: does each statement of the bank work? The item analysis of one round.

For whoever maintains the question bank: which statements many cannot
answer, which run against their scale (likely keyed the wrong way round),
and how well each scale hangs together. Over the whole round's published
responses only, never per team, and only when the round's total may be
shown at all (`results.statements`); the numbers come from
`scoring.item_analysis`, this script lays them out.
"""

from __future__ import annotations

import streamlit as st

from assessment import store
from assessment.errors import AssessmentError
from assessment.results.statements import (
    flag_notes,
    scale_rows,
    statement_rows,
    statements_shown,
)
from assessment.scoring.item_analysis import ItemAnalysis, item_analysis, kinds_of
from assessment.ui.common import engine, md_text
from assessment.ui.leader import offer_demo, require_leader, take_notice
from assessment.ui.round_picker import pick_round

ROUND_KEY = "statements_round"


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Analysing the statements…")
def analysis_of(token: str, published: int) -> ItemAnalysis:
    """The round's item analysis at one data version (`published` is part of the key only)."""
    db = engine()
    bank = store.get_round(db, token).bank
    frame = store.responses_frame(db, token, published_only=True, kinds=True)
    return item_analysis(frame, bank, kinds_of(bank, coded=True))


require_leader()
st.title("Statements")
take_notice()
if offer_demo(key="load_demo_statements"):
    st.stop()
try:
    picked = pick_round(ROUND_KEY)
    if picked is None:
        st.info("No rounds yet. Open one on the Rounds page.")
        st.stop()
    rnd, published = picked.round, picked.published
    if not statements_shown(published, rnd.min_group_size):
        st.info(
            f"The statements are analysed once the round has at least {rnd.min_group_size}"
            " published responses, the same rule as for any score shown."
        )
        st.stop()
    analysis = analysis_of(rnd.token, published)
except AssessmentError as exc:
    st.error("\n\n".join(map(md_text, exc.problems)))
    st.stop()
bank = rnd.bank
st.caption(
    f"Over all {published} published responses of the round, never per team or role."
    " Correlations and alphas use the respondents who answered every statement of a scale."
)
st.header("Statements to look at")
notes = flag_notes(analysis, bank)
if not notes:
    st.success("No statement is flagged.", icon=":material/check_circle:")
for item_id, text, why in notes:
    st.markdown(f"- **{md_text(text)}** ({md_text(item_id)}): {md_text(why)}.")
st.header("Scales")
st.caption(
    f"Alpha shows whether a scale's statements measure one thing; below"
    f" {bank.findings.alpha_min:g} its score deserves caution. The interval is Feldt's 95%"
    " interval: wide when few answered."
)
st.dataframe(scale_rows(analysis, bank), hide_index=True, key="statements_scales")
st.header("Every statement")
st.caption(
    "Rates are percent of responses. Item-rest r: how the statement goes with the rest of"
    " its scale (reverse-keyed statements counted the right way round); below 0 it runs"
    " against them. Alpha without it: the scale's alpha if the statement were dropped."
)
st.dataframe(statement_rows(analysis, bank), hide_index=True, key="statements_items")
