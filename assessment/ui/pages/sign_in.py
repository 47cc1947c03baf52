"""Leader sign-in: the passcode form, the optional single sign-on button, and sign-out."""

from __future__ import annotations

import streamlit as st

from assessment.service import auth
from assessment.ui import pages
from assessment.ui.common import md_text
from assessment.ui.leader import (
    PASSCODE_KEY,
    is_leader,
    leader_emails,
    notify,
    oidc_configured,
    oidc_user_email,
    sign_in_with_passcode,
    sign_out,
    take_notice,
    wait_seconds,
)


def _submit_passcode() -> None:
    problem = sign_in_with_passcode(st.session_state.get(PASSCODE_KEY, ""))
    st.session_state[PASSCODE_KEY] = ""  # never keep a typed passcode around
    if problem:
        notify("error", problem)


def _signed_in() -> None:
    email = oidc_user_email()
    signed_in = f"Signed in as {md_text(email)}." if email else "Signed in."
    st.success(signed_in, icon=":material/verified_user:")
    st.markdown("Where to next?")
    st.page_link(pages.RESULTS, label="Results", icon=":material/radar:")
    st.page_link(pages.ROUNDS, label="Rounds", icon=":material/event_note:")
    st.page_link(pages.DATA, label="Import & export", icon=":material/swap_vert:")
    st.button("Sign out", key="sign_out", icon=":material/logout:", on_click=sign_out)


def _single_sign_on() -> None:
    email = oidc_user_email()
    if email is not None:
        # Signed in with the identity provider, but not on the leader list.
        st.warning(
            f"{md_text(email)} is not on the leader list. Ask whoever runs Role Radar to add it to"
            " ASSESSMENT_LEADER_EMAILS, or sign in with the passcode below."
        )
        st.button("Sign out of single sign-on", key="sso_sign_out", on_click=st.logout)
    elif not auth.authlib_installed():
        st.error("Single sign-on is configured but needs Authlib: pip install 'streamlit[auth]'")
    else:
        if not leader_emails():
            st.caption("No leader e-mails are listed yet (ASSESSMENT_LEADER_EMAILS).")
        st.button(
            "Sign in with single sign-on",
            key="sso_sign_in",
            type="primary",
            icon=":material/badge:",
            on_click=st.login,
        )
    st.divider()


def _passcode_form(noticed: bool) -> None:
    wait = wait_seconds()
    with st.form("sign_in_form", border=True, enter_to_submit=True):
        st.text_input(
            "Leader passcode",
            key=PASSCODE_KEY,
            type="password",
            autocomplete="current-password",
            help="ASSESSMENT_LEADER_PASSWORD, or the passcode printed in the terminal"
            " at the first start.",
        )
        st.form_submit_button(
            "Sign in", key="sign_in_submit", type="primary", on_click=_submit_passcode
        )
    if wait and not noticed:
        st.caption(f"Too many attempts; try again in {wait} s.")
    st.caption(
        "Lost the passcode? On the server, run `assessment leader reset-passcode`"
        " for a new one, or set ASSESSMENT_LEADER_PASSWORD and restart."
    )


st.title("Leader sign-in")
noticed = take_notice()
if is_leader():
    _signed_in()
else:
    st.caption(
        "Leaders open rounds and read the results. Answering a survey needs no sign-in:"
        " just the round link."
    )
    if oidc_configured():
        _single_sign_on()
    _passcode_form(noticed)
