"""The codebook of a round, and display names beside the ids in the other exports.

The responses file keeps ids (``purpose.product.1``, ``engineering``) so that it
reads back in exactly (`read.is_export_header`); the codebook says what each of
its columns means, in the words the respondents saw: one row per column of the
responses file, with the statement's text, its dimension and lens by id and by
name, whether it is reverse-keyed, and what each value stands for. A facilitator
opens it beside the responses file, or beside the scores and comments files,
whose rows carry the names too (`with_names`).

The codebook comes from the round's bank snapshot only: it holds no answer and
no count, so it may be handed out for any round, with or without responses.
"""

from __future__ import annotations

import pandas as pd

from assessment.bank import Bank, Item
from assessment.interchange.read import METADATA_COLUMNS
from assessment.interchange.validate import answer_cells
from assessment.interchange.write import neutralise, to_bytes
from assessment.vocabulary import LENS_TITLES

__all__ = [
    "CODEBOOK_COLUMNS",
    "NAME_COLUMNS",
    "codebook_csv_bytes",
    "codebook_table",
    "item_values",
    "with_names",
]

CODEBOOK_COLUMNS = (
    "column", "text", "dimension", "dimension_name", "lens", "lens_name", "keying", "values",
)  # fmt: skip
"""One row per column of the responses file, in the file's order."""

NAME_COLUMNS = {"dimension": "dimension_name", "lens": "lens_name", "role": "role_name"}
"""The id columns that get a display name, and the name column each gets."""

KEYING = {False: "forward", True: "reverse"}
_METADATA_TEXT = {
    "response_id": "A random id per row, new in every download; it links nothing.",
    "submitted_at": "The day the answers were sent (YYYY-MM-DD, UTC); empty where a day"
    " could narrow people down.",
    "round": "The round's name.",
    "team": "The respondent's team; empty where the round's privacy rule leaves it out.",
    "role": "The respondent's role, by id; empty where the round's privacy rule leaves it out.",
}


def item_values(bank: Bank) -> str:
    """What a statement's cell holds: each point with its label, then the off-scale cells.

    For a 5-point scale with the combined "don't know": ``1 = Strongly disagree;
    ...; 5 = Strongly agree; empty = Don't know / not applicable, or skipped``.
    """
    scale = bank.scale
    parts = [f"{point} = {label}" for point, label in enumerate(scale.labels, start=1)]
    cells = answer_cells(scale)
    if cells:  # "don't know" and "not applicable" apart: each has its own cell
        labels = {"DK": scale.dont_know_label, "NA": scale.not_applicable_label}
        parts += [f"{cell} = {labels.get(cell, cell)}" for cell in cells]
        parts.append("empty = skipped")
    elif scale.dont_know:
        parts.append(f"empty = {scale.dont_know_label}, or skipped")
    else:
        parts.append("empty = skipped")
    return "; ".join(parts)


def _item_row(item: Item, bank: Bank, values: str) -> dict[str, str]:
    return {
        "column": item.id,
        "text": item.text,
        "dimension": item.dimension,
        "dimension_name": bank.dimension(item.dimension).name,
        "lens": item.lens,
        "lens_name": LENS_TITLES[item.lens],
        "keying": KEYING[item.reverse],
        "values": values,
    }


def codebook_table(bank: Bank) -> pd.DataFrame:
    """The codebook as text: ``column, text, dimension, dimension_name, lens, lens_name,
    keying, values``.

    The metadata columns come first (``role`` lists its ids with their names),
    then one row per statement in bank order. ``keying`` is ``reverse`` where
    agreeing scores low (item score = 100 - (a - 1) / (points - 1) * 100).
    """
    blank = dict.fromkeys(CODEBOOK_COLUMNS, "")
    roles = "; ".join(f"{role.id} = {role.name}" for role in bank.roles)
    rows = [
        blank
        | {"column": col, "text": _METADATA_TEXT.get(col, ""), "values": roles * (col == "role")}
        for col in METADATA_COLUMNS
    ]
    values = item_values(bank)
    rows += [_item_row(item, bank, values) for item in bank.items]
    table = pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS), dtype="str")
    return table.apply(neutralise)


def codebook_csv_bytes(bank: Bank) -> bytes:
    return to_bytes(codebook_table(bank))


def with_names(table: pd.DataFrame, bank: Bank) -> pd.DataFrame:
    """`table` (all text, as written) with a display name after the columns, for each id column.

    ``dimension_name``, ``lens_name`` and ``role_name``, for whichever of
    ``dimension``, ``lens`` and ``role`` the table has, are appended at the
    end: every column a file had before keeps its place, so a script reading
    the scores by position still reads them. An empty id (a role the file
    leaves out) gets an empty name; an id the bank does not know keeps itself.
    """
    names = {
        "dimension": {d.id: d.name for d in bank.dimensions},
        "lens": dict(LENS_TITLES),
        "role": {r.id: r.name for r in bank.roles},
    }
    out = table.copy()
    for column, name_column in NAME_COLUMNS.items():
        if column in out and name_column not in out:
            ids = out[column].astype(str)
            found = ids.map(names[column])
            out[name_column] = neutralise(found).where(found.notna(), ids)
    return out
