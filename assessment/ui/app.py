"""The app's navigation: which pages a visitor sees. Both entry scripts call `run`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import streamlit as st

from assessment.ui import pages
from assessment.ui.leader import is_leader
from assessment.ui.server import OPERATIONAL_ERRORS, friendly_error
from assessment.ui.theme import use_focus_ring

ICON = Path(__file__).resolve().parent / "icon.png"


def run() -> None:
    """Configure the page and run the page the URL points at."""
    # A local icon: a Material icon as the page icon makes every browser, respondents'
    # included, fetch it from a font server outside this installation.
    st.set_page_config(page_title="Role Radar", page_icon=str(ICON), layout="centered")
    use_focus_ring()  # a keyboard focus ring of 3:1 or more (ui/theme.py)
    try:
        _navigate()
    except OPERATIONAL_ERRORS as exc:  # the database went away: an apology, not a traceback
        friendly_error(exc)


def _navigate() -> None:
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
    statements = st.Page(
        pages.STATEMENTS, title="Statements", icon=":material/fact_check:", visibility=shown
    )
    if leader:
        navigation = st.navigation(
            {"Leader": [results, statements, rounds, data, sign_in], "Respondents": [survey]}
        )
    else:
        # Respondents arriving by a round link see the survey alone, with nothing to wander into.
        hide = "round" in st.query_params
        navigation = st.navigation(
            [survey, sign_in, results, statements, rounds, data],
            position="hidden" if hide else "sidebar",
        )
    navigation.run()
