"""The respondent survey as plain data and functions: steps, progress, review, submission.

The survey page only draws what these functions return, so every rule of the
flow (what counts as answered, which statements are still open, what gets
stored) is tested without Streamlit. A survey is a sequence of steps:

* step 0, "About you": team and role, and the bank's routing question
  (`Bank.project_gate`) when it has one;
* steps 1..N, one section per dimension in bank order;
* step N + 1, "Review": open statements, an optional comment, submit.

A half-filled survey is a `SurveyDraft`. It is saved server-side after every
change under a random resume token, so a refresh or a dropped connection loses
nothing. "Don't know" (and "Not applicable", where the scale offers it apart)
is kept apart from "not answered yet" while the survey runs (it counts as
answered for progress and the review) and becomes a missing value, like a
skipped statement, only when the response is scored.

The routing question: a respondent whose team works without projects answers
"no" and is not shown the statements of the gate's lens (the project lens);
their submission records those statements as not applicable, so they are
missing in scoring and never count as low. A bank without a gate asks every
statement of everyone.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assessment.bank import LINE_BREAKS, Bank, Dimension, Item, control_characters
from assessment.errors import InputError
from assessment.policy import MAX_COMMENT_CHARS

__all__ = [
    "ABOUT_STEP",
    "DONT_KNOW",
    "DONT_KNOW_CODE",
    "DRAFT_COMMENT_CHARS",
    "GATE_COLUMN",
    "NOT_APPLICABLE",
    "NOT_APPLICABLE_CODE",
    "AnswerValue",
    "Progress",
    "Section",
    "StoredAnswer",
    "Submission",
    "SurveyDraft",
    "answer_options",
    "comment_problems",
    "draft_problems",
    "estimated_minutes",
    "gate_problems",
    "hidden_items",
    "is_answer_option",
    "is_resume_token",
    "new_resume_token",
    "option_label",
    "profile_problems",
    "progress",
    "restore_draft",
    "review_step",
    "section_at",
    "sections",
    "shown_items",
    "step_count",
    "submission",
    "unanswered",
]

DONT_KNOW: Final = "dont_know"
NOT_APPLICABLE: Final = "not_applicable"
AnswerValue = int | Literal["dont_know", "not_applicable"]
DONT_KNOW_CODE: Final = 0
"""The number "don't know" is in a coded frame and in answer counts (`store.responses_frame`
with ``kinds=True``); in a bank whose scale has one combined choice, that choice."""
NOT_APPLICABLE_CODE: Final = -1
"""The number "not applicable" is stored as (``answers.value``), in a coded frame and in counts."""
GATE_COLUMN: Final = "works_in_projects"
"""The routing answer's column in a wide frame whose bank asks it: True, False or <NA>."""
ABOUT_STEP: Final = 0
SECONDS_PER_STATEMENT: Final = 14  # reading plus choosing; gives "about 9 minutes" for 40
_RESUME_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class SurveyDraft(BaseModel):
    """One respondent's answers so far. No name, no e-mail: there is nowhere to put them.

    `answers` holds only answered statements (a scale point, `DONT_KNOW` or
    `NOT_APPLICABLE`); a statement not in it is still open.
    `works_in_projects` is the answer to the routing question (None: not yet
    answered, or the bank has none); answers to statements it hides are kept,
    so changing it back loses nothing, but they are not submitted. Frozen, so a
    draft kept in session state changes only through the `with_*` methods,
    each returning a copy.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    team: str | None = None
    role: str | None = None
    works_in_projects: bool | None = None
    answers: dict[str, AnswerValue] = Field(default_factory=dict)
    comment: str = ""
    step: int = Field(default=ABOUT_STEP, ge=0)

    def with_answer(self, item_id: str, value: AnswerValue | None) -> SurveyDraft:
        """Record (or, with None, clear) one answer."""
        answers = {k: v for k, v in self.answers.items() if k != item_id}
        if value is not None:
            answers[item_id] = value
        return self.model_copy(update={"answers": answers})

    def with_profile(self, *, team: str | None, role: str | None) -> SurveyDraft:
        return self.model_copy(update={"team": team, "role": role})

    def with_gate(self, works_in_projects: bool | None) -> SurveyDraft:
        """Record (or, with None, clear) the answer to the routing question."""
        return self.model_copy(update={"works_in_projects": works_in_projects})

    def with_comment(self, comment: str | None) -> SurveyDraft:
        return self.model_copy(update={"comment": comment or ""})

    def at_step(self, step: int, bank: Bank) -> SurveyDraft:
        """Move to `step`, kept inside the survey's steps."""
        return self.model_copy(update={"step": min(max(step, ABOUT_STEP), review_step(bank))})


