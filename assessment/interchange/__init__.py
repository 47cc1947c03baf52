"""Files in and out: wide responses and tidy scores as CSV, the retro pack, forms imports.

`read` parses and checks CSV, `write` writes the exports, `retro` the retro pack, `forms` and
`matching` turn Google / Microsoft Forms exports into wide responses.
"""

from assessment.interchange.read import METADATA_COLUMNS, read_responses, read_table
from assessment.interchange.retro import retro_csv_bytes, write_retro
from assessment.interchange.write import (
    responses_csv_bytes,
    scores_csv_bytes,
    write_responses,
    write_scores,
)

__all__ = [
    "METADATA_COLUMNS",
    "read_responses",
    "read_table",
    "responses_csv_bytes",
    "retro_csv_bytes",
    "scores_csv_bytes",
    "write_responses",
    "write_retro",
    "write_scores",
]
