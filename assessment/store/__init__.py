"""Persistence of rounds, responses, answers, comments and drafts.

Plain functions over a SQLAlchemy `Engine` (built by `assessment.store.schema`), so the
Streamlit pages, the CLI and the tests share one code path and none of them
needs a running app. Every write is one transaction.

Split by concept -- `rounds`, `responses` (submitting), `reads` (the wide
table, counts, comments), `drafts`, `importing` -- and re-exported here, so
callers write ``from assessment.store import submit_response``. Leader
sessions keep their short names in their module: ``from assessment.store
import sessions``, then ``sessions.create`` / ``is_active`` / ``revoke``.
"""

from __future__ import annotations

from assessment.store.drafts import load_draft, save_draft
from assessment.store.importing import ValidatedImport, import_responses, validate_import
from assessment.store.publication import Publication, last_published, publish
from assessment.store.reads import (
    META_COLUMNS,
    comments_frame,
    response_count,
    response_counts,
    responses_frame,
    team_counts,
)
from assessment.store.responses import submit_response
from assessment.store.rounds import (
    Round,
    close_round,
    get_round,
    list_rounds,
    open_round,
    reopen_round,
)

__all__ = [
    "META_COLUMNS",
    "Publication",
    "Round",
    "ValidatedImport",
    "close_round",
    "comments_frame",
    "get_round",
    "import_responses",
    "last_published",
    "list_rounds",
    "load_draft",
    "open_round",
    "publish",
    "reopen_round",
    "response_count",
    "response_counts",
    "responses_frame",
    "save_draft",
    "submit_response",
    "team_counts",
    "validate_import",
]
