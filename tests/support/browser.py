"""Real-browser fixtures: a `streamlit run` server on a free port and Playwright's Chromium.

The server is started once per test session with its own temporary SQLite file
and a known leader password; tests prepare data through the store against
`app_server.database_url` and drive the page through `page`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assessment.store.schema import init_db, make_engine

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("ASSESSMENT_TEST_CHROMIUM", "/usr/bin/chromium"))
LEADER_PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip locally when a tool is missing; in CI that is a failure, never a silent skip."""
    if _in_ci():
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


@dataclass(frozen=True)
class AppServer:
    url: str
    database_url: str
    leader_password: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling a readiness probe, not waiting for a result
    raise RuntimeError(f"streamlit did not answer {url}/_stcore/health within {timeout:.0f} s")


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """`streamlit run streamlit_app.py` as Streamlit's own e2e suite starts it."""
    port = _free_port()
    workdir = tmp_path_factory.mktemp("app")
    database_url = f"sqlite:///{workdir / 'role_radar.db'}"
    engine = make_engine(database_url)
    init_db(engine)  # tests may write rounds before the first page view creates the schema
    engine.dispose()
    env = {
        **os.environ,
        "ASSESSMENT_DATABASE_URL": database_url,
        "ASSESSMENT_LEADER_PASSWORD": LEADER_PASSWORD,
        "ASSESSMENT_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log = (workdir / "streamlit.log").open("wb")
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield AppServer(url=url, database_url=database_url, leader_password=LEADER_PASSWORD)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def wait_idle(page: object) -> None:
    """Wait until the app is connected and its script has finished rerunning."""
    page.wait_for_selector(  # type: ignore[attr-defined]
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=30_000
    )
    page.wait_for_selector("[data-test-script-state='notRunning']", timeout=30_000)  # type: ignore[attr-defined]


def sign_in_leader(page: Any, app_server: AppServer) -> None:
    """Sign in through the sign-in page; later moves must stay in-app (session state)."""
    page.goto(f"{app_server.url}/sign_in")
    wait_idle(page)
    page.get_by_role("textbox", name="Leader passcode").fill(app_server.leader_password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in.").wait_for()
    wait_idle(page)


@pytest.fixture
def desktop_page(chromium_browser: object) -> Iterator[object]:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium_browser: object) -> Iterator[object]:
    context = chromium_browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    context.close()
