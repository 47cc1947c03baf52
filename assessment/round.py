"""A survey round as the rest of Role Radar sees it: a plain, frozen record.

The store builds it from a row; results, exports and pages read it. Keeping it
out of the store lets the results layer work on rounds without reaching the
database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assessment.bank import Bank

__all__ = ["Round"]


@dataclass(frozen=True)
class Round:
    """A survey round: who may answer (teams), with which bank, and whether it is open."""

    token: str
    name: str
    teams: tuple[str, ...]
    min_group_size: int
    is_open: bool
    bank: Bank
    created_at: datetime
    closed_at: datetime | None
