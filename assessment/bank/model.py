"""Question banks: the pydantic models, and the rules a bank must meet.

A bank is data (`questions/*.yaml`), never code. `bank_from_dict` validates
everything a scoring run relies on and reports *every* problem at once, each
naming the file and the item, so an editor of a bank can fix it in one pass;
`loading.load_bank` reads the YAML file first.

`control_characters` and `control_class` say which characters text may not
hold (C0 and C1 controls, DEL, lone surrogates): one definition for banks,
imported files, survey answers and what the CLI prints.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assessment.errors import BankError
from assessment.policy import DEFAULT_MIN_GROUP_SIZE, MAX_NAME_CHARS, MIN_GROUP_SIZE_FLOOR
from assessment.vocabulary import LENSES, Classification, Lens

__all__ = [
    "DEFAULT_BANK_PATH",
    "LENSES",
    "LINE_BREAKS",
    "NAME_CONTROLS",
    "Bank",
    "Dimension",
    "FindingRules",
    "Item",
    "ProjectGate",
    "Role",
    "Scale",
    "bank_from_dict",
    "control_characters",
    "control_class",
    "control_pattern",
    "escape_character",
    "field_location",
]

DEFAULT_BANK_PATH = Path(__file__).resolve().parent.parent / "questions" / "product_vs_project.yaml"
MIN_ITEMS_PER_SCALE = 3
MIN_ITEMS_PER_SHORT_SCALE = 2
"""A short form's scales (`Bank.short_form_of`): two, the fewest that give an alpha, a
positive and a reverse item, and a comparison with another round (`certainty.MIN_COMMON_ITEMS`)."""
_CONTROL_CODES = (*range(0x00, 0x20), *range(0x7F, 0xA0))
LINE_BREAKS = "\n\r\t"
"""The only control characters free text (a comment, a description) may hold."""
NAME_CONTROLS = "\n\t"
"""The only control characters a name (a team, a role) may hold; an id holds none."""


def escape_character(char: str) -> str:
    r"""A character as an escape a person can read and type: ``\x1b``, ``\u2028``."""
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def control_class(allowed: str = "") -> str:
    r"""A regex character class of the control characters, less `allowed` (e.g. "\n\t").

    Written with textual escapes (``\x00``), so Python's `re` and pandas'
    pyarrow (RE2) strings read it alike. Lone surrogates are not in it: no
    decoded file can hold them; `control_characters` checks them in Python text.
    """
    codes = "".join(f"\\x{code:02x}" for code in _CONTROL_CODES if chr(code) not in allowed)
    return f"[{codes}]"


def control_pattern(allowed: str = "") -> re.Pattern[str]:
    """`control_class` with lone surrogates too, compiled for Python's `re` (object columns)."""
    return _patterns(allowed)


@lru_cache(maxsize=8)
def _patterns(allowed: str) -> re.Pattern[str]:
    return re.compile(control_class(allowed) + "|[\ud800-\udfff]")


def control_characters(text: str, allowed: str = "") -> str:
    r"""The control characters `text` holds, escaped (``"\x00, \x1b"``); "" when there are none.

    C0 controls, DEL, C1 controls and lone surrogates count, less `allowed`.

    >>> control_characters("a\x1b[31mred\ttab", allowed="\t"), control_characters("plain")
    ('\\x1b', '')
    """
    found = sorted(set(control_pattern(allowed).findall(text)))
    return ", ".join(escape_character(char) for char in found)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Scale(_Strict):
    """The answer scale: 1..points, 1 = strongly disagree, and the answers off the scale.

    "Don't know" and "Not applicable" are two answers when `not_applicable` is
    true; without it the one `dont_know` choice keeps its combined meaning
    (the label of older banks, "Don't know / not applicable"). Both are
    missing in scoring, never a low score.
    """

    points: int = Field(ge=3, le=11)
    labels: list[str]
    dont_know: bool = True
    dont_know_label: str = Field(default="Don't know / not applicable", min_length=1)
    not_applicable: bool = False
    not_applicable_label: str = Field(default="Not applicable", min_length=1)


