"""The survey's rules without Streamlit: steps, progress, review, submission, restore."""

from __future__ import annotations

import pytest

from assessment.bank import Bank, bank_from_dict
from assessment.errors import BankError, InputError
from assessment.policy import MAX_COMMENT_CHARS
from assessment.survey import (
    ABOUT_STEP,
    DONT_KNOW,
    NOT_APPLICABLE,
    SurveyDraft,
    answer_options,
    comment_problems,
    draft_problems,
    estimated_minutes,
    is_resume_token,
    new_resume_token,
    option_label,
    profile_problems,
    progress,
    restore_draft,
    review_step,
    section_at,
    sections,
    step_count,
    submission,
    unanswered,
)

TEAMS = ("Payments", "Search")
GATE = "Does your team's work include projects?"


def gated(bank: Bank, *, apart: bool = True) -> Bank:
    """`bank` with the routing question; with `apart`, don't know and not applicable apart."""
    data = bank.model_dump()
    data["project_gate"] = {"text": GATE}
    if apart:
        data["scale"] |= {"dont_know_label": "Don't know", "not_applicable": True}
    return bank_from_dict(data)


def profiled(**fields: object) -> SurveyDraft:
    return SurveyDraft(team="Search", role="engineering").model_copy(update=fields)


def test_sections_follow_bank_order(default_bank: Bank) -> None:
    found = sections(default_bank)
    assert [s.dimension.id for s in found] == [
        "purpose",
        "scope",
        "responsibility",
        "success_metrics",
    ]
    assert [s.number for s in found] == [1, 2, 3, 4]
    assert [s.first for s in found] == [1, 11, 21, 31]  # 10 statements each
    assert [item.id for s in found for item in s.items] == default_bank.item_ids


def test_steps_are_about_sections_review(tiny_bank: Bank) -> None:
    assert step_count(tiny_bank) == 4
    assert review_step(tiny_bank) == 3
    assert section_at(tiny_bank, ABOUT_STEP) is None
    assert section_at(tiny_bank, 1).dimension.id == "purpose"  # type: ignore[union-attr]
    assert section_at(tiny_bank, 2).dimension.id == "scope"  # type: ignore[union-attr]
    assert section_at(tiny_bank, 3) is None


@pytest.mark.parametrize(("asked", "landed"), [(-3, 0), (0, 0), (2, 2), (3, 3), (99, 3)])
def test_at_step_stays_inside_the_survey(tiny_bank: Bank, asked: int, landed: int) -> None:
    assert SurveyDraft().at_step(asked, tiny_bank).step == landed


def test_answer_options_end_with_dont_know(tiny_bank: Bank) -> None:
    options = answer_options(tiny_bank)
    assert options == [1, 2, 3, 4, 5, DONT_KNOW]
    assert option_label(tiny_bank, 1) == "Strongly disagree"
    assert option_label(tiny_bank, 5) == "Strongly agree"
    assert option_label(tiny_bank, DONT_KNOW) == "Don't know / not applicable"


def test_answer_options_without_dont_know(tiny_bank: Bank) -> None:
    bank = tiny_bank.model_copy(
        update={"scale": tiny_bank.scale.model_copy(update={"dont_know": False})}
    )
    assert answer_options(bank) == [1, 2, 3, 4, 5]


def test_progress_counts_dont_know_as_answered(default_bank: Bank) -> None:
    draft = SurveyDraft()
    assert progress(draft, default_bank).label == "0 of 40 answered"
    first, eleventh = default_bank.item_ids[0], default_bank.item_ids[10]
    draft = draft.with_answer(first, 4).with_answer(eleventh, DONT_KNOW)
    done = progress(draft, default_bank)
    assert (done.answered, done.total, done.label) == (2, 40, "2 of 40 answered")
    assert done.fraction == pytest.approx(2 / 40)


def test_progress_ignores_items_not_in_the_bank(tiny_bank: Bank) -> None:
    draft = SurveyDraft(answers={"purpose.product.1": 3, "gone.item": 2})
    assert progress(draft, tiny_bank).answered == 1


