"""Matching a forms export onto a bank: which column is which item, and which label which point.

People retype statements and labels, and forms tools decorate headers
(``Question title [Statement]``, ``Question.Statement``), so matching goes from
strict to forgiving: item id, exact statement text, then text compared without
case, accents or punctuation. Each match records how it was made, so the
leader can check the forgiving ones before anything is stored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from assessment.bank import Bank
from assessment.interchange.read import Table
from assessment.survey import DONT_KNOW_CODE, NOT_APPLICABLE_CODE

__all__ = ["ColumnMatch", "Matcher", "normalise_text"]

# Headers are compared after normalise_text: lower case, punctuation as spaces.
PERSONAL = frozenset(
    [
        "email",
        "email address",
        "e mail",
        "e mail address",
        "name",
        "full name",
        "your name",
        "first name",
        "last name",
        "username",
        "user name",
        "respondent",
    ]
)
FORM_METADATA = frozenset(
    [
        "timestamp",
        "start time",
        "completion time",
        "last modified time",
        "id",
        "submitted at",
        "submission time",
        "response id",
        "respondent id",
    ]
)
DONT_KNOW = frozenset(
    [
        "don t know",
        "dont know",
        "do not know",
        "n a",
        "na",
        "not applicable",
        "unsure",
        "don t know not applicable",
        "prefer not to say",
        "no opinion",
    ]
)
NOT_APPLICABLE = frozenset(["n a", "na", "not applicable", "does not apply", "not relevant"])
"""Of those, the texts that mean "not applicable" where the scale has it apart."""
TEAM_HEADER = re.compile(r"^(your |which |what |name of your )?team\b|\bteam (are|do) you\b")
ROLE_HEADER = re.compile(r"\brole\b|\bjob (title|family)\b")
COMMENT_HEADER = re.compile(r"\bcomments?\b|\banything else\b|\bfeedback\b")
GRID_HEADER = re.compile(r"^(.*?)\s*\[(.+)\]\s*$", flags=re.S)
LEADING_NUMBER = re.compile(r"^\d+\s*[-–—.:)]\s*(?=\D)")


@lru_cache(maxsize=4096)  # pure; headers, labels, roles and teams come again and again
def normalise_text(text: str) -> str:
    """Lower case, accents and punctuation gone, spaces collapsed: how people retype text."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class ColumnMatch:
    """What one column becomes.

    `kind` is item, team, role, comment, metadata (a wide file's own columns),
    personal (dropped, never stored) or ignored; `target` is the item id or
    column name it fills; `how` says how it was recognised.
    """

    position: int
    column: str
    kind: str
    target: str = ""
    how: str = ""


def _statement_candidates(header: str) -> list[tuple[str, str]]:
    """Texts a header may carry a statement in: whole, in [brackets], after a '.'."""
    candidates = [(header, "")]
    grid = GRID_HEADER.match(header)
    if grid:
        candidates.append((grid.group(2), " (grid statement)"))
    after_title = " (after the title)"
    candidates += [(header[i + 1 :], after_title) for i, char in enumerate(header) if char == "."]
    return candidates


class Matcher:
    """Lookups built once per bank: statements, labels and roles."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank
        self.exact = {item.text: item.id for item in bank.items}
        self.loose = {normalise_text(item.text): item.id for item in bank.items}

    @cached_property
    def points(self) -> dict[str, float]:
        """Normalised answer text -> scale point; don't-know texts -> NaN (missing).

        Where the scale has "don't know" and "not applicable" apart, their texts
        become the codes of a coded frame instead: 0 and -1
        (`survey.DONT_KNOW_CODE`, `NOT_APPLICABLE_CODE`).
        """
        scale = self.bank.scale
        points = {normalise_text(label): float(i) for i, label in enumerate(scale.labels, 1)}
        points.update({str(i): float(i) for i in range(1, scale.points + 1)})
        if scale.not_applicable:
            for text in (normalise_text(scale.not_applicable_label), *NOT_APPLICABLE):
                points.setdefault(text, float(NOT_APPLICABLE_CODE))
            if scale.dont_know:
                for text in (normalise_text(scale.dont_know_label), *DONT_KNOW):
                    points.setdefault(text, float(DONT_KNOW_CODE))
            return points
        for text in (*DONT_KNOW, normalise_text(scale.dont_know_label)):
            points.setdefault(text, np.nan)
        return points

    @cached_property
    def roles(self) -> dict[str, str]:
        """Normalised role id or name -> role id."""
        lookup = {normalise_text(role.name): role.id for role in self.bank.roles}
        lookup.update({normalise_text(role.id): role.id for role in self.bank.roles})
        return lookup

    def item(self, header: str) -> tuple[str, str] | None:
        """The item id a header names, and how it was matched; None when none fits."""
        if header in self.bank.item_ids:
            return header, "item id"
        candidates = _statement_candidates(header)
        for text, where in candidates:
            if text.strip() in self.exact:
                return self.exact[text.strip()], "exact statement" + where
        for text, where in candidates:
            key = normalise_text(text)
            if key in self.loose:
                return self.loose[key], "statement, ignoring case and punctuation" + where
        return None

    def label_keys(self, column: pd.Series) -> pd.Series:
        """Answer cells as lookup keys: "5 - Strongly agree" and "strongly agree" both work."""
        text = column.astype(str).str.replace(LEADING_NUMBER, "", regex=True)
        return text.map(normalise_text).astype(str)

    def holds_answers(self, column: pd.Series) -> bool:
        """Whether most filled cells are scale labels: an answer column, even if unmatched."""
        filled = column[column.ne("")]
        return bool(len(filled)) and bool(self.label_keys(filled).isin(self.points).mean() >= 0.5)

    def column(self, table: Table, position: int) -> ColumnMatch:
        """Classify one column of a forms export."""
        header = table.header[position]
        key = normalise_text(header)
        item = self.item(header)
        if item:
            return ColumnMatch(position, header, "item", item[0], item[1])
        if key in PERSONAL:
            return ColumnMatch(position, header, "personal", how="names or e-mail: not stored")
        if key in FORM_METADATA or not header:
            return ColumnMatch(position, header, "ignored", how="form metadata")
        for kind, pattern, how in (
            ("team", TEAM_HEADER, "question about the team"),
            ("role", ROLE_HEADER, "question about the role"),
            ("comment", COMMENT_HEADER, "free-text question"),
        ):
            if pattern.search(key):
                return ColumnMatch(position, header, kind, kind, how)
        if self.holds_answers(table.cells[position]):
            return ColumnMatch(position, header, "ignored", how="unknown statement")
        return ColumnMatch(position, header, "ignored", how="not a survey question")
