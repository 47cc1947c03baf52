"""Role Radar: the Streamlit entry point. It only builds the navigation."""

import streamlit as st

from assessment.pages.leader import is_leader

st.set_page_config(page_title="Role Radar", page_icon=":material/radar:", layout="centered")

leader = is_leader()
# Leader pages stay registered (hidden) for everyone else, so a bookmarked /results asks
# for sign-in instead of failing; each of them calls require_leader() before showing data.
shown = "visible" if leader else "hidden"
survey = st.Page(
    "assessment/pages/survey.py", title="Survey", icon=":material/checklist:", default=True
)
sign_in = st.Page("assessment/pages/sign_in.py", title="Leader sign-in", icon=":material/lock:")
results = st.Page(
    "assessment/pages/results.py", title="Results", icon=":material/radar:", visibility=shown
)
rounds = st.Page(
    "assessment/pages/rounds.py", title="Rounds", icon=":material/event_note:", visibility=shown
)
data = st.Page(
    "assessment/pages/data.py", title="Import & export", icon=":material/swap_vert:",
    visibility=shown,
)  # fmt: skip

if leader:
    pages = {"Leader": [results, rounds, data, sign_in], "Respondents": [survey]}
    navigation = st.navigation(pages)
else:
    # Respondents arriving by a round link see the survey alone, with nothing to wander into.
    hide = "round" in st.query_params
    navigation = st.navigation(
        [survey, sign_in, results, rounds, data], position="hidden" if hide else "sidebar"
    )
navigation.run()