@dataclass(frozen=True)
class Section:
    """One dimension's statements, shown as one step of the survey."""

    number: int  # 1-based; also the section's step
    dimension: Dimension
    items: tuple[Item, ...]
    first: int  # the survey-wide number of its first statement, so numbering runs on


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int

    @property
    def fraction(self) -> float:
        return self.answered / self.total if self.total else 1.0

    @property
    def label(self) -> str:
        return f"{self.answered} of {self.total} answered"


StoredAnswer = int | Literal["not_applicable"] | None
"""One answer as the store takes it: a point, None for don't know, or `NOT_APPLICABLE`."""


@dataclass(frozen=True)
class Submission:
    """What `store.submit_response` takes: a point, None for "don't know", or `NOT_APPLICABLE`.

    Skipped statements are left out (the store records them as skipped);
    every kind but a point is a missing value in scoring. `works_in_projects`
    is the routing answer (None when the bank has no routing question).
    """

    team: str
    role: str
    answers: dict[str, StoredAnswer]
    comment: str | None
    works_in_projects: bool | None = None


def hidden_items(bank: Bank, works_in_projects: bool | None) -> list[Item]:
    """The statements the routing answer hides: the gate's lens after a "no"; else none."""
    gate = bank.project_gate
    if gate is None or works_in_projects is not False:
        return []
    return [item for item in bank.items if item.lens == gate.lens]


def shown_items(bank: Bank, works_in_projects: bool | None = None) -> list[Item]:
    """The statements a respondent with this routing answer is asked, in bank order."""
    hidden = {item.id for item in hidden_items(bank, works_in_projects)}
    return [item for item in bank.items if item.id not in hidden]


def sections(bank: Bank, works_in_projects: bool | None = None) -> list[Section]:
    """One section per dimension, dimensions and statements in bank order.

    Statements hidden by the routing answer are left out and the numbering
    runs on over those shown; every section stays (each dimension has
    statements of the other lenses too).
    """
    hidden = {item.id for item in hidden_items(bank, works_in_projects)}
    found, first = [], 1
    for number, dimension in enumerate(bank.dimensions, start=1):
        items = tuple(i for i in bank.items_in(dimension.id) if i.id not in hidden)
        found.append(Section(number=number, dimension=dimension, items=items, first=first))
        first += len(items)
    return found


def step_count(bank: Bank) -> int:
    return len(bank.dimensions) + 2


def review_step(bank: Bank) -> int:
    return len(bank.dimensions) + 1


def section_at(bank: Bank, step: int, works_in_projects: bool | None = None) -> Section | None:
    """The section shown at `step`; None for the about-you and review steps."""
    if 1 <= step <= len(bank.dimensions):
        return sections(bank, works_in_projects)[step - 1]
    return None


def answer_options(bank: Bank) -> list[AnswerValue]:
    """Scale points 1..points, then "don't know" and "not applicable" where the bank offers them."""
    options: list[AnswerValue] = list(range(1, bank.scale.points + 1))
    if bank.scale.dont_know:
        options.append(DONT_KNOW)
    if bank.scale.not_applicable:
        options.append(NOT_APPLICABLE)
    return options


def option_label(bank: Bank, option: AnswerValue) -> str:
    if option == DONT_KNOW:
        return bank.scale.dont_know_label
    if option == NOT_APPLICABLE:
        return bank.scale.not_applicable_label
    return bank.scale.labels[int(option) - 1]


def progress(draft: SurveyDraft, bank: Bank) -> Progress:
    """Answered statements (don't know included) out of the statements this respondent is asked."""
    known = {item.id for item in shown_items(bank, draft.works_in_projects)}
    return Progress(answered=len(known & draft.answers.keys()), total=len(known))