def test_clearing_an_answer_reopens_it(tiny_bank: Bank) -> None:
    draft = SurveyDraft().with_answer("purpose.product.1", 3).with_answer("purpose.product.1", None)
    assert draft.answers == {}
    assert progress(draft, tiny_bank).answered == 0


def test_with_methods_leave_the_original_unchanged() -> None:
    draft = SurveyDraft()
    changed = draft.with_answer("a", 2).with_profile(team="T", role="other").with_comment("hi")
    assert draft == SurveyDraft()
    assert (changed.team, changed.role, changed.comment, changed.answers) == (
        "T",
        "other",
        "hi",
        {"a": 2},
    )


def test_unanswered_lists_open_statements_by_section(tiny_bank: Bank) -> None:
    answered = {item_id: 3 for item_id in tiny_bank.item_ids}
    del answered["purpose.project.2"], answered["scope.clarity.1"], answered["scope.clarity.3"]
    answered["purpose.clarity.1"] = DONT_KNOW  # don't know is an answer, not an open statement
    review = unanswered(SurveyDraft(answers=answered), tiny_bank)
    assert [(s.dimension.id, [i.id for i in items]) for s, items in review] == [
        ("purpose", ["purpose.project.2"]),
        ("scope", ["scope.clarity.1", "scope.clarity.3"]),
    ]


def test_unanswered_is_empty_when_all_answered(tiny_bank: Bank) -> None:
    draft = SurveyDraft(answers=dict.fromkeys(tiny_bank.item_ids, DONT_KNOW))
    assert unanswered(draft, tiny_bank) == []


def test_unanswered_lists_everything_for_a_blank_draft(tiny_bank: Bank) -> None:
    review = unanswered(SurveyDraft(), tiny_bank)
    assert [len(items) for _, items in review] == [9, 9]


def test_submission_maps_dont_know_to_none_and_leaves_out_skipped(tiny_bank: Bank) -> None:
    draft = SurveyDraft(
        team="Search",
        role="engineering",
        answers={"purpose.product.1": 5, "purpose.product.2": DONT_KNOW, "scope.clarity.3": 1},
        comment="  More time for discovery, please.  ",
    )
    result = submission(draft, TEAMS, tiny_bank)
    assert (result.team, result.role) == ("Search", "engineering")
    assert result.answers == {
        "purpose.product.1": 5,
        "purpose.product.2": None,
        "scope.clarity.3": 1,
    }
    assert result.comment == "More time for discovery, please."


def test_submission_blank_comment_is_none(tiny_bank: Bank) -> None:
    draft = SurveyDraft(team="Search", role="other", comment="   ")
    assert submission(draft, TEAMS, tiny_bank).comment is None


def test_submission_answers_follow_bank_order(tiny_bank: Bank) -> None:
    answers = dict.fromkeys(reversed(tiny_bank.item_ids), 2)
    draft = SurveyDraft(team="Search", role="other", answers=answers)
    assert list(submission(draft, TEAMS, tiny_bank).answers) == tiny_bank.item_ids


@pytest.mark.parametrize(
    ("team", "role", "expected"),
    [
        (None, None, ["Please choose your team.", "Please choose your role."]),
        ("Search", None, ["Please choose your role."]),
        (None, "engineering", ["Please choose your team."]),
        (
            "Sales",
            "engineering",
            ["'Sales' is not one of this survey's teams; please choose again."],
        ),
        ("Search", "wizard", ["'wizard' is not one of this survey's roles; please choose again."]),
        ("Search", "engineering", []),
    ],
)
def test_profile_problems(
    tiny_bank: Bank, team: str | None, role: str | None, expected: list[str]
) -> None:
    draft = SurveyDraft(team=team, role=role)
    assert profile_problems(draft, TEAMS, tiny_bank) == expected


