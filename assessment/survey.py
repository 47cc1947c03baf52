"""The respondent survey as plain data and functions: steps, progress, review, submission.

The survey page only draws what these functions return, so every rule of the
flow (what counts as answered, which statements are still open, what gets
stored) is tested without Streamlit. A survey is a sequence of steps:

* step 0, "About you": team and role;
* steps 1..N, one section per dimension in bank order;
* step N + 1, "Review": open statements, an optional comment, submit.

A half-filled survey is a `SurveyDraft`. It is saved server-side after every
change under a random resume token, so a refresh or a dropped connection loses
nothing. "Don't know" is kept apart from "not answered yet" while the survey
runs (it counts as answered for progress and the review) and becomes a missing
value, like a skipped statement, only when the response is stored.
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
    "DRAFT_COMMENT_CHARS",
    "AnswerValue",
    "Progress",
    "Section",
    "Submission",
    "SurveyDraft",
    "answer_options",
    "comment_problems",
    "draft_problems",
    "estimated_minutes",
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
    "step_count",
    "submission",
    "unanswered",
]

DONT_KNOW: Final = "dont_know"
AnswerValue = int | Literal["dont_know"]
ABOUT_STEP: Final = 0
SECONDS_PER_STATEMENT: Final = 14  # reading plus choosing; gives "about 10 minutes" for 43
_RESUME_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class SurveyDraft(BaseModel):
    """One respondent's answers so far. No name, no e-mail: there is nowhere to put them.

    `answers` holds only answered statements (a scale point or `DONT_KNOW`);
    a statement not in it is still open. Frozen, so a draft kept in session
    state changes only through the `with_*` methods, each returning a copy.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    team: str | None = None
    role: str | None = None
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


@dataclass(frozen=True)
class Submission:
    """What `store.submit_response` takes: answered items only, None for "don't know".

    Skipped statements are left out (the store records them as skipped); both
    kinds become an empty cell in exports and a missing value in scoring.
    """

    team: str
    role: str
    answers: dict[str, int | None]
    comment: str | None


def sections(bank: Bank) -> list[Section]:
    """One section per dimension, dimensions and statements in bank order."""
    found, first = [], 1
    for number, dimension in enumerate(bank.dimensions, start=1):
        items = tuple(bank.items_in(dimension.id))
        found.append(Section(number=number, dimension=dimension, items=items, first=first))
        first += len(items)
    return found


def step_count(bank: Bank) -> int:
    return len(bank.dimensions) + 2


def review_step(bank: Bank) -> int:
    return len(bank.dimensions) + 1


def section_at(bank: Bank, step: int) -> Section | None:
    """The section shown at `step`; None for the about-you and review steps."""
    if 1 <= step <= len(bank.dimensions):
        return sections(bank)[step - 1]
    return None


def answer_options(bank: Bank) -> list[AnswerValue]:
    """Scale points 1..points, then "don't know" when the bank offers it."""
    points: list[AnswerValue] = list(range(1, bank.scale.points + 1))
    return [*points, DONT_KNOW] if bank.scale.dont_know else points


def option_label(bank: Bank, option: AnswerValue) -> str:
    if option == DONT_KNOW:
        return bank.scale.dont_know_label
    return bank.scale.labels[int(option) - 1]


def progress(draft: SurveyDraft, bank: Bank) -> Progress:
    """Answered statements (don't know included) out of all statements."""
    known = set(bank.item_ids)
    return Progress(answered=len(known & draft.answers.keys()), total=len(known))


def unanswered(draft: SurveyDraft, bank: Bank) -> list[tuple[Section, list[Item]]]:
    """Open statements for the review, grouped by section; sections with none are left out."""
    open_by_section = [
        (section, [item for item in section.items if item.id not in draft.answers])
        for section in sections(bank)
    ]
    return [(section, items) for section, items in open_by_section if items]


def estimated_minutes(bank: Bank) -> int:
    return max(1, round(len(bank.items) * SECONDS_PER_STATEMENT / 60))


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
    return problems


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
    scoring like "don't know"); a missing team or role, or a comment that is
    not anonymous, is not.
    """
    comment = draft.comment.strip()
    problems = profile_problems(draft, teams, bank) + comment_problems(comment)
    team, role = draft.team, draft.role
    if problems or team is None or role is None:
        raise InputError(problems)
    answers = {
        item_id: None if draft.answers[item_id] == DONT_KNOW else int(draft.answers[item_id])
        for item_id in bank.item_ids
        if item_id in draft.answers
    }
    return Submission(team=team, role=role, answers=answers, comment=comment or None)


def is_answer_option(value: object, bank: Bank) -> bool:
    """Whether `value` is exactly one of the survey's answers: a scale point or "don't know".

    Exact types: ``True`` or ``"3"`` or ``3.0`` are not answers, even where
    Python or pydantic would read them as one.
    """
    if type(value) is int:
        return 1 <= value <= bank.scale.points
    return value == DONT_KNOW and type(value) is str and bank.scale.dont_know


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
    try:
        draft = SurveyDraft.model_validate(saved)
    except ValidationError:
        return SurveyDraft()
    return SurveyDraft(
        team=draft.team if draft.team in teams else None,
        role=draft.role if draft.role in {r.id for r in bank.roles} else None,
        answers=dict(draft.answers),
        comment=draft.comment[:DRAFT_COMMENT_CHARS],
    ).at_step(draft.step, bank)


def new_resume_token() -> str:
    """An unguessable token naming one respondent's draft (carried in their URL only)."""
    return secrets.token_urlsafe(24)


def is_resume_token(value: object) -> TypeGuard[str]:
    """Whether a value from the URL can be a resume token (anything else gets a fresh one)."""
    return isinstance(value, str) and bool(_RESUME_TOKEN.match(value))
