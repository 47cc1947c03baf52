"""Leader access for pages: who is signed in, the gate of every leader page, the demo offer.

The checks themselves live in `assessment.service.auth` and `assessment.store.sessions`
(no Streamlit); this module keeps the session-state keys in one place and turns outcomes
into messages. A leader is

- a browser whose leader cookie (set by the sign-in route, `ui/server.py`) names a live
  leader session: checked against the database on every run, so a reload or a new tab
  stays signed in, signing out anywhere ends it everywhere, and a copied Streamlit session
  id without the cookie grants nothing (session state holds no sign-in at all); or
- when ``[auth]`` is set up in secrets.toml, a signed-in OpenID Connect user whose
  verified e-mail is on the ``ASSESSMENT_LEADER_EMAILS`` list.
"""

from __future__ import annotations

import contextlib
from typing import Any

import streamlit as st

from assessment import store
from assessment.bank import load_bank
from assessment.errors import AssessmentError
from assessment.service import auth, demo
from assessment.store import sessions
from assessment.ui import pages, server
from assessment.ui.common import engine, md_text, settings

__all__ = [
    "GATE",
    "ROUND_BANK_KEY",
    "ROUND_NAME_KEY",
    "ROUND_SIZE_KEY",
    "ROUND_TEAMS_KEY",
    "credential_problem",
    "is_leader",
    "leader_cookie",
    "leader_emails",
    "notify",
    "offer_demo",
    "oidc_configured",
    "oidc_user_email",
    "require_leader",
    "sign_in_problem_text",
    "sign_out",
    "take_notice",
]

# Widget keys of the leader pages, here so tests can import them without running a page.
ROUND_NAME_KEY, ROUND_TEAMS_KEY = "round_name", "round_teams"
ROUND_BANK_KEY, ROUND_SIZE_KEY = "round_bank", "round_size"
_NOTICE_KEY = "leader_notice"


def _env_password() -> str | None:
    secret = settings().leader_password
    return secret.get_secret_value() if secret is not None else None


@st.cache_resource(show_spinner=False)
def _env_credential() -> auth.LeaderCredential | None:
    """The chosen password, hashed once per process rather than at every page view."""
    env_password = _env_password()
    if not env_password:
        return None
    return auth.leader_credential(engine(), env_password)


def credential_problem() -> list[str]:
    """What is wrong with the leader credential's configuration (a malformed hash), if anything."""
    try:
        _env_credential() or auth.leader_credential(engine())
    except AssessmentError as exc:
        return list(exc.problems)
    return []


# -- OpenID Connect ------------------------------------------------------------------------------


def oidc_configured() -> bool:
    """True when secrets.toml has an ``[auth]`` section, i.e. `st.login` can be offered."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def leader_emails() -> frozenset[str]:
    """The OIDC leader allow-list (ASSESSMENT_LEADER_EMAILS); empty when unset or invalid."""
    try:
        return auth.parse_emails(settings().leader_emails)
    except AssessmentError as exc:
        st.error("The leader e-mail list is invalid.\n\n" + "\n\n".join(map(md_text, exc.problems)))
        return frozenset()


def _oidc_user() -> dict[str, Any]:
    if not oidc_configured() or not st.user.get("is_logged_in"):
        return {}
    return dict(st.user.to_dict())


def oidc_user_email() -> str | None:
    """The e-mail of the OIDC user signed in to this session, if any (verified or not)."""
    email = _oidc_user().get("email")
    return str(email) if email else None


def _oidc_leader() -> str | None:
    user = _oidc_user()
    return auth.oidc_leader_email(user, leader_emails()) if user else None


# -- the gate ------------------------------------------------------------------------------------


def leader_cookie() -> str | None:
    """The leader session token this browser sent with the page's connection, if any."""
    token = st.context.cookies.get(server.COOKIE)
    return str(token) if token else None


def is_leader() -> bool:
    """True when this browser may see leader pages; asks the database on every run."""
    token = leader_cookie()
    if token is not None and sessions.is_active(engine(), token):
        return True
    return _oidc_leader() is not None


GATE = "This page is for leaders. Please sign in first."
"""What a leader page says, and all it shows, to a browser that is not signed in."""


def require_leader() -> None:
    """Stop the page unless a leader is signed in; respondents never see leader data."""
    if not is_leader():
        st.warning(GATE, icon=":material/lock:")
        # Outside the app's navigation (a test, a direct run) there is no page to link to.
        with contextlib.suppress(st.errors.StreamlitPageNotFoundError):
            st.page_link(pages.SIGN_IN, label="Leader sign-in", icon=":material/login:")
        st.stop()


# -- signing in and out --------------------------------------------------------------------------


def _too_many(wait: int) -> str:
    return f"Too many attempts; try again in {wait} s."


def sign_in_problem_text(problem: str, wait: int) -> str:
    """What the sign-in route's answer ``?sign_in=<problem>&wait=<s>`` means, in words."""
    if problem == "wrong":
        return "That passcode is not right." + (f" {_too_many(wait)}" if wait else "")
    if problem == "wait":
        return _too_many(max(wait, 1))
    if problem == "missing":
        return (
            "No leader passcode is set up. Restart the server to have one printed,"
            " or set ASSESSMENT_LEADER_PASSWORD."
        )
    return "Leader sign-in did not work. The server log says why."


def sign_out() -> None:
    """End this browser's leader session in every tab (and the OIDC sign-in, if any)."""
    sessions.revoke(engine(), leader_cookie())
    if oidc_user_email() is not None:
        st.logout()


def notify(kind: str, text: str, slot: str = "page") -> None:
    """Keep a message from a callback for the next render (callbacks run before the page).

    `slot` says where it shows: a page's top, or next to the widget that
    caused it (a long page does not scroll back up after a click). `text` is
    Markdown: callers pass names, file names and problems through `md_text`.
    """
    st.session_state[f"{_NOTICE_KEY}:{slot}"] = (kind, text)


def take_notice(slot: str = "page") -> bool:
    """Show, once, the message a callback left for `slot`; True when there was one."""
    notice = st.session_state.pop(f"{_NOTICE_KEY}:{slot}", None)
    if notice is None:
        return False
    kind, text = notice
    show = {"success": st.success, "error": st.error, "warning": st.warning}.get(kind, st.info)
    show(text)
    return True


# -- the demo ------------------------------------------------------------------------------------


def _load_demo() -> None:
    try:
        current = demo.load_demo(engine(), load_bank())
    except AssessmentError as exc:
        problems = "\n\n".join(md_text(problem) for problem in exc.problems)
        notify("error", "The demo could not be loaded.\n\n" + problems)
        return
    name = md_text(current.name)
    notify("success", f"Demo loaded: “{name}” and the quarters before it, with answers.")


def offer_demo(key: str = "load_demo") -> bool:
    """Offer the demo rounds when the database has no round yet; True when the offer is shown.

    A newcomer then sees a full dashboard in one click instead of an empty page.
    """
    if store.list_rounds(engine()):
        return False
    with st.container(border=True):
        st.markdown("**No rounds yet.** Load the demo to see a full dashboard at once.")
        st.caption(
            f"{len(demo.demo_round_names())} rounds of realistic made-up answers from"
            f" {len(demo.DEMO_TEAMS)} teams, a quarter apart. Open your own round whenever"
            " you are ready; the demo rounds"
            " are clearly named."
        )
        st.button(
            "Load the demo round",
            key=key,
            type="primary",
            icon=":material/auto_awesome:",
            on_click=_load_demo,
        )
    return True
