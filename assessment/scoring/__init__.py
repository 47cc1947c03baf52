"""Scoring: item, respondent and group scores, the privacy decision, levels, reliability, findings.

Pure numpy/pandas over whole tables; nothing here reads the database or
imports Streamlit. `scores` computes, `privacy` decides what may be shown,
`levels` applies that decision to the tables of one round, `findings`
classifies what is shown, `reliability` checks the scales.
"""

from assessment.scoring import scores
from assessment.scoring.scores import *  # noqa: F403 -- the public names of `scores`

__all__ = list(scores.__all__)
