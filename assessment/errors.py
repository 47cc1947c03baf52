"""The one exception family of Role Radar.

Every error a user can cause (a broken bank, a bad CSV, an unknown round) is an
`AssessmentError`. It carries a list of problems so that one run reports every
mistake at once instead of making the user fix them one by one.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["AssessmentError", "BankError", "InputError", "NotFoundError"]


class AssessmentError(ValueError):
    """A problem the user can fix; `problems` holds one message per problem."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class BankError(AssessmentError):
    """A question bank that cannot be used; each message names the file and the item."""


class InputError(AssessmentError):
    """Bad responses data (CSV or form input); each message names the row and the column."""


class NotFoundError(AssessmentError):
    """A round, response or file that does not exist."""
