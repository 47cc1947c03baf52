"""Role Radar: the Streamlit entry point. It only builds the navigation."""

import streamlit as st

from assessment.pages.leader import is_leader

st.set_page_config(page_title="Role Radar", page_icon=":material/radar:", layout="centered")

survey = st.Page(
    "assessment/pages/survey.py", title="Survey", icon=":material/checklist:", default=True
)
sign_in = st.Page("assessment/pages/sign_in.py", title="Leader sign-in", icon=":material/lock:")
rounds = st.Page("assessment/pages/rounds.py", title="Rounds", icon=":material/event_note:")
results = st.Page("assessment/pages/results.py", title="Results", icon=":material/radar:")
data = st.Page("assessment/pages/data.py", title="Import & export", icon=":material/swap_vert:")

if is_leader():
    leader_pages = [results, rounds, data, sign_in]
    navigation = st.navigation({"Leader": leader_pages, "Respondents": [survey]})
else:
    # Respondents arriving by a round link see the survey alone, with nothing to wander into.
    hide = "round" in st.query_params
    navigation = st.navigation([survey, sign_in], position="hidden" if hide else "sidebar")
navigation.run()