def unanswered(draft: SurveyDraft, bank: Bank) -> list[tuple[Section, list[Item]]]:
    """Open statements for the review, grouped by section; sections with none are left out."""
    open_by_section = [
        (section, [item for item in section.items if item.id not in draft.answers])
        for section in sections(bank, draft.works_in_projects)
    ]
    return [(section, items) for section, items in open_by_section if items]


def estimated_minutes(bank: Bank) -> int:
    return max(1, round(len(bank.items) * SECONDS_PER_STATEMENT / 60))


def gate_problems(draft: SurveyDraft, bank: Bank) -> list[str]:
    """The routing question must be answered before the statements, when the bank asks it."""
    if bank.project_gate is not None and draft.works_in_projects is None:
        return ["Please say whether your team's work includes projects."]
    return []


def profile_problems(draft: SurveyDraft, teams: Sequence[str], bank: Bank) -> list[str]:
    """What is missing or wrong in the about-you step, in words for the respondent."""
    problems = []
    if draft.team is None:
        problems.append("Please choose your team.")
    elif draft.team not in teams:
        problems.append(f"'{draft.team}' is not one of this survey's teams; please choose again.")
    if draft.role is None:
        problems.append("Please choose your role.")
    elif draft.role not in {r.id for r in bank.roles}:
        problems.append(f"'{draft.role}' is not one of this survey's roles; please choose again.")
    return problems + gate_problems(draft, bank)


def comment_problems(comment: str) -> list[str]:
    """Comments must stay anonymous and short enough to read."""
    problems = []
    if _EMAIL.search(comment):
        problems.append(
            "Your comment contains an e-mail address. Please remove it: comments are anonymous."
        )
    if len(comment) > MAX_COMMENT_CHARS:
        problems.append(
            f"Your comment is {len(comment)} characters long; please keep it under"
            f" {MAX_COMMENT_CHARS}."
        )
    found = control_characters(comment, allowed=LINE_BREAKS)
    if found:
        problems.append(
            f"Your comment holds an invisible control character ({found}), perhaps pasted"
            " with it; please remove it or retype the comment."
        )
    return problems


def submission(draft: SurveyDraft, teams: Sequence[str], bank: Bank) -> Submission:
    """Turn a draft into a response to store; raise `InputError` listing every problem.

    Unanswered statements are allowed (they are stored as skipped, missing in
    scoring like "don't know"); a missing team, role or routing answer, or a
    comment that is not anonymous, is not. Statements the routing answer hid
    are submitted as not applicable (the combined choice in a scale without
    a separate one): the respondent was told they do not apply.
    """
    comment = draft.comment.strip()
    problems = profile_problems(draft, teams, bank) + comment_problems(comment)
    team, role = draft.team, draft.role
    if problems or team is None or role is None:
        raise InputError(problems)
    hidden = {item.id for item in hidden_items(bank, draft.works_in_projects)}
    answers: dict[str, StoredAnswer] = {}
    for item_id in bank.item_ids:
        if item_id in hidden:
            if bank.scale.not_applicable:
                answers[item_id] = NOT_APPLICABLE
            elif bank.scale.dont_know:  # the combined "don't know / not applicable"
                answers[item_id] = None
        elif item_id in draft.answers:
            answers[item_id] = _stored(draft.answers[item_id])
    gate = draft.works_in_projects if bank.project_gate is not None else None
    return Submission(
        team=team, role=role, answers=answers, comment=comment or None, works_in_projects=gate
    )


def _stored(value: AnswerValue) -> StoredAnswer:
    if value == DONT_KNOW:
        return None
    if value == NOT_APPLICABLE:
        return NOT_APPLICABLE
    return int(value)


def is_answer_option(value: object, bank: Bank) -> bool:
    """Whether `value` is exactly one of the survey's answers: a point, don't know, not applicable.

    Exact types: ``True`` or ``"3"`` or ``3.0`` are not answers, even where
    Python or pydantic would read them as one.
    """
    if type(value) is int:
        return 1 <= value <= bank.scale.points
    if type(value) is not str:
        return False
    return (value == DONT_KNOW and bank.scale.dont_know) or (
        value == NOT_APPLICABLE and bank.scale.not_applicable
    )


