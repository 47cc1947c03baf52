"""CSV interchange: the one place the rest of Role Radar imports CSV functions from.

Reading lives in `csv_read`, writing in `csv_write`, Google / Microsoft Forms
imports in `forms` (matching in `forms_match`), and a round's downloadable
files in `exports`; this module re-exports their public names so callers never
depend on that split.
"""

from __future__ import annotations

from assessment.csv_read import METADATA_COLUMNS, read_responses, read_table, unneutralise
from assessment.csv_write import (
    EXPORT_KINDS,
    export_filename,
    neutralise,
    responses_csv_bytes,
    retro_csv_bytes,
    retro_frame,
    scores_csv_bytes,
    write_responses,
    write_retro,
    write_scores,
)
from assessment.exports import GROUPINGS, Export, export_name, round_export
from assessment.forms import FORMATS, MAX_IMPORT_BYTES, ImportPlan, prepare_import

__all__ = [
    "EXPORT_KINDS",
    "FORMATS",
    "GROUPINGS",
    "MAX_IMPORT_BYTES",
    "METADATA_COLUMNS",
    "Export",
    "ImportPlan",
    "export_filename",
    "export_name",
    "neutralise",
    "prepare_import",
    "read_responses",
    "read_table",
    "responses_csv_bytes",
    "retro_csv_bytes",
    "retro_frame",
    "round_export",
    "scores_csv_bytes",
    "unneutralise",
    "write_responses",
    "write_retro",
    "write_scores",
]
