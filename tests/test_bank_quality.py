"""The shipped banks as survey instruments: reading grade, keying, guarded sides, short form, v1.

The rules (docs/instrument.md, "How the items are written"): statements a new
engineer reads easily (Flesch–Kincaid grade median 8 or less, none above 10);
a reverse-keyed statement in every product and project scale, so agreeing with
everything does not raise them; clarity scales that watch the product side
and the project side about equally; a short form that asks the full form's
own statements; and version 1 kept loadable, since old rounds score with it.
"""

from __future__ import annotations

import copy
import statistics
from collections import Counter
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
import yaml

from assessment.bank import DEFAULT_BANK_PATH, Bank, bank_from_dict, load_bank
from assessment.errors import BankError
from assessment.scoring.certainty import MIN_COMMON_ITEMS, comparable_items
from assessment.scoring.scores import respondent_scores
from assessment.vocabulary import CLASSIFICATIONS
from tests.support.readability import fk_grade, syllables

QUESTIONS = DEFAULT_BANK_PATH.parent
V1_PATH = QUESTIONS / "product_vs_project_v1.yaml"
SHORT_PATH = QUESTIONS / "product_vs_project_short.yaml"
CURRENT = {"full": DEFAULT_BANK_PATH, "short": SHORT_PATH}
"""The banks offered for new rounds; version 1 is kept as it was, for old rounds only."""
MEDIAN_GRADE, MAX_GRADE = 8.0, 10.0


@cache
def _loaded(path: Path) -> Bank:
    """Each shipped bank read once per run: the pure-Python YAML parse is the slow part."""
    return load_bank(path)


@cache
def _parsed(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def full() -> Bank:
    return _loaded(DEFAULT_BANK_PATH)


@pytest.fixture(scope="module")
def short() -> Bank:
    return _loaded(SHORT_PATH)


@pytest.fixture(scope="module")
def v1() -> Bank:
    return _loaded(V1_PATH)


# --- the syllable counter and the grade, on answers counted by hand ------------------------


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("we", 1), ("build", 1), ("customer", 3), ("project", 2), ("product", 2),
        ("make", 1), ("there", 1), ("people", 2), ("little", 2), ("agree", 2),
        ("asked", 1), ("planned", 1), ("started", 2), ("agreed", 2), ("makes", 1),
        ("features", 2), ("changes", 2), ("uses", 2), ("fixes", 2), ("don't", 1),
        ("kick-off", 2), ("someone", 2), ("quarter", 2), ("retirement", 4), ("I", 1),
    ],
)  # fmt: skip
def test_syllables_known_words(word: str, count: int) -> None:
    assert syllables(word) == count


def test_fk_grade_worked_by_hand() -> None:
    # 11 words, 1 sentence, 12 syllables (all words have one, "simple" two):
    # 0.39 * 11 + 11.8 * 12 / 11 - 15.59 = 4.29 + 12.873 - 15.59 = 1.573
    text = "We keep one simple list of what to build next week."
    assert fk_grade(text) == pytest.approx(0.39 * 11 + 11.8 * 12 / 11 - 15.59)
    # Two sentences halve the words per sentence: 0.39 * 11 / 2 instead.
    assert fk_grade("We keep one simple list. It says what to build next.") == pytest.approx(
        0.39 * 11 / 2 + 11.8 * 12 / 11 - 15.59
    )


# --- reading grade ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", sorted(CURRENT))
def test_current_banks_read_at_grade_8(form: str) -> None:
    bank = _loaded(CURRENT[form])
    grades = {item.id: fk_grade(item.text) for item in bank.items}
    too_hard = {item_id: round(g, 1) for item_id, g in grades.items() if g > MAX_GRADE}
    assert not too_hard, f"{CURRENT[form].name}: above grade {MAX_GRADE}: {too_hard}"
    assert statistics.median(grades.values()) <= MEDIAN_GRADE


def test_current_prompts_and_gate_read_easily(full: Bank) -> None:
    texts = [p for d in full.dimensions for ps in d.verdict_prompts.values() for p in ps]
    assert full.project_gate is not None
    texts.append(full.project_gate.text)
    assert max(fk_grade(text) for text in texts) <= MAX_GRADE


# --- keying and guarded sides ---------------------------------------------------------------


@pytest.mark.parametrize("form", sorted(CURRENT))
def test_current_banks_key_every_scale_both_ways(form: str) -> None:
    """Acquiescence cannot raise a scale by itself: each has a positive and a reverse item."""
    bank = _loaded(CURRENT[form])
    one_way = [
        f"{dimension}.{lens}"
        for dimension, lens in bank.scales
        if len({item.reverse for item in bank.items_in(dimension, lens)}) < 2
    ]
    assert not one_way, f"{CURRENT[form].name}: scales keyed one way only: {one_way}"


@pytest.mark.parametrize("form", sorted(CURRENT))
def test_current_clarity_scales_guard_both_sides(form: str) -> None:
    bank = _loaded(CURRENT[form])
    for dimension in bank.dimension_ids:
        clarity = bank.items_in(dimension, "clarity")
        guards = Counter(item.guards for item in clarity)
        assert None not in guards, f"{dimension}: a clarity item says no side it guards"
        assert abs(guards["product"] - guards["project"]) <= 1, (dimension, guards)
        for side in ("product", "project"):  # each side is guarded in both directions overall
            assert guards[side] >= 1, (dimension, side)


