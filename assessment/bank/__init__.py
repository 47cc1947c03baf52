"""Question banks: the pydantic models of a bank and the loader of its YAML files.

The banks themselves are data, shipped inside the package in
``assessment/questions/`` (see docs/architecture.md).
"""

from assessment.bank.model import (
    DEFAULT_BANK_PATH,
    LENSES,
    Bank,
    Dimension,
    FindingRules,
    Item,
    Role,
    Scale,
    bank_from_dict,
    load_bank,
)

__all__ = [
    "DEFAULT_BANK_PATH",
    "LENSES",
    "Bank",
    "Dimension",
    "FindingRules",
    "Item",
    "Role",
    "Scale",
    "bank_from_dict",
    "load_bank",
]
