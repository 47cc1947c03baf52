"""The words and number formats every surface uses: lenses, verdicts, hidden groups, numbers.

Charts, pages, the CLI and the CSV files name things through these constants
and functions, never by typing a title, so a lens or a verdict reads the same
everywhere. Logic compares the ids (``"blurred"``, ``"too_small"``), never the
display text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "CHANGES",
    "CLASSIFICATIONS",
    "LENSES",
    "LENS_TITLES",
    "Change",
    "Classification",
    "HiddenReason",
    "Lens",
    "classification_meaning",
    "difference_text",
    "hidden_text",
    "interval_text",
    "number",
    "plural",
    "round_half_up",
]

Lens = Literal["product", "project", "clarity"]
LENSES: tuple[Lens, ...] = ("product", "project", "clarity")
"""The three lenses in the order every chart, table and file shows them."""
LENS_TITLES: dict[str, str] = {"product": "Product", "project": "Project", "clarity": "Clarity"}

Classification = Literal["blurred", "under-managed", "delivery-led", "plan-light", "distinct"]
CLASSIFICATIONS: tuple[Classification, ...] = (
    "blurred",
    "under-managed",
    "delivery-led",
    "plan-light",
    "distinct",
)
"""Verdicts from most to least in need of a conversation: the order findings are read in."""
_MEANINGS: dict[str, str] = {
    "blurred": "it is unclear who owns the what/why and who owns the how/when.",
    "under-managed": "neither the product nor the project side is practised much.",
    "delivery-led": "project practice is strong, product practice lags behind it.",
    "plan-light": "product practice is strong, project practice lags behind it.",
    "distinct": "both roles are practised and kept apart.",
}


Change = Literal["rising", "stable", "falling"]
CHANGES: tuple[Change, ...] = ("rising", "stable", "falling")
"""What a score did since the last round, in the order legends and tables show them.

Rising or falling only when the change is significant after correction and at least
the bank's practical minimum (`scoring.certainty.change_table`); otherwise stable.
"""


def classification_meaning(classification: str) -> str:
    """What a verdict means, as a sentence fragment: 'neither the product nor ...'."""
    return _MEANINGS[classification]


class HiddenReason(StrEnum):
    """Why a group or a score is not shown. The value is the id files and code compare."""

    TOO_SMALL = "too_small"
    """Fewer respondents than the round's minimum."""
    PROTECTS_ANOTHER = "protects_another"
    """Large enough itself, hidden so that a smaller hidden group cannot be worked out."""


def hidden_text(reason: HiddenReason | str, minimum: int) -> str:
    """The one wording of a hidden value, naming its true reason; never a number of people."""
    if HiddenReason(reason) is HiddenReason.TOO_SMALL:
        return f"fewer than {minimum} responses — hidden"
    return "hidden so that a smaller group cannot be worked out"


def round_half_up(values: pd.Series | np.ndarray, decimals: int = 1) -> np.ndarray:
    """Round .x5 up, as people do by hand (numpy rounds half to even)."""
    factor = 10.0**decimals
    return np.floor(np.asarray(values, dtype=float) * factor + 0.5 + 1e-9) / factor


def number(value: float) -> str:
    """A score as every surface writes it: one decimal, rounded half up ('49.9')."""
    return f"{float(round_half_up(np.array([value]))[0]):.1f}"


def interval_text(low: float, high: float) -> str:
    """A 95% interval as sentences write it: whole points, rounded half up ('41–58')."""
    ends = round_half_up(np.array([low, high]), decimals=0)
    return f"{ends[0]:.0f}–{ends[1]:.0f}"


def difference_text(difference: float, low: float, high: float, *, named: bool = True) -> str:
    """A change between rounds with its 95% interval: '+8.2 (95% interval +3 to +13)'.

    Signed, so the direction never rests on a word; the interval's ends are
    whole points like `interval_text`, joined by "to" because they carry signs.
    `named=False` leaves out "95% interval" for a table column whose header says it.
    """
    text = f"{float(round_half_up(np.array([difference]))[0]):+.1f}"
    if not (np.isfinite(low) and np.isfinite(high)):
        return text
    ends = round_half_up(np.array([low, high]), decimals=0) + 0.0  # no "-0"
    name = "95% interval " if named else ""
    return f"{text} ({name}{ends[0]:+.0f} to {ends[1]:+.0f})"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 response', '2 responses': counts in sentences read right."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"