class ProjectGate(_Strict):
    """The routing question asked before the statements: does the team work in projects?

    A "no" hides the `lens` statements from that respondent; they count as not
    applicable (missing, never penalised). A bank without a gate asks everyone
    every statement.
    """

    text: str = Field(min_length=1)
    yes_label: str = Field(default="Yes", min_length=1)
    no_label: str = Field(default="No", min_length=1)
    lens: Lens = "project"


class Dimension(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    description: str = ""
    retro_prompts: list[str] = Field(min_length=2, max_length=4)
    verdict_prompts: dict[Classification, list[str]] = Field(default_factory=dict)
    """Prompts for one verdict (classification id -> prompts); `retro_prompts` where none."""


class Item(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=MAX_NAME_CHARS)
    dimension: str
    lens: Lens
    text: str = Field(min_length=1)
    reverse: bool = False
    unchanged_since: int | None = Field(default=None, ge=1)
    """The bank version since which this item means the same, though its words were edited:
    rounds from that version on compare on it (`scoring.certainty.comparable_items`)."""
    guards: Literal["product", "project"] | None = None
    """Clarity items only: the side a blurring of the roles would hurt (`product`: the what/why
    and the product's life after a project; `project`: a finite piece of work and its how/when).
    Lets a bank check that its clarity scales watch both sides, not one."""


class Role(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=MAX_NAME_CHARS)
    name: str = Field(min_length=1)


class FindingRules(_Strict):
    """Thresholds for classifying a dimension; kept in the bank so they are data, not code."""

    blurred_below: float = Field(default=50, ge=0, le=100)
    low_below: float = Field(default=50, ge=0, le=100)
    gap: float = Field(default=15, gt=0, le=100)
    alpha_min: float = Field(default=0.6, ge=0, le=1)
    practical_minimum: float = Field(default=5.0, ge=0, le=100)
    """The smallest change between rounds worth calling rising or falling, in points."""


DEFAULT_ROLES = [
    Role(id="product", name="Product manager / owner"),
    Role(id="delivery", name="Project / programme / delivery manager"),
    Role(id="engineering", name="Engineering"),
    Role(id="design", name="Design / research"),
    Role(id="go_to_market", name="Marketing / sales / support"),
    Role(id="leadership", name="Leadership"),
    Role(id="other", name="Other"),
]


class Bank(_Strict):
    """A validated question bank. Build it with `load_bank` or `bank_from_dict`."""

    id: str = Field(min_length=1, max_length=MAX_NAME_CHARS)  # ids are stored in columns this wide
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    description: str = ""
    scale: Scale
    project_gate: ProjectGate | None = None
    short_form_of: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_CHARS)
    """The id of the full bank whose items (same ids, same words) this shorter form asks;
    its scales may hold `MIN_ITEMS_PER_SHORT_SCALE` items."""
    min_group_size: int = Field(default=DEFAULT_MIN_GROUP_SIZE, ge=MIN_GROUP_SIZE_FLOOR)
    roles: list[Role] = Field(default_factory=lambda: list(DEFAULT_ROLES))
    findings: FindingRules = FindingRules()
    dimensions: list[Dimension] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)

    @cached_property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    @cached_property
    def dimension_ids(self) -> list[str]:
        return [d.id for d in self.dimensions]

    def dimension(self, dimension_id: str) -> Dimension:
        return next(d for d in self.dimensions if d.id == dimension_id)

    def items_in(self, dimension: str, lens: str | None = None) -> list[Item]:
        return [i for i in self.items if i.dimension == dimension and lens in (None, i.lens)]

    @cached_property
    def scales(self) -> list[tuple[str, str]]:
        """Every (dimension, lens) pair, in bank order: the spokes and traces of every chart."""
        return [(d, lens) for d in self.dimension_ids for lens in LENSES]

    def min_answered(self, dimension: str, lens: str) -> int:
        """Answered items a respondent needs for a scale score: ceil(k / 2)."""
        return math.ceil(len(self.items_in(dimension, lens)) / 2)

    def role_name(self, role_id: str) -> str:
        return next((r.name for r in self.roles if r.id == role_id), role_id)


