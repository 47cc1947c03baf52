"""Leader sign-in: the passcode form, the optional single sign-on button, and sign-out.

The passcode form is a plain HTML form that the browser itself posts to the
sign-in route (`ui/server.py`): only an HTTP response can set the HttpOnly
cookie that keeps a leader signed in, and a Streamlit widget talks over the
websocket instead. The route answers with Results, or with this page and
``?sign_in=<problem>`` to say what went wrong.
"""

from __future__ import annotations

import html

import streamlit as st

from assessment.service import auth
from assessment.ui import pages, server
from assessment.ui.common import md_text
from assessment.ui.leader import (
    credential_problem,
    is_leader,
    leader_emails,
    oidc_configured,
    oidc_user_email,
    sign_in_problem_text,
    sign_out,
    take_notice,
)

PASSCODE_FIELD = "passcode"
PROBLEM_PARAM, WAIT_PARAM = "sign_in", "wait"

# Streamlit's look for a form it does not draw: its theme colours and radius, a focus ring.
_FORM = """
<style>
.rr-sign-in {{ display: flex; flex-direction: column; gap: .5rem; max-width: 28rem;
  padding: 1rem; border: 1px solid rgba(49, 51, 63, .2); border-radius: .5rem; }}
.rr-sign-in label {{ font-size: .875rem; }}
.rr-sign-in input {{ font: inherit; padding: .5rem .75rem; border-radius: .5rem;
  border: 1px solid #8a8f99; background: #f3f5fa; color: #1f2430; }}
.rr-sign-in button {{ font: inherit; align-self: flex-start; padding: .375rem .75rem;
  border-radius: .5rem; border: 1px solid #3b5bdb; background: #3b5bdb; color: #ffffff;
  cursor: pointer; }}
.rr-sign-in input:focus-visible, .rr-sign-in button:focus-visible {{
  outline: 2px solid #1f2430; outline-offset: 2px; }}
</style>
<form class="rr-sign-in" method="post" action="{action}">
  <label for="rr-passcode">Leader passcode</label>
  <input id="rr-passcode" name="{field}" type="password" autocomplete="current-password"
    required>
  <button type="submit">Sign in</button>
</form>
"""


def _route_notice() -> None:
    """Show, once, what the sign-in route said, then drop it from the address."""
    problem = st.query_params.get(PROBLEM_PARAM)
    if problem is None:
        return
    try:
        wait = max(0, int(st.query_params.get(WAIT_PARAM, "0")))
    except ValueError:
        wait = 0
    st.error(sign_in_problem_text(problem, wait), icon=":material/error:")
    for name in (PROBLEM_PARAM, WAIT_PARAM):
        st.query_params.pop(name, None)


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
        # Signed in with the identity provider, but not a leader: not listed, or not verified.
        st.warning(
            f"{md_text(email)} is not a verified address on the leader list. Ask whoever runs"
            " Role Radar to add it to ASSESSMENT_LEADER_EMAILS, or sign in with the passcode"
            " below."
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


def _passcode_form() -> None:
    problems = credential_problem()
    if problems:
        # Role Radar's own words about its settings (no one's input), with Markdown meant.
        st.error("Leader sign-in is misconfigured: " + " ".join(problems))
    action = html.escape(server.url_path(server.SIGN_IN_PATH), quote=True)
    st.html(_FORM.format(action=action, field=PASSCODE_FIELD))
    st.caption(
        "The passcode is ASSESSMENT_LEADER_PASSWORD, or the one printed in the terminal at the"
        " first start. Lost it? On the server, run `assessment leader reset-passcode` for a"
        " new one."
    )


st.title("Leader sign-in")
take_notice()
_route_notice()
if is_leader():
    _signed_in()
else:
    st.caption(
        "Leaders open rounds and read the results. Answering a survey needs no sign-in:"
        " just the round link."
    )
    if oidc_configured():
        _single_sign_on()
    _passcode_form()
