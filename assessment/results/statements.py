"""What the Statements page shows: the item analysis of one round, in words and tables.

Pure: takes `scoring.item_analysis` output and the bank, returns plain
tables and sentences. The analysis is of the whole round (the organisation),
shown only where the round's total may be shown (`statements_shown`): it
splits nothing by team or role, so it tells no more than the organisation's
own scores and answer counts on the results page.
"""

from __future__ import annotations

import pandas as pd

from assessment.bank import Bank
from assessment.scoring.item_analysis import DONT_KNOW_FLAG_RATE, ItemAnalysis
from assessment.scoring.privacy import shown_total
from assessment.vocabulary import LENS_TITLES

__all__ = ["flag_notes", "scale_rows", "statement_rows", "statements_shown"]


def statements_shown(published: int, minimum: int) -> bool:
    """True when a round's item analysis may be shown: the organisation itself is shown."""
    return shown_total(published, minimum) is not None


def _scale_names(bank: Bank, table: pd.DataFrame) -> list[str]:
    """The name of each row's scale, such as "Purpose · Product"."""
    pairs = zip(table["dimension"], table["lens"], strict=True)
    return [f"{bank.dimension(d).name} · {LENS_TITLES.get(lens, lens)}" for d, lens in pairs]


def flag_notes(analysis: ItemAnalysis, bank: Bank) -> list[tuple[str, str, str]]:
    """Each flagged statement as (item id, its text, why it is flagged), in bank order."""
    texts = {item.id: item.text for item in bank.items}
    notes = []
    for row in analysis.items.itertuples():
        reasons = []
        if row.flag_keying:
            reasons.append(
                f"it runs against the rest of its scale (item-rest correlation"
                f" {row.item_rest:.2f}): check whether it is keyed the right way round"
            )
        if row.flag_dont_know:
            reasons.append(
                f"{row.dont_know_rate:.0%} answered don't know (more than"
                f" {DONT_KNOW_FLAG_RATE:.0%}): many cannot judge it as worded"
            )
        if reasons:
            notes.append((str(row.item), texts[str(row.item)], "; ".join(reasons)))
    return notes


def scale_rows(analysis: ItemAnalysis, bank: Bank) -> pd.DataFrame:
    """One row per scale: name, statements, complete respondents, alpha and its interval."""
    scales = analysis.scales
    names = _scale_names(bank, scales)
    return pd.DataFrame(
        {
            "Scale": names,
            "Statements": scales["items"].to_numpy(),
            "Complete respondents": scales["n"].to_numpy(),
            "Alpha": scales["alpha"].round(2).to_numpy(),
            "95% from": scales["alpha_low"].round(2).to_numpy(),
            "95% to": scales["alpha_high"].round(2).to_numpy(),
        }
    )


def statement_rows(analysis: ItemAnalysis, bank: Bank) -> pd.DataFrame:
    """One row per statement, for a table: text, scale, answers, rates, the two checks."""
    items = analysis.items
    texts = {item.id: item.text for item in bank.items}
    rates = {
        column: column.removesuffix("_rate").replace("_", " ").capitalize()
        for column in items.columns
        if column.endswith("_rate")
    }
    out = pd.DataFrame(
        {
            "Statement": items["item"].map(texts).to_numpy(),
            "Scale": _scale_names(bank, items),
            "Reverse-keyed": items["reverse"].to_numpy(),
            "Answered": items["n"].to_numpy(),
            "Mean answer": items["mean"].round(2).to_numpy(),
        }
    )
    for column, title in rates.items():
        out[title] = (items[column] * 100).round(0).to_numpy()  # percent of responses
    out["Item-rest r"] = items["item_rest"].round(2).to_numpy()
    out["Alpha without it"] = items["alpha_if_dropped"].round(2).to_numpy()
    out["Flagged"] = (items["flag_keying"] | items["flag_dont_know"]).to_numpy()
    return out
