"""AppTest support: a temp database that the app's cached engine points at, a leader's cookie."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.components.v2 import manifest_scanner

from assessment.service import auth
from assessment.store import sessions
from assessment.store.schema import make_engine
from assessment.ui import leader
from tests.support.db import make_sqlite_engine

APP_PASSWORD = "a leader passcode for tests"


@functools.cache
def app_password_hash() -> str:
    """APP_PASSWORD as the scrypt hash an operator may configure instead of the plain text.

    The app hashes a plain-text passcode once per process (50 ms of scrypt), but every
    AppTest starts with cleared caches, so the page tests configure the hash, made once
    per test process; typing APP_PASSWORD at the sign-in form still checks against it.
    tests/test_auth.py covers the plain-text setting itself.
    """
    return auth.hash_passcode(APP_PASSWORD)


TEST_COOKIE_KEY = "test_leader_cookie"
"""Where an AppTest keeps the leader cookie a browser would send (AppTest sends no cookies)."""


@pytest.fixture(autouse=True)
def leader_cookie_from_session_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages read the leader cookie through `leader.leader_cookie`; in AppTest, from here."""
    monkeypatch.setattr(leader, "leader_cookie", lambda: st.session_state.get(TEST_COOKIE_KEY))


# Every new AppTest scans all installed distributions for Streamlit component manifests
# (about 0.2 s of reading package metadata, on each of hundreds of AppTests). The installed
# packages do not change while the suite runs, so one scan per process gives the same
# answer; a served app scans once at start anyway.
manifest_scanner.scan_component_manifests = functools.cache(
    manifest_scanner.scan_component_manifests
)

PAGE_TIMEOUT = 30  # seconds: generous for a shared machine; a normal run takes well under one


def open_page_script(path: str, *, leader: bool = True) -> Any:
    """Run one page script through AppTest, signed in as a leader unless told otherwise."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(path, default_timeout=PAGE_TIMEOUT)
    if leader:
        as_leader(at)
    at.run()
    assert not at.exception, at.exception
    return at


def open_numbers(at: Any) -> Any:
    """Open the page's "Numbers behind" expanders, as a reader clicks them, and rerun once.

    The results page draws those tables only while their expander is open
    (ui/pages/results.py, `numbers_behind`): a test that reads every table opens them first.
    """
    closed = [
        e.key
        for e in at.expander
        if e.key and e.key.startswith("numbers_") and not at.session_state[e.key]
    ]
    for key in closed:
        at.session_state[key] = True
    if closed:
        at.run()
        assert not at.exception, at.exception
    return at


def as_leader(at: Any) -> Any:
    """Sign an AppTest in as a browser is: a live leader session in the app's database
    (ASSESSMENT_DATABASE_URL, see `app_engine`) and its token presented as the cookie."""
    engine = make_engine(os.environ["ASSESSMENT_DATABASE_URL"])
    try:
        at.session_state[TEST_COOKIE_KEY] = sessions.create(engine, timedelta(hours=1))
    finally:
        engine.dispose()
    return at


@pytest.fixture
def app_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    """A temp SQLite file, configured through the environment as a deployment would be.

    Streamlit's caches are cleared before and after, so `pages.common.engine()`
    builds its engine from this URL and no test sees another's data.
    """
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", url)
    monkeypatch.setenv("ASSESSMENT_LEADER_PASSWORD", app_password_hash())
    monkeypatch.delenv("ASSESSMENT_LEADER_EMAILS", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = make_sqlite_engine(tmp_path / "app.db")
    yield engine
    st.cache_resource.clear()
    st.cache_data.clear()
    engine.dispose()
