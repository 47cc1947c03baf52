"""Leader access for pages: who is signed in, the gate of every leader page, the demo offer.

The checks themselves live in `assessment.service.auth` (no Streamlit); this module
keeps the session-state keys in one place and turns outcomes into messages.
A leader is a session that entered the passcode, or — when ``[auth]`` is set
up in secrets.toml — a signed-in OpenID Connect user whose e-mail is on the
``ASSESSMENT_LEADER_EMAILS`` list.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from assessment import store
from assessment.bank import load_bank
from assessment.errors import AssessmentError
from assessment.service import auth, demo
from assessment.ui import pages
from assessment.ui.common import engine, md_text, settings

__all__ = [
    "LEADER_KEY",
    "PASSCODE_KEY",
    "ROUND_BANK_KEY",
    "ROUND_NAME_KEY",
    "ROUND_SIZE_KEY",
    "ROUND_TEAMS_KEY",
    "is_leader",
    "leader_emails",
    "notify",
    "offer_demo",
    "oidc_configured",
    "oidc_user_email",
    "require_leader",
    "sign_in_with_passcode",
    "sign_out",
    "take_notice",
    "wait_seconds",
]

LEADER_KEY = "leader_signed_in"
# Widget keys of the leader pages, here so tests can import them without running a page.
PASSCODE_KEY = "sign_in_passcode"
ROUND_NAME_KEY, ROUND_TEAMS_KEY = "round_name", "round_teams"
ROUND_BANK_KEY, ROUND_SIZE_KEY = "round_bank", "round_size"
_BACKOFF_KEY = "leader_backoff"
_NOTICE_KEY = "leader_notice"


def _env_password() -> str | None:
    secret = settings().leader_password
    return secret.get_secret_value() if secret is not None else None


@st.cache_resource(show_spinner=False)
def _announce_passcode() -> bool:
    """Create the first-start passcode and print it, once per process (not per session)."""
    env_password = _env_password()
    passcode = auth.ensure_passcode(engine(), env_password)
    print(auth.passcode_banner(passcode, env_password=bool(env_password)), flush=True)
    return True


@st.cache_resource(show_spinner=False)
def _env_credential() -> auth.LeaderCredential | None:
    """The chosen password, hashed once per process rather than at every attempt."""
    env_password = _env_password()
    if not env_password:
        return None
    return auth.leader_credential(engine(), env_password)


def _credential() -> auth.LeaderCredential | None:
    # The stored hash is read at every attempt, so `assessment leader reset-passcode`
    # takes effect without a restart.
    return _env_credential() or auth.leader_credential(engine())


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


def oidc_user_email() -> str | None:
    """The e-mail of the OIDC user signed in to this session, if any."""
    if not oidc_configured() or not st.user.get("is_logged_in"):
        return None
    email = st.user.get("email")
    return str(email) if email else None


# -- the gate ------------------------------------------------------------------------------------


def is_leader() -> bool:
    """True when this session may see leader pages."""
    _announce_passcode()
    if st.session_state.get(LEADER_KEY, False):
        return True
    email = oidc_user_email()
    return email is not None and auth.email_allowed(email, leader_emails())


def require_leader() -> None:
    """Stop the page unless a leader is signed in; respondents never see leader data."""
    if not is_leader():
        st.warning("This page is for leaders. Please sign in first.", icon=":material/lock:")
        # Outside the app's navigation (a test, a direct run) there is no page to link to.
        with contextlib.suppress(st.errors.StreamlitPageNotFoundError):
            st.page_link(pages.SIGN_IN, label="Leader sign-in", icon=":material/login:")
        st.stop()


# -- signing in and out --------------------------------------------------------------------------


def _backoff() -> auth.Backoff:
    backoff = st.session_state.get(_BACKOFF_KEY)
    return backoff if isinstance(backoff, auth.Backoff) else auth.Backoff()


def wait_seconds() -> int:
    """Seconds this session must wait before its next passcode attempt counts."""
    return _backoff().wait_seconds(auth.clock())


def _too_many(wait: int) -> str:
    return f"Too many attempts; try again in {wait} s."


def sign_in_with_passcode(passcode: str) -> str | None:
    """Check a passcode for this session; None on success, else the message to show.

    Attempts during a wait are refused without being checked or counted.
    """
    now = auth.clock()
    backoff = _backoff()
    if backoff.is_locked(now):
        return _too_many(backoff.wait_seconds(now))
    if not passcode:
        return "Enter the leader passcode."
    try:
        credential = _credential()
        accepted = credential is not None and credential.accepts(passcode)
    except AssessmentError as exc:  # a malformed hash in the settings or the database
        # Role Radar's own words about its settings (no one's input), with Markdown meant.
        return "Leader sign-in is misconfigured: " + " ".join(exc.problems)
    if credential is None:
        return "No leader passcode is set up. Set ASSESSMENT_LEADER_PASSWORD and restart."
    if accepted:
        st.session_state[LEADER_KEY] = True
        st.session_state.pop(_BACKOFF_KEY, None)
        return None
    backoff = backoff.failed(now)
    st.session_state[_BACKOFF_KEY] = backoff
    wait = backoff.wait_seconds(now)
    return "That passcode is not right." + (f" {_too_many(wait)}" if wait else "")


def sign_out() -> None:
    """Forget the leader credential of this session (and the OIDC sign-in, if any)."""
    st.session_state[LEADER_KEY] = False
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
    notify("success", f"Demo loaded: “{name}” and the quarter before it, with answers.")


def offer_demo(key: str = "load_demo") -> bool:
    """Offer the demo rounds when the database has no round yet; True when the offer is shown.

    A newcomer then sees a full dashboard in one click instead of an empty page.
    """
    if store.list_rounds(engine()):
        return False
    with st.container(border=True):
        st.markdown("**No rounds yet.** Load the demo to see a full dashboard at once.")
        st.caption(
            f"Two rounds of realistic made-up answers from {len(demo.DEMO_TEAMS)} teams,"
            " a quarter apart. Open your own round whenever you are ready; the demo rounds"
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
