"""Rounds: open a survey round, share its link, follow the response counts, close it.

Share links start from ASSESSMENT_BASE_URL when it is set, else from the
address this browser is on (`service.setup.link_base`); a loopback address
gets a warning that others cannot open the links, with the fix.

Round, team and bank-file names are what a leader typed or a file holds: every one
is shown through `md_text` (Markdown in a name must not fetch an image or make a
link). Selectbox options need no escaping: Streamlit shows them as plain text.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

from assessment import store
from assessment.bank import load_bank
from assessment.errors import AssessmentError
from assessment.policy import MIN_GROUP_SIZE_FLOOR, default_min_group_size
from assessment.service.participation import participation
from assessment.service.setup import (
    BankFile,
    LinkBase,
    close_question,
    discover_banks,
    link_base,
    parse_team_plan,
    qr_png,
)
from assessment.settings import share_link
from assessment.store.rounds import open_drafts
from assessment.ui import pages
from assessment.ui.common import engine, md_text, settings
from assessment.ui.leader import (
    ROUND_BANK_KEY,
    ROUND_NAME_KEY,
    ROUND_SIZE_KEY,
    ROUND_TEAMS_KEY,
    notify,
    offer_demo,
    require_leader,
    take_notice,
)

# -- opening a round -----------------------------------------------------------------------------


def _set_default_size(banks: dict[str, BankFile]) -> None:
    """A different bank brings its own default minimum group size."""
    chosen = banks[st.session_state[ROUND_BANK_KEY]].bank
    if chosen is not None:
        st.session_state[ROUND_SIZE_KEY] = default_min_group_size(
            chosen.min_group_size, settings().configured_min_group_size
        )


def _open_round(banks: dict[str, BankFile]) -> None:
    try:
        # Re-read the file: it may have changed since the page listed it.
        bank = load_bank(banks[st.session_state[ROUND_BANK_KEY]].path)
        plan = parse_team_plan(st.session_state[ROUND_TEAMS_KEY])
        rnd = store.open_round(
            engine(),
            st.session_state[ROUND_NAME_KEY],
            plan.teams,
            bank,
            int(st.session_state[ROUND_SIZE_KEY]),
            plan.headcounts,
        )
    except AssessmentError as exc:
        problems = "\n".join(f"- {md_text(problem)}" for problem in exc.problems)
        notify("error", f"The round was not opened.\n\n{problems}", slot="open")
        return
    st.session_state[ROUND_NAME_KEY] = ""
    st.session_state[ROUND_TEAMS_KEY] = ""
    notify("success", f"“{md_text(rnd.name)}” is open: share its link below.", slot="opened")


def _broken_banks(broken: list[BankFile]) -> None:
    label = f"{len(broken)} bank file{'s' if len(broken) > 1 else ''} cannot be used"
    with st.expander(label, icon=":material/error:"):
        for bank_file in broken:
            st.markdown(f"**{md_text(bank_file.path.name)}**")
            st.markdown("\n".join(f"- {md_text(problem)}" for problem in bank_file.problems))


def open_round_form() -> None:
    """Bank first (it sets the default group size), then one form: nothing reruns while typing."""
    found = discover_banks()
    banks = {f.path.name: f for f in found if f.bank is not None}
    broken = [f for f in found if f.bank is None]
    if not banks:
        st.error("No usable question bank in questions/: fix the files listed below.")
        _broken_banks(broken)
        return
    if st.session_state.get(ROUND_BANK_KEY) not in banks:
        st.session_state[ROUND_BANK_KEY] = next(iter(banks))
        _set_default_size(banks)
    st.selectbox(
        "Question bank",
        options=list(banks),
        key=ROUND_BANK_KEY,
        format_func=lambda name: banks[name].label,
        on_change=_set_default_size,
        args=(banks,),
    )
    if broken:
        _broken_banks(broken)
    with st.form("open_round_form", border=False, enter_to_submit=False):
        st.text_input(
            "Round name", key=ROUND_NAME_KEY, placeholder="e.g. Q3 check-in", max_chars=200
        )
        st.text_area(
            "Teams",
            key=ROUND_TEAMS_KEY,
            placeholder="Platform = 12\nPayments = 8\nMobile app",
            help="One team per line. Respondents pick their team from this list. To follow"
            " a team's response rate, add = and how many people you expect to answer"
            " (Platform = 12); leave it out where you do not know.",
        )
        st.number_input(
            "Minimum group size",
            key=ROUND_SIZE_KEY,
            min_value=MIN_GROUP_SIZE_FLOOR,
            max_value=100,
            step=1,
            help="Scores of a team or role with fewer respondents are never shown."
            " Respondents are told this number.",
        )
        st.caption("The bank and the minimum group size are fixed once the round opens.")
        st.form_submit_button(
            "Open round",
            key="open_round",
            type="primary",
            icon=":material/play_arrow:",
            on_click=_open_round,
            args=(banks,),
        )
    take_notice(slot="open")


# -- the list of rounds --------------------------------------------------------------------------


def _confirm_key(token: str) -> str:
    return f"confirm_close_{token}"


def _ask_to_close(token: str, asking: bool) -> None:
    """The first click on "Close round" only asks; "Keep it open" forgets the question."""
    st.session_state[_confirm_key(token)] = asking


def _set_open(token: str, is_open: bool) -> None:
    """Close or reopen a round, and say so next to its card."""
    st.session_state.pop(_confirm_key(token), None)
    try:
        change = store.reopen_round if is_open else store.close_round
        rnd = change(engine(), token)
    except AssessmentError as exc:
        notify("error", "\n\n".join(md_text(problem) for problem in exc.problems), slot=token)
        return
    done = "is open again." if is_open else "is closed: its link no longer accepts answers."
    notify("success", f"“{md_text(rnd.name)}” {done}", slot=token)


def _counts_line(token: str) -> str:
    """Participation as the privacy decision allows: exact counts only for shown teams.

    One team a line: a rate or a hidden team's reason is too long to run on in one line.
    """
    seen = participation(engine(), token)
    teams = "\n".join(f"- {md_text(team)}: **{count}**" for team, count in seen.team_texts())
    return f"**{seen.total_text()}**\n\n{teams}"


@st.cache_data(max_entries=64, show_spinner=False)
def _qr(link: str) -> bytes:
    return qr_png(link)


def _status_badge(rnd: store.Round) -> str:
    if rnd.is_open:
        return ":green-badge[:material/radio_button_checked: Open]"
    return ":gray-badge[:material/lock: Closed]"


def share_base() -> LinkBase:
    """Where this page's links start: the setting, else this browser's address."""
    return link_base(settings(), st.context.url, Path(pages.ROUNDS).stem)


def _close_question(rnd: store.Round) -> None:
    """Close asks first and says how many surveys are started and not submitted."""
    with st.container(border=True, key=f"confirm_{rnd.token}"):
        st.markdown(f"**Close “{md_text(rnd.name)}”?**")
        st.caption(close_question(open_drafts(engine(), rnd.token)))
        with st.container(horizontal=True, gap="small"):
            st.button(
                "Close it now",
                key=f"close_now_{rnd.token}",
                type="primary",
                icon=":material/stop_circle:",
                on_click=_set_open,
                args=(rnd.token, False),
            )
            st.button(
                "Keep it open",
                key=f"keep_open_{rnd.token}",
                on_click=_ask_to_close,
                args=(rnd.token, False),
            )


def round_card(rnd: store.Round, base: LinkBase) -> None:
    link = share_link(settings(), rnd.token, base.url)
    with st.container(border=True, key=f"round_{rnd.token}"):
        st.subheader(f"{md_text(rnd.name)} {_status_badge(rnd)}", anchor=False)
        opened = f"Opened {rnd.created_at:%d %b %Y}"
        if rnd.closed_at is not None:
            opened += f", closed {rnd.closed_at:%d %b %Y}"
        st.caption(
            f"{opened} · {md_text(rnd.bank.title)} v{rnd.bank.version}"
            f" · minimum group size {rnd.min_group_size}"
        )
        st.markdown(_counts_line(rnd.token))
        st.code(link, language=None, wrap_lines=True)
        with st.container(horizontal=True, gap="small"):
            with st.popover("QR code", icon=":material/qr_code_2:"):
                png = _qr(link)
                st.image(png, caption=f"Link to “{md_text(rnd.name)}”", width=240)
                st.download_button(
                    "Download PNG",
                    data=png,
                    file_name=f"role-radar-{rnd.token[:8]}.png",
                    mime="image/png",
                    key=f"qr_{rnd.token}",
                    on_click="ignore",
                )
            # In-app, so the leader's session (and sign-in) comes along; nothing is stored.
            with contextlib.suppress(st.errors.StreamlitPageNotFoundError):
                st.page_link(
                    pages.SURVEY,
                    label="Preview survey",
                    icon=":material/visibility:",
                    query_params={"round": rnd.token, "preview": "1"},
                )
            if rnd.is_open:
                st.button(
                    "Close round",
                    key=f"close_{rnd.token}",
                    icon=":material/stop_circle:",
                    on_click=_ask_to_close,
                    args=(rnd.token, True),
                    disabled=bool(st.session_state.get(_confirm_key(rnd.token))),
                )
            else:
                st.button(
                    "Reopen round",
                    key=f"reopen_{rnd.token}",
                    icon=":material/replay:",
                    on_click=_set_open,
                    args=(rnd.token, True),
                )
        if rnd.is_open and st.session_state.get(_confirm_key(rnd.token)):
            _close_question(rnd)
        take_notice(slot=rnd.token)


require_leader()
st.title("Rounds")
st.caption("Open a survey round, share its link, and follow how many people have answered.")
take_notice()
rounds = store.list_rounds(engine())
if not rounds:
    offer_demo()
with st.expander("Open a new round", expanded=not rounds, icon=":material/add_circle:"):
    open_round_form()
take_notice(slot="opened")
if rounds:
    st.header("Your rounds", anchor=False)
    st.caption("Only counts are shown here: scores are on the Results page.")
    base = share_base()
    if base.local:
        headline, fix = base.local_warning()
        st.warning(f"**{md_text(headline)}** {md_text(fix)}", icon=":material/wifi_off:")
    for rnd in rounds:
        round_card(rnd, base)
