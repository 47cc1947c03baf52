"""Import & export: a round's CSV files to download, and answers collected elsewhere to bring in.

Downloads are built when clicked (`exports.round_export`). An upload is read
and checked in full (`forms.prepare_import`) and shown -- format, column
mapping, dropped personal columns, problems -- before the leader confirms; the
import then stores the rows that same check validated (`plan.require_validated`),
all or none, so the page never offers an import the store then refuses. A closed
round, and one that collects answers through its link, is offered no import at
all (`store.import_responses` refuses both).

Everything from a file (its name, cells and headers quoted in problems and
notes) and every round name is shown through `md_text`: a crafted cell must not
make the leader's browser fetch an image or show a link.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from assessment import store
from assessment.errors import AssessmentError
from assessment.interchange.forms import ImportPlan, prepare_import
from assessment.policy import COMMENT_MIN_GROUP_SIZE, MAX_IMPORT_BYTES
from assessment.service.exports import (
    GROUPINGS,
    comments_file,
    export_name,
    responses_file,
    round_export,
)
from assessment.store.responses import answers_source
from assessment.ui.common import engine, md_text
from assessment.ui.leader import notify, offer_demo, require_leader, take_notice
from assessment.ui.round_picker import pick_round

ROUND_KEY = "data_round"
SCORES_BY_KEY, RETRO_BY_KEY = "data_scores_by", "data_retro_by"
COMMENTS_BY_KEY = "data_comments_by"
UPLOAD_KEY, CONFIRM_KEY = "data_upload", "data_confirm_import"
IMPORTED_KEY = "data_imported"  # file digests imported in this session
UPLOAD_TYPES = ["csv", "txt", "tsv"]  # Excel saves "Unicode text" (UTF-16, tabs) as .txt
NOTICE_SLOT = "import"  # import messages show by the import button, not at the page top
WHOLE = "Whole organisation"
RETRO_GROUPINGS = [WHOLE, "By team"]


# -- downloads -----------------------------------------------------------------------------------


def _built_on_click(token: str, kind: str, by: tuple[str, ...]) -> Callable[[], bytes]:
    return lambda: round_export(engine(), token, kind, by).data


def download_button(label: str, key: str, rnd: store.Round, kind: str, by: tuple[str, ...]) -> None:
    st.download_button(
        label,
        data=_built_on_click(rnd.token, kind, by),
        file_name=export_name(rnd, kind, by),
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def grouping(label: str, options: list[str], key: str) -> tuple[str, ...]:
    choice = st.segmented_control(label, options, key=key, default=WHOLE)
    return GROUPINGS[choice or WHOLE]


def downloads(rnd: store.Round, responses: int) -> None:
    st.header("Download", anchor=False)
    if not responses:
        st.info("This round has no responses yet: only its codebook can be downloaded.")
    else:
        with st.container(border=True):
            st.markdown(
                "**Scores** — every dimension and lens; groups below the minimum size stay empty"
            )
            st.caption("Dimension, lens and role names stand beside their ids.")
            by = grouping("Scores for", list(GROUPINGS), SCORES_BY_KEY)
            download_button("Scores CSV", "download_scores", rnd, "scores", by)
        with st.container(border=True):
            st.markdown(
                "**Retro pack** — findings and retrospective prompts, one row per dimension"
            )
            st.caption(
                "One prompt per column: pasted into a retro board, each becomes its own sticky."
            )
            by = grouping("Retro pack for", RETRO_GROUPINGS, RETRO_BY_KEY)
            download_button("Retro pack CSV", "download_retro", rnd, "retro", by)
        with st.container(border=True):
            comments_download(rnd)
        with st.container(border=True):
            responses_download(rnd, responses)
    with st.container(border=True):
        st.markdown(
            "**Codebook** — what each column of the responses file means: every statement's"
            " text, dimension, lens and keying, and what each answer value stands for"
        )
        download_button("Codebook CSV", "download_codebook", rnd, "codebook", ())


def comments_download(rnd: store.Round) -> None:
    """Comments, word for word, under each group the results page shows them for (10 or more)."""
    st.markdown(
        f"**Comments** — word for word, under each group of {COMMENT_MIN_GROUP_SIZE} or more"
        " respondents"
    )
    problem = comments_file(engine(), rnd.token)
    if problem is not None:
        st.info(problem, icon=":material/visibility_off:")
        return
    st.caption(
        f"Groups with fewer than {COMMENT_MIN_GROUP_SIZE} respondents show none of their"
        " comments here, as on the results page; comments carry no answers, times or ids."
    )
    by = grouping("Comments for", list(GROUPINGS), COMMENTS_BY_KEY)
    download_button("Comments CSV", "download_comments", rnd, "comments", by)


def responses_download(rnd: store.Round, responses: int) -> None:
    """Only what the privacy decision lets through, or no file (scoring/microdata.py)."""
    offer, minimum = responses_file(engine(), rnd.token), rnd.min_group_size
    if offer.problem is not None:
        st.markdown("**Responses** — one row per response: not offered for this round")
        st.info(offer.problem, icon=":material/visibility_off:")
        return
    held = {
        ("team", "role"): "with team and role (every team × role group has at least"
        f" {minimum} people)",
        ("team",): "with team; role left empty, because some roles within a team are"
        f" fewer than {minimum} people",
        ("role",): "with role; team left empty, because some teams within a role are"
        f" fewer than {minimum} people",
        (): f"without team or role: either would narrow some people down to fewer than {minimum}",
    }[offer.columns]
    st.markdown(f"**Responses** — all {responses} responses, one row each, in random order")
    st.caption(
        f"Answers {held}. Days, not times; fresh ids; no comments. Statements and roles by id:"
        " the codebook below names them. Keep this file among leaders; share scores or the"
        " retro pack instead."
    )
    download_button("Responses CSV", "download_responses", rnd, "responses", ())


# -- import --------------------------------------------------------------------------------------


def _import(token: str, name: str, data: bytes, filename: str) -> None:
    """Store a checked file (callback: runs once per click, before the page redraws)."""
    imported: set[str] = st.session_state.setdefault(IMPORTED_KEY, set())
    try:
        rnd = store.get_round(engine(), token)
        plan = prepare_import(data, rnd.bank, filename, teams=rnd.teams)
        if plan.digest in imported:
            return  # a second click that arrived while the first was being stored
        count = store.import_responses(engine(), token, plan.require_validated(), source="import")
    except AssessmentError as exc:
        notify("error", "Nothing was imported.\n\n" + bullets(exc.problems), slot=NOTICE_SLOT)
        return
    imported.add(plan.digest)
    notify(
        "success",
        f"Imported {count} responses from {md_text(filename)} into “{md_text(name)}”.",
        slot=NOTICE_SLOT,
    )


def bullets(lines: list[str]) -> str:
    """Messages as a Markdown list, each shown as typed (they quote cells and headers)."""
    return "\n".join(f"- {md_text(line)}" for line in lines)


def show_plan(plan: ImportPlan) -> None:
    """What the file is and how it maps: problems first, then notes, then every column."""
    source, rows = md_text(plan.source), plan.rows_read
    st.markdown(f"**{md_text(plan.format_name)}** · {source} · {rows} rows")
    if plan.problems:
        st.error("Nothing can be imported yet. Fix these in the file and upload it again:\n\n"
                 + bullets(plan.problems))  # fmt: skip
    for message in plan.messages:
        st.info(md_text(message), icon=":material/info:")
    with st.expander(
        f"Column mapping ({len(plan.columns)} columns)", expanded=plan.format != "wide"
    ):
        st.dataframe(
            plan.mapping_frame(),
            hide_index=True,
            width="stretch",
            column_config={
                # Widths that fit the centred layout, so "matched by" is not cut off.
                "column": st.column_config.TextColumn("Column in the file", width=300),
                "imported as": st.column_config.TextColumn("Imported as", width=160),
                "matched by": st.column_config.TextColumn("Matched by", width=240),
            },
        )


def importable(rnd: store.Round) -> bool:
    """Whether `rnd` takes imports; if not, say why and what to do instead."""
    name = md_text(rnd.name)
    if not rnd.is_open:
        st.info(
            f"“{name}” is closed, so it takes no imported answers. Reopen it on the Rounds"
            " page to add answers collected meanwhile.",
            icon=":material/lock:",
        )
        return False
    if answers_source(engine(), rnd.token) in ("link", "both"):
        st.info(
            f"“{name}” collects answers through its link, so it takes no imported ones: mixed"
            " with answers you know, they would give a real person's answers away. Open a new"
            " round for these answers and import them there.",
            icon=":material/link:",
        )
        return False
    return True


def imports(rnd: store.Round) -> None:
    st.header("Import", anchor=False)
    st.caption(
        "A Role Radar responses CSV, a Google Forms export (Responses → Download responses),"
        " or a Microsoft Forms export saved from Excel as *CSV UTF-8* (or *Unicode text*)."
        " Names and e-mail addresses are dropped, never stored."
        f" Up to {MAX_IMPORT_BYTES // 2**20} MB."
    )
    if not importable(rnd):
        take_notice(slot=NOTICE_SLOT)  # what the last import click did, if anything
        return
    upload = st.file_uploader(
        "Responses file",
        type=UPLOAD_TYPES,
        key=UPLOAD_KEY,
        max_upload_size=MAX_IMPORT_BYTES // 2**20,
    )
    if upload is None:
        take_notice(slot=NOTICE_SLOT)
        return
    data = upload.getvalue()
    try:
        plan = prepare_import(data, rnd.bank, upload.name, teams=rnd.teams)
    except AssessmentError as exc:
        st.error("This file cannot be imported.\n\n" + bullets(exc.problems))
        return
    show_plan(plan)
    if take_notice(slot=NOTICE_SLOT) or plan.problems:
        return
    if plan.digest in st.session_state.get(IMPORTED_KEY, set()):
        st.success("This file has been imported.", icon=":material/check_circle:")
        return
    st.button(
        f"Import {plan.rows} responses into “{md_text(rnd.name)}”",
        key=CONFIRM_KEY,
        type="primary",
        icon=":material/upload:",
        on_click=_import,
        args=(rnd.token, rnd.name, data, upload.name),
    )


# -- the page ------------------------------------------------------------------------------------


def render() -> None:
    require_leader()
    st.title("Import & export", anchor=False)
    st.caption(
        "Download a round as CSV for spreadsheets and retros, or bring in answers from a form."
    )
    take_notice()
    picked = pick_round(ROUND_KEY)
    if picked is None:
        if not offer_demo():
            st.info("No rounds yet. Open one on the Rounds page.")
        return
    downloads(picked.round, picked.published)
    imports(picked.round)


# Streamlit runs a page as __main__; a test importing the keys above renders nothing.
if __name__ == "__main__":
    render()