def bank_from_dict(data: Any, source: str = "<bank>") -> Bank:
    """Validate already-parsed bank data (a YAML document or a stored snapshot)."""
    if not isinstance(data, dict):
        raise BankError(f"{source}: a bank must be a YAML mapping with id, version, scale, ...")
    try:
        bank = Bank.model_validate(data)
    except ValidationError as exc:
        raise BankError(_describe(exc, data, source)) from None
    problems = _consistency_problems(bank, source)
    if problems:
        raise BankError(problems)
    return bank


def field_location(loc: tuple[str | int, ...], data: dict[str, Any]) -> str:
    """Name a location the way a bank editor finds it: by item id where there is one."""
    if len(loc) >= 2 and loc[0] in ("items", "dimensions", "roles") and isinstance(loc[1], int):
        kind = {"items": "item", "dimensions": "dimension", "roles": "role"}[str(loc[0])]
        entries = data.get(str(loc[0])) or []
        entry = entries[loc[1]] if loc[1] < len(entries) else None
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        name = f"{kind} '{entry_id}'" if entry_id else f"{kind} #{loc[1] + 1}"
        rest = ".".join(str(part) for part in loc[2:])
        return f"{name}{f', field {rest!r}' if rest else ''}"
    return "field " + repr(".".join(str(part) for part in loc)) if loc else "top level"


def _describe(exc: ValidationError, data: dict[str, Any], source: str) -> list[str]:
    messages = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if error["type"] == "missing":
            problem = "is missing"
        elif error["type"] == "extra_forbidden":
            problem = "is not a known field"
        else:
            problem = error["msg"][0].lower() + error["msg"][1:].replace(" after validation", "")
            if error["type"] == "literal_error":
                problem = f"{problem} (got {error['input']!r})"
        messages.append(f"{source}: {field_location(loc, data)}: {problem}")
    return messages


def _duplicates(values: list[str]) -> list[str]:
    return [value for value, count in Counter(values).items() if count > 1]


def _consistency_problems(bank: Bank, source: str) -> list[str]:
    """Rules that span several fields, each reported separately."""
    problems: list[str] = []
    scale = bank.scale
    if len(scale.labels) != scale.points:
        problems.append(
            f"{source}: scale: {len(scale.labels)} labels for {scale.points} points;"
            " give exactly one label per point"
        )
    if (
        scale.not_applicable
        and scale.dont_know
        and scale.dont_know_label.casefold() == scale.not_applicable_label.casefold()
    ):
        problems.append(
            f"{source}: scale: dont_know_label and not_applicable_label are both"
            f" '{scale.dont_know_label}'; two answers need two labels"
        )
    for kind, ids in (
        ("item", bank.item_ids),
        ("dimension", bank.dimension_ids),
        ("role", [r.id for r in bank.roles]),
    ):
        problems += [f"{source}: {kind} '{dup}': duplicate id" for dup in _duplicates(ids)]
    known = set(bank.dimension_ids)
    for item in bank.items:
        if item.dimension not in known:
            problems.append(
                f"{source}: item '{item.id}': unknown dimension '{item.dimension}'"
                f" (known: {', '.join(bank.dimension_ids)})"
            )
        if item.guards is not None and item.lens != "clarity":
            problems.append(
                f"{source}: item '{item.id}', field 'guards': only clarity items guard a side"
                f" (this item's lens is '{item.lens}'); remove the field"
            )
    short = bank.short_form_of is not None
    needed = MIN_ITEMS_PER_SHORT_SCALE if short else MIN_ITEMS_PER_SCALE
    for dimension, lens in bank.scales:
        count = len(bank.items_in(dimension, lens))
        if count < needed:
            problems.append(
                f"{source}: dimension '{dimension}', lens '{lens}': {count} item(s);"
                f" each scale {'of a short form ' if short else ''}needs at least {needed}"
            )
    for dimension in bank.dimension_ids:
        if not any(item.reverse for item in bank.items_in(dimension)):
            problems.append(
                f"{source}: dimension '{dimension}': no reverse-keyed item;"
                " each dimension needs at least one (reverse: true)"
            )
    return problems