def test_full_bank_guards_each_side_with_both_keyings(full: Bank) -> None:
    cells = Counter((item.guards, item.reverse) for item in full.items if item.lens == "clarity")
    assert cells == {
        ("product", False): 4, ("product", True): 4,
        ("project", False): 4, ("project", True): 4,
    }  # fmt: skip


def test_full_bank_has_verdict_prompts_for_every_verdict(full: Bank) -> None:
    for dimension in full.dimensions:
        assert set(dimension.verdict_prompts) == set(CLASSIFICATIONS), dimension.id
        assert all(2 <= len(p) <= 3 for p in dimension.verdict_prompts.values()), dimension.id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["items"][0].update(guards="product"),
         "item 'purpose.product.4', field 'guards': only clarity items guard a side"),
        (lambda d: d["items"][4].update(guards="both"),
         "item 'purpose.clarity.7', field 'guards': input should be 'product' or 'project'"),
        (lambda d: [d.pop("short_form_of"), d["items"].pop(0)],
         "dimension 'purpose', lens 'product': 1 item(s); each scale needs at least 3"),
        (lambda d: d["items"].pop(0),
         "dimension 'purpose', lens 'product': 1 item(s); each scale of a short form needs"
         " at least 2"),
    ],
)  # fmt: skip
def test_guards_and_short_form_rules_name_the_problem(change, message) -> None:
    data = copy.deepcopy(_parsed(SHORT_PATH))
    change(data)
    with pytest.raises(BankError) as caught:
        bank_from_dict(data, source="bank.yaml")
    assert any(p.startswith(f"bank.yaml: {message}") for p in caught.value.problems), caught.value


# --- the short form --------------------------------------------------------------------------


def test_short_form_asks_the_full_forms_own_statements(full: Bank, short: Bank) -> None:
    assert short.short_form_of == full.id and short.id != full.id
    by_id = {item.id: item for item in full.items}
    for item in short.items:
        assert item == by_id.get(item.id), f"{item.id}: not word for word the full form's item"
    assert short.item_ids == [i for i in full.item_ids if i in set(short.item_ids)]  # same order
    assert short.dimensions == full.dimensions and short.scale == full.scale
    assert short.project_gate == full.project_gate and short.findings == full.findings


def test_short_form_compares_with_the_full_form_on_every_scale(full: Bank, short: Bank) -> None:
    common = comparable_items(short, full)
    assert common == short.item_ids
    for dimension, lens in short.scales:
        assert len(short.items_in(dimension, lens)) >= MIN_COMMON_ITEMS
    assert len(short.items) == 2 * len(short.scales)
    assert Counter(item.reverse for item in short.items) == {False: 12, True: 12}


# --- version 1 and version 2 -----------------------------------------------------------------


def test_version_1_still_loads_as_it_was(v1: Bank, full: Bank) -> None:
    assert (v1.id, v1.version, len(v1.items)) == ("product-vs-project", 1, 43)
    assert (full.id, full.version) == ("product-vs-project", 2)
    assert not any(item.guards for item in v1.items)  # written before the field existed
    # A round stored with version 1 keeps a snapshot of its parsed YAML; it must still validate.
    snapshot = copy.deepcopy(_parsed(V1_PATH))
    assert bank_from_dict(snapshot, source="snapshot") == v1


def test_no_item_id_is_reused_for_another_statement(v1: Bank, full: Bank) -> None:
    """An id in both versions is the same statement, keyed the same, on the same scale."""
    before = {item.id: item for item in v1.items}
    for item in full.items:
        old = before.get(item.id)
        if old is not None:
            assert (item.text, item.dimension, item.lens, item.reverse) == (
                old.text, old.dimension, old.lens, old.reverse,
            ), item.id  # fmt: skip


def test_versions_compare_on_the_kept_statements_only(v1: Bank, full: Bank) -> None:
    kept = comparable_items(full, v1)
    assert kept == [i for i in full.item_ids if i in set(v1.item_ids)]
    assert len(kept) == 15


def _lens_scores_of(bank: Bank, answer: int) -> pd.Series:
    """Every scale score of one respondent who gives `answer` to every statement."""
    frame = pd.DataFrame([{item: float(answer) for item in bank.item_ids}])
    return respondent_scores(frame, bank).iloc[0]


@pytest.mark.parametrize("answer", [5, 4])
def test_agreeing_with_everything_no_longer_scores_high_on_product_and_project(
    v1: Bank, full: Bank, short: Bank, answer: int
) -> None:
    """The bound: on v2 an all-agree respondent scores at most 66.7 on any product or project
    scale ('strongly agree' to all; 58.3 for 'agree'), on the short form exactly 50; on v1,
    where those scales were keyed one way, 100 (75 for 'agree')."""
    top = (answer - 1) / (full.scale.points - 1) * 100
    for bank, bound in ((full, (top + 100) / 3), (short, 50.0)):  # 2 + 1 and 1 + 1 keyed
        scores = _lens_scores_of(bank, answer)
        sides = scores[[scale for scale in scores.index if scale[1] in ("product", "project")]]
        assert sides.max() == pytest.approx(bound), bank.id
    old = _lens_scores_of(v1, answer)
    assert old[[s for s in old.index if s[1] in ("product", "project")]].min() == pytest.approx(top)
