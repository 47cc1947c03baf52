"""The app's navigation: which pages a visitor sees. Both entry scripts call `run`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import streamlit as st

from assessment.ui import pages
from assessment.ui.leader import is_leader

ICON = Path(__file__).resolve().parent / "icon.png"


def run() -> None:
    """Configure the page and run the page the URL points at."""
    # A local icon: a Material icon as the page icon makes every browser, respondents'
    # included, fetch it from a font server outside this installation.
    st.set_page_config(page_title="Role Radar", page_icon=str(ICON), layout="centered")
    leader = is_leader()
    # Leader pages stay registered (hidden) for everyone else, so a bookmarked /results asks
    # for sign-in instead of failing; each of them calls require_leader() before showing data.
    shown: Literal["visible", "hidden"] = "visible" if leader else "hidden"
    survey = st.Page(pages.SURVEY, title="Survey", icon=":material/checklist:", default=True)
    sign_in = st.Page(pages.SIGN_IN, title="Leader sign-in", icon=":material/lock:")
    results = st.Page(pages.RESULTS, title="Results", icon=":material/radar:", visibility=shown)
    rounds = st.Page(pages.ROUNDS, title="Rounds", icon=":material/event_note:", visibility=shown)
    data = st.Page(
        pages.DATA, title="Import & export", icon=":material/swap_vert:", visibility=shown
    )
    if leader:
        navigation = st.navigation(
            {"Leader": [results, rounds, data, sign_in], "Respondents": [survey]}
        )
    else:
        # Respondents arriving by a round link see the survey alone, with nothing to wander into.
        hide = "round" in st.query_params
        navigation = st.navigation(
            [survey, sign_in, results, rounds, data], position="hidden" if hide else "sidebar"
        )
    navigation.run()
