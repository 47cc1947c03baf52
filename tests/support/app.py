"""AppTest support: a temp database that the app's cached engine points at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st

from assessment.store.schema import init_db, make_engine

APP_PASSWORD = "a leader passcode for tests"


@pytest.fixture
def app_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    """A temp SQLite file, configured through the environment as a deployment would be.

    Streamlit's caches are cleared before and after, so `pages.common.engine()`
    builds its engine from this URL and no test sees another's data.
    """
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", url)
    monkeypatch.setenv("ASSESSMENT_LEADER_PASSWORD", APP_PASSWORD)
    monkeypatch.delenv("ASSESSMENT_LEADER_EMAILS", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = make_engine(url)
    init_db(engine)
    yield engine
    st.cache_resource.clear()
    st.cache_data.clear()
    engine.dispose()
