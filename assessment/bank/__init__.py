"""Question banks: the pydantic models (`model`) and the loader of bank YAML files (`loading`).

The banks themselves are data, shipped inside the package in
``assessment/questions/`` (see docs/architecture.md).
"""

from assessment.bank.loading import load_bank
from assessment.bank.model import (
    DEFAULT_BANK_PATH,
    LENSES,
    LINE_BREAKS,
    NAME_CONTROLS,
    Bank,
    Dimension,
    FindingRules,
    Item,
    ProjectGate,
    Role,
    Scale,
    bank_from_dict,
    control_characters,
    control_class,
    control_pattern,
    escape_character,
)

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
    "load_bank",
]
