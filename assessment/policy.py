"""The numbers Role Radar promises or enforces, each in one place: thresholds and limits.

Every page, file and command reads these names (and the two functions below)
instead of typing a number, so the survey's promise to respondents, the
leader's pages, the CLI and the store can never disagree. docs/architecture.md
lists where each one is enforced.
"""

from __future__ import annotations

from numbers import Integral

__all__ = [
    "COMMENT_MIN_GROUP_SIZE",
    "DEFAULT_MIN_GROUP_SIZE",
    "DRAFTS_PER_TEAM",
    "DRAFT_DAYS",
    "ITEM_DONT_KNOW_FLAG_RATE",
    "MAX_COMMENT_CHARS",
    "MAX_DRAFT_CHARS",
    "MAX_IMPORT_BYTES",
    "MAX_NAME_CHARS",
    "MAX_TEAM_HEADCOUNT",
    "MAX_TOKEN_CHARS",
    "MIN_DRAFTS_PER_ROUND",
    "MIN_GROUP_SIZE_FLOOR",
    "SUBMIT_BURST",
    "SUBMIT_REFILL_SECONDS",
    "default_min_group_size",
    "max_drafts",
    "min_group_size_problem",
]

MIN_GROUP_SIZE_FLOOR = 3
"""No round, bank or setting may show groups smaller than this."""
DEFAULT_MIN_GROUP_SIZE = 5
"""The anonymity threshold when neither the bank nor the installation sets one."""
COMMENT_MIN_GROUP_SIZE = 10
"""Free-text comments are shown only for groups at least this large (and the round's minimum)."""
ITEM_DONT_KNOW_FLAG_RATE = 0.30
"""Item analysis flags a statement that more than this share of respondents answer don't know."""

MAX_NAME_CHARS = 200
"""Round names, team names and role labels."""
MAX_COMMENT_CHARS = 2000
"""A respondent's comment, whether typed in the survey or imported from a file."""
MAX_TOKEN_CHARS = 64
"""Round tokens, resume and client tokens, response ids."""
MAX_DRAFT_CHARS = 100_000
"""One saved half-filled survey, as JSON."""
MAX_IMPORT_BYTES = 10 * 1024 * 1024
"""One imported file."""
MAX_TEAM_HEADCOUNT = 100_000
"""The largest expected headcount a leader may give a team (a typo guard, not a rule)."""


def min_group_size_problem(value: object) -> str | None:
    """Why `value` cannot be a minimum group size, or None when it can."""
    if (
        not isinstance(value, Integral)
        or isinstance(value, bool)
        or int(value) < MIN_GROUP_SIZE_FLOOR
    ):
        return f"must be a whole number of at least {MIN_GROUP_SIZE_FLOOR} (got {value!r})"
    return None


def default_min_group_size(bank_minimum: int, configured: int | None) -> int:
    """The minimum group size a new round starts from: the stricter of bank and installation.

    Either may have been raised for a reason (a small organisation, a
    sensitive bank); offering the lower one would quietly undo that. A leader
    may still choose any value of at least `MIN_GROUP_SIZE_FLOOR` when opening
    the round; the CLI and the Rounds page offer this same default.

    >>> default_min_group_size(5, None), default_min_group_size(5, 8), default_min_group_size(6, 4)
    (5, 8, 6)
    """
    return max(MIN_GROUP_SIZE_FLOOR, bank_minimum, configured or 0)


# -- padding and flooding: what one anonymous network may do ----------------------------------

SUBMIT_BURST = 30
"""Survey answers one network (an IPv4 address, an IPv6 /64) may submit in a burst.

A whole team answering together from one office network must get through, so it
is well above a team's size; 100 scripted answers in a minute must not.
"""
SUBMIT_REFILL_SECONDS = 30
"""After the burst, one more answer per this many seconds (120 an hour) from that network."""
DRAFT_DAYS = 30
"""An unfinished survey is kept this many days after its last change, then deleted."""
DRAFTS_PER_TEAM = 25
"""Unfinished surveys a round keeps per team it lists (see `max_drafts`)."""
MIN_DRAFTS_PER_ROUND = 100
"""Unfinished surveys any round may keep, however few teams it lists."""


def max_drafts(team_count: int) -> int:
    """How many unfinished surveys a round with `team_count` teams keeps at once.

    A draft lives from a respondent's first click until they submit (or for
    `DRAFT_DAYS`), so the number in flight is about the people answering now
    plus those who gave up this month: 25 a team is more than most teams have
    members, and the floor of 100 serves a round of one or two large teams. It
    bounds what an anonymous script can store (at most this many times
    `MAX_DRAFT_CHARS` per round); past it a newcomer's answers are kept in their
    browser session only, and submitting still works.

    >>> max_drafts(1), max_drafts(8)
    (100, 200)
    """
    return max(MIN_DRAFTS_PER_ROUND, DRAFTS_PER_TEAM * team_count)
