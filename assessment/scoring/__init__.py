"""Scoring: item, respondent and group scores, the privacy decision, levels, reliability, findings.

Pure numpy/pandas over whole tables; nothing here reads the database or
imports Streamlit. `scores` computes, `privacy` decides what may be shown,
`levels` applies that decision to the tables of one round, `findings`
classifies what is shown, `reliability` checks the scales.
"""

from assessment.scoring.scores import (
    SCORE_COLUMNS,
    dimension_table,
    group_scores,
    item_scores,
    respondent_scores,
)

__all__ = [
    "SCORE_COLUMNS",
    "dimension_table",
    "group_scores",
    "item_scores",
    "respondent_scores",
]
