"""Role Radar: does an organisation blur product management and project management?

The pure core, importable without Streamlit: load a question bank, score
responses, turn scores into findings.

>>> from assessment import load_bank, group_scores, findings
"""

from assessment.bank import DEFAULT_BANK_PATH, LENSES, Bank, bank_from_dict, load_bank
from assessment.errors import AssessmentError, BankError, InputError, NotFoundError
from assessment.scoring import dimension_table, group_scores, item_scores, respondent_scores
from assessment.scoring.findings import Finding, classify, findings
from assessment.scoring.reliability import cronbach_alpha, reliability

__all__ = [
    "DEFAULT_BANK_PATH",
    "LENSES",
    "AssessmentError",
    "Bank",
    "BankError",
    "Finding",
    "InputError",
    "NotFoundError",
    "bank_from_dict",
    "classify",
    "cronbach_alpha",
    "dimension_table",
    "findings",
    "group_scores",
    "item_scores",
    "load_bank",
    "reliability",
    "respondent_scores",
]