def test_submission_without_team_and_role_names_both(tiny_bank: Bank) -> None:
    with pytest.raises(InputError) as caught:
        submission(SurveyDraft(answers={"purpose.product.1": 2}), TEAMS, tiny_bank)
    assert caught.value.problems == ["Please choose your team.", "Please choose your role."]


@pytest.mark.parametrize(
    ("comment", "fragment"),
    [
        ("Ask me: jane.doe@example.com", "e-mail address"),
        ("x" * (MAX_COMMENT_CHARS + 1), f"under {MAX_COMMENT_CHARS}"),
    ],
)
def test_comment_problems(comment: str, fragment: str) -> None:
    (problem,) = comment_problems(comment)
    assert fragment in problem


def test_comment_without_problems() -> None:
    assert comment_problems("We ship @ speed, but who decides what? 100% unclear.") == []


def test_submission_rejects_an_email_in_the_comment(tiny_bank: Bank) -> None:
    draft = SurveyDraft(team="Search", role="other", comment="mail bob@corp.io")
    with pytest.raises(InputError, match="e-mail address"):
        submission(draft, TEAMS, tiny_bank)


def test_restore_round_trips_a_saved_draft(tiny_bank: Bank) -> None:
    draft = SurveyDraft(
        team="Payments",
        role="design",
        answers={"purpose.product.1": 1, "scope.project.2": DONT_KNOW},
        comment="ok",
        step=2,
    )
    assert restore_draft(draft.model_dump(mode="json"), tiny_bank, TEAMS) == draft


@pytest.mark.parametrize("saved", [None, {}, {"answers": "not a mapping"}, {"step": -1}])
def test_restore_gives_a_blank_draft_for_nothing_usable(tiny_bank: Bank, saved: object) -> None:
    assert restore_draft(saved, tiny_bank, TEAMS) == SurveyDraft()  # type: ignore[arg-type]


def test_restore_drops_what_no_longer_fits(tiny_bank: Bank) -> None:
    saved = {
        "team": "Disbanded team",
        "role": "astronaut",
        "answers": {"purpose.product.1": 9, "unknown.item": 2, "scope.product.1": 4},
        "step": 42,
    }
    restored = restore_draft(saved, tiny_bank, TEAMS)
    assert restored == SurveyDraft(answers={"scope.product.1": 4}, step=review_step(tiny_bank))


def test_estimated_minutes(default_bank: Bank, tiny_bank: Bank) -> None:
    assert estimated_minutes(default_bank) == 9  # 40 statements x 14 s
    assert estimated_minutes(tiny_bank) == 4


def test_resume_tokens_are_fresh_and_recognised() -> None:
    first, second = new_resume_token(), new_resume_token()
    assert first != second
    assert is_resume_token(first) and is_resume_token(second)


@pytest.mark.parametrize("value", [None, "", "short", "x" * 65, "has space in it 123456", 12345])
def test_is_resume_token_rejects_junk(value: object) -> None:
    assert not is_resume_token(value)


# -- the routing question and the two answers off the scale --------------------------------------


def test_a_bank_without_routing_question_asks_everything(tiny_bank: Bank) -> None:
    assert tiny_bank.project_gate is None
    assert profile_problems(profiled(), TEAMS, tiny_bank) == []
    assert answer_options(tiny_bank) == [1, 2, 3, 4, 5, DONT_KNOW]
    assert option_label(tiny_bank, DONT_KNOW) == "Don't know / not applicable"
    everything = submission(profiled(works_in_projects=False), TEAMS, tiny_bank)
    assert everything.answers == {} and everything.works_in_projects is None


def test_routing_question_must_be_answered_before_the_statements(tiny_bank: Bank) -> None:
    bank = gated(tiny_bank)
    assert profile_problems(profiled(), TEAMS, bank) == [
        "Please say whether your team's work includes projects."
    ]
    assert profile_problems(profiled(works_in_projects=False), TEAMS, bank) == []
    with pytest.raises(InputError, match="includes projects"):
        submission(profiled(), TEAMS, bank)


