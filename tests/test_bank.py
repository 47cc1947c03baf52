"""Bank loading: the default bank is valid, and every kind of broken bank says what is wrong."""

from __future__ import annotations

import pytest
import yaml

from assessment.bank import LENSES, load_bank
from assessment.errors import BankError
from tests.support.banks import DATA

TINY = (DATA / "tiny_bank.yaml").read_text(encoding="utf-8")


def test_default_bank_meets_the_design(default_bank) -> None:
    assert default_bank.id == "product-vs-project"
    assert default_bank.dimension_ids == ["purpose", "scope", "responsibility", "success_metrics"]
    assert default_bank.scale.points == 5 and len(default_bank.scale.labels) == 5
    assert default_bank.scale.dont_know
    assert len(default_bank.items) >= 36
    for dimension in default_bank.dimension_ids:
        for lens in LENSES:
            assert len(default_bank.items_in(dimension, lens)) >= 3
        assert any(item.reverse for item in default_bank.items_in(dimension))
        assert 2 <= len(default_bank.dimension(dimension).retro_prompts) <= 4


def test_default_bank_items_are_single_short_statements(default_bank) -> None:
    for item in default_bank.items:
        assert len(item.text.split()) <= 25, item.id
        assert item.id.startswith(f"{item.dimension}.{item.lens}."), item.id


def _edit(change) -> str:
    data = yaml.safe_load(TINY)
    change(data)
    return yaml.safe_dump(data, sort_keys=False)


def _set(path: list, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(path: list):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


BROKEN = [
    pytest.param(_set(["items", 0, "dimension"], "purpse"),
                 "item 'purpose.product.1': unknown dimension 'purpse'", id="unknown-dimension"),
    pytest.param(_set(["items", 1, "id"], "purpose.product.1"),
                 "item 'purpose.product.1': duplicate id", id="duplicate-id"),
    pytest.param(_drop(["items", 3, "lens"]),
                 "item 'purpose.project.1', field 'lens': is missing", id="missing-lens"),
    pytest.param(_set(["items", 3, "lens"], "programme"),
                 "item 'purpose.project.1', field 'lens': input should be 'product', 'project' "
                 "or 'clarity' (got 'programme')", id="bad-lens"),
    pytest.param(lambda d: d["items"].pop(0),
                 "dimension 'purpose', lens 'product': 2 item(s); each scale needs at least 3",
                 id="scale-too-small"),
    pytest.param(_set(["scale", "labels"], ["No", "Maybe", "Yes"]),
                 "scale: 3 labels for 5 points", id="labels-not-points"),
    pytest.param(_set(["items", 8, "reverse"], False),
                 "dimension 'purpose': no reverse-keyed item", id="no-reverse-item"),
    pytest.param(_set(["dimensions", 0, "retro_prompts"], ["Only one?"]),
                 "dimension 'purpose', field 'retro_prompts': list should have at least 2 items",
                 id="too-few-prompts"),
    pytest.param(_set(["min_group_size"], 2),
                 "field 'min_group_size': input should be greater than or equal to 3",
                 id="group-size-below-3"),
    pytest.param(_set(["items", 2, "colour"], "red"),
                 "item 'purpose.product.3', field 'colour': is not a known field",
                 id="unknown-field"),
    pytest.param(_drop(["items", 5, "id"]), "item #6, field 'id': is missing",
                 id="item-without-id"),
    pytest.param(_drop(["version"]), "field 'version': is missing", id="missing-version"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), BROKEN)
def test_load_bank_reports_the_problem(make_bank, change, message) -> None:
    path = make_bank(_edit(change))
    with pytest.raises(BankError) as caught:
        load_bank(path)
    assert any(p.startswith(f"{path}: {message}") for p in caught.value.problems), caught.value


def test_load_bank_reports_every_problem_at_once(make_bank) -> None:
    def two_problems(data):
        data["items"][0]["dimension"] = "nowhere"
        data["items"][1]["id"] = data["items"][2]["id"]

    with pytest.raises(BankError) as caught:
        load_bank(make_bank(_edit(two_problems)))
    assert len(caught.value.problems) >= 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: [unclosed", "not valid YAML at line 1"),
        ("- just\n- a list\n", "a bank must be a YAML mapping"),
        ("", "a bank must be a YAML mapping"),
    ],
)
def test_load_bank_rejects_non_banks(make_bank, text, message) -> None:
    path = make_bank(text)
    with pytest.raises(BankError, match=message) as caught:
        load_bank(path)
    assert str(path) in str(caught.value)


def test_load_bank_missing_file_names_it(tmp_path) -> None:
    with pytest.raises(BankError, match=r"nope\.yaml: file not found"):
        load_bank(tmp_path / "nope.yaml")


def test_custom_bank_in_another_file_loads(make_bank) -> None:
    bank = load_bank(make_bank(TINY, name="custom.yaml"))
    assert bank.id == "tiny" and len(bank.items) == 18
    assert bank.min_answered("purpose", "product") == 2


def test_load_bank_deeply_nested_file_is_a_bank_error(make_bank) -> None:
    path = make_bank("id: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(BankError, match="nested too deeply") as caught:
        load_bank(path)
    assert str(path) in str(caught.value)


def test_load_bank_duplicate_key_names_key_and_line(make_bank) -> None:
    path = make_bank(TINY.replace("min_group_size: 3", "min_group_size: 10\nmin_group_size: 3"))
    with pytest.raises(BankError) as caught:
        load_bank(path)
    assert caught.value.problems == [
        f"{path}, line 11: duplicate key 'min_group_size' (first on line 10);"
        " YAML would keep only the last one, so remove one of them"
    ]


def test_load_bank_reads_utf16_with_a_byte_order_mark(tmp_path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_bytes(TINY.encode("utf-16"))
    assert load_bank(path).id == "tiny"


def test_load_bank_allows_a_few_aliases(make_bank) -> None:
    """Anchors and aliases are fine in a bank; only a bomb of them is refused."""
    text = TINY.replace(
        "retro_prompts:\n      - Who decides", "retro_prompts: &prompts\n      - Who decides"
    )
    text = text.replace(
        "retro_prompts:\n      - Who owns the product after the project ends?\n"
        "      - What ends when a project ends?\n",
        "retro_prompts: *prompts\n",
    )
    bank = load_bank(make_bank(text))
    assert bank.dimension("scope").retro_prompts == bank.dimension("purpose").retro_prompts


def test_stored_snapshots_skip_the_file_only_rules() -> None:
    """A round opened before a rule existed still opens: `bank_from_dict` skips file rules."""
    from assessment.bank import bank_from_dict

    data = yaml.safe_load(TINY)
    data["scale"]["labels"][0] = data["scale"]["labels"][1]  # a repeated label: refused in files
    assert bank_from_dict(data, source="round x").scale.labels[0] == "Disagree"


def test_an_unchanged_bank_file_is_parsed_once_and_an_edit_is_seen(tmp_path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_bytes((DATA / "tiny_bank.yaml").read_bytes())
    first = load_bank(path)
    assert load_bank(path) is first  # the same immutable bank, not parsed again
    path.write_text(
        path.read_text(encoding="utf-8").replace("min_group_size: 3", "min_group_size: 4")
    )
    assert load_bank(path) is not first
    assert load_bank(path).min_group_size == 4 != first.min_group_size