_DRAFT_FIELDS = frozenset(SurveyDraft.model_fields)
DRAFT_COMMENT_CHARS: Final = MAX_COMMENT_CHARS * 2
"""A draft may hold a comment this long: over `MAX_COMMENT_CHARS` the review says so."""


def draft_problems(data: object, bank: Bank, teams: Sequence[str]) -> list[str]:
    """Why `data` is not a draft this survey could have written, or [] when it is.

    The store refuses such a draft instead of keeping it: a draft is only ever
    what `SurveyDraft.model_dump` gives for this round, so anything else
    (an answer off the scale, an unknown statement or field) came from
    somewhere else.
    """
    if not isinstance(data, Mapping):
        return ["draft: must be a dictionary"]
    problems = [f"draft: unknown field '{key}'" for key in data if key not in _DRAFT_FIELDS]
    answers = data.get("answers", {})
    if not isinstance(answers, Mapping):
        problems.append("draft: answers: must map statement ids to answers")
        answers = {}
    known = set(bank.item_ids)
    for item_id, value in answers.items():
        if item_id not in known:
            problems.append(f"draft: answers: '{item_id}' is not a statement of this survey")
        elif not is_answer_option(value, bank):
            problems.append(
                f"draft: answers: '{item_id}': {value!r} is not an answer on this survey's scale"
            )
    team, role = data.get("team"), data.get("role")
    if team is not None and (not isinstance(team, str) or team not in teams):
        problems.append(f"draft: team: {team!r} is not one of this round's teams")
    if role is not None and (not isinstance(role, str) or role not in {r.id for r in bank.roles}):
        problems.append(f"draft: role: {role!r} is not one of this survey's roles")
    comment = data.get("comment", "")
    if not isinstance(comment, str):
        problems.append("draft: comment: must be text")
    elif len(comment) > DRAFT_COMMENT_CHARS:
        problems.append(f"draft: comment: longer than {DRAFT_COMMENT_CHARS} characters")
    gate = data.get("works_in_projects")
    if gate is not None and (type(gate) is not bool or bank.project_gate is None):
        problems.append(f"draft: works_in_projects: {gate!r} is not an answer of this survey")
    step = data.get("step", ABOUT_STEP)
    if type(step) is not int or not ABOUT_STEP <= step <= review_step(bank):
        problems.append(f"draft: step: {step!r} is not a step of this survey")
    return problems


def restore_draft(data: Mapping[str, Any] | None, bank: Bank, teams: Sequence[str]) -> SurveyDraft:
    """Rebuild a saved draft, keeping only what still fits the round; a blank one otherwise.

    A draft is only ever written by this app, but it crosses a database and a
    URL: anything unknown (an item id, a value off the scale or of another
    type, a team no longer offered) is dropped rather than shown or stored.
    """
    if not data:
        return SurveyDraft()
    saved = dict(data)
    answers = saved.get("answers")
    if isinstance(answers, Mapping):  # exact values only, before pydantic could coerce them
        item_ids = set(bank.item_ids)
        saved["answers"] = {
            item_id: value
            for item_id, value in answers.items()
            if item_id in item_ids and is_answer_option(value, bank)
        }
    gate = saved.get("works_in_projects")
    if type(gate) is not bool or bank.project_gate is None:
        saved["works_in_projects"] = None
    try:
        draft = SurveyDraft.model_validate(saved)
    except ValidationError:
        return SurveyDraft()
    return SurveyDraft(
        team=draft.team if draft.team in teams else None,
        role=draft.role if draft.role in {r.id for r in bank.roles} else None,
        works_in_projects=draft.works_in_projects,
        answers=dict(draft.answers),
        comment=draft.comment[:DRAFT_COMMENT_CHARS],
    ).at_step(draft.step, bank)


def new_resume_token() -> str:
    """An unguessable token naming one respondent's draft (carried in their URL only)."""
    return secrets.token_urlsafe(24)


def is_resume_token(value: object) -> TypeGuard[str]:
    """Whether a value from the URL can be a resume token (anything else gets a fresh one)."""
    return isinstance(value, str) and bool(_RESUME_TOKEN.match(value))