def test_no_projects_hides_project_statements_and_submits_them_not_applicable(
    tiny_bank: Bank,
) -> None:
    bank = gated(tiny_bank)
    draft = profiled(works_in_projects=False).with_answer("purpose.product.1", 4)
    draft = draft.with_answer("purpose.project.1", 2)  # answered before saying "no": not sent
    draft = draft.with_answer("scope.clarity.1", DONT_KNOW)
    shown = [item.id for part in sections(bank, False) for item in part.items]
    assert shown == [item.id for item in bank.items if item.lens != "project"]
    assert [part.first for part in sections(bank, False)] == [1, 7]  # numbering runs on
    assert section_at(bank, 2, False).items[0].id == "scope.product.1"  # type: ignore[union-attr]
    assert progress(draft, bank).label == "2 of 12 answered"
    assert sum(len(items) for _, items in unanswered(draft, bank)) == 10
    sent = submission(draft, TEAMS, bank)
    project = [item.id for item in bank.items if item.lens == "project"]
    assert sent.works_in_projects is False
    assert sent.answers == {
        "purpose.product.1": 4,
        "scope.clarity.1": None,
        **dict.fromkeys(project, NOT_APPLICABLE),
    }


def test_yes_to_projects_asks_and_submits_everything(tiny_bank: Bank) -> None:
    bank = gated(tiny_bank)
    draft = profiled(works_in_projects=True).with_answer("purpose.project.1", NOT_APPLICABLE)
    draft = draft.with_answer("purpose.project.2", 5)
    assert [item.id for part in sections(bank, True) for item in part.items] == bank.item_ids
    assert progress(draft, bank).label == "2 of 18 answered"
    sent = submission(draft, TEAMS, bank)
    assert sent.works_in_projects is True
    assert sent.answers == {"purpose.project.1": NOT_APPLICABLE, "purpose.project.2": 5}


def test_no_projects_with_the_combined_choice_submits_that_choice(tiny_bank: Bank) -> None:
    bank = gated(tiny_bank, apart=False)
    sent = submission(profiled(works_in_projects=False), TEAMS, bank)
    assert set(sent.answers.values()) == {None} and len(sent.answers) == 6


def test_dont_know_and_not_applicable_are_two_options(tiny_bank: Bank) -> None:
    bank = gated(tiny_bank)
    assert answer_options(bank) == [1, 2, 3, 4, 5, DONT_KNOW, NOT_APPLICABLE]
    assert option_label(bank, DONT_KNOW) == "Don't know"
    assert option_label(bank, NOT_APPLICABLE) == "Not applicable"
    # A scale with the combined choice has no separate "not applicable" to restore.
    kept = restore_draft({"answers": {"purpose.product.1": NOT_APPLICABLE}}, tiny_bank, TEAMS)
    assert kept.answers == {}


def test_restore_keeps_the_routing_answer_only_where_it_is_asked(tiny_bank: Bank) -> None:
    bank = gated(tiny_bank)
    saved = profiled(works_in_projects=False, step=2).with_answer("scope.product.1", NOT_APPLICABLE)
    data = saved.model_dump(mode="json")
    assert draft_problems(data, bank, TEAMS) == []
    assert restore_draft(data, bank, TEAMS) == saved
    assert restore_draft(data, tiny_bank, TEAMS).works_in_projects is None
    assert draft_problems(data | {"works_in_projects": "no"}, bank, TEAMS) == [
        "draft: works_in_projects: 'no' is not an answer of this survey"
    ]
    assert restore_draft(data | {"works_in_projects": 0}, bank, TEAMS).works_in_projects is None


def test_a_bank_with_two_answers_needs_two_labels(tiny_bank: Bank) -> None:
    data = gated(tiny_bank).model_dump()
    data["scale"]["not_applicable_label"] = "don't know"
    with pytest.raises(BankError, match="scale: dont_know_label and not_applicable_label"):
        bank_from_dict(data, "bank.yaml")
