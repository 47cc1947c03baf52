"""Leader access for pages: who is signed in, and the gate every leader page calls first."""

from __future__ import annotations

import streamlit as st

LEADER_KEY = "leader_signed_in"


def is_leader() -> bool:
    return bool(st.session_state.get(LEADER_KEY, False))


def require_leader() -> None:
    """Stop the page unless a leader is signed in; respondents never see leader data."""
    if not is_leader():
        st.warning("This page is for leaders. Please sign in first.")
        st.page_link("assessment/pages/sign_in.py", label="Leader sign-in", icon=":material/lock:")
        st.stop()
