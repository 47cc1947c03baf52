"""What every page shares: settings and the database engine, built once per process."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
import streamlit as st

from assessment.errors import AssessmentError
from assessment.settings import Settings, load_settings
from assessment.store.schema import init_db, make_engine


def _secrets() -> Mapping[str, Any]:
    """st.secrets as a plain mapping; empty when no secrets.toml exists."""
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def settings() -> Settings:
    """The validated settings; an invalid one stops the page with a clear message."""
    try:
        return _cached_settings()
    except AssessmentError as exc:
        problems = "\n\n".join(exc.problems)
        st.error(f"Role Radar cannot start: its configuration is invalid.\n\n{problems}")
        st.stop()


@st.cache_resource(show_spinner=False)
def _cached_settings() -> Settings:
    return load_settings(secrets=_secrets())


@st.cache_resource(show_spinner=False)
def engine() -> sa.Engine:
    """One engine per process, shared by all sessions (SQLAlchemy engines are thread-safe)."""
    db = make_engine(settings().database_url)
    init_db(db)
    return db


_MARKDOWN_SPECIALS = "\\`*_{}[]<>()#+-.!|~$:"
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)h(?=ttps?\\:)|w(?=ww\\.)|@")


def md_text(text: object) -> str:
    """User-supplied text (a team name, a cell) for st.markdown: shown as typed, never as markup.

    Every character Markdown or Streamlit's directives (``:red[...]``, ``:material/...:``)
    could read is backslash-escaped, so a team called ``![x](http://host/pixel)`` shows as
    those characters instead of making the browser fetch an image.
    """
    escaped = "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in str(text))
    # Markdown also links bare addresses (http://…, www.…, a@b.c) after resolving escapes; an
    # invisible word joiner breaks those patterns without changing what the reader sees.
    return _AUTOLINK.sub(lambda m: m.group(0)[0] + WORD_JOINER + m.group(0)[1:], escaped)
