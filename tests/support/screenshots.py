"""Screenshots of every page for docs/screenshots/: `python -m tests.support.screenshots`.

Starts the app as the browser tests do (its own temporary SQLite file, a known
leader passcode), loads the demo rounds and opens a survey round, then takes
each page at desktop width (1280 px) and phone width (390 px) once it has
finished drawing. Pixel ratio 1 keeps the files small; `--scale 2` gives
sharper ones. Nothing here is a test: pytest collects only ``test_*.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assessment import store
from assessment.bank import load_bank
from assessment.service import demo
from assessment.store.schema import init_db, make_engine
from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LEADER_PASSWORD,
    ROOT,
    RUN_TRACKER,
    AppServer,
    _free_port,
    _wait_healthy,
    rerun,
    sign_in_leader,
    wait_idle,
)

DEVICES = {"desktop": (1280, 900), "phone": (390, 844)}
PAGE_TIMEOUT_MS = 120_000  # the demo's results page scores two rounds on its first run


def _start(workdir: Path) -> tuple[subprocess.Popen[bytes], AppServer]:
    port = _free_port()
    database_url = f"sqlite:///{workdir / 'role_radar.db'}"
    engine = make_engine(database_url)
    init_db(engine)
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
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log = (workdir / "streamlit.log").open("wb")
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, process)
    return process, AppServer(url=url, database_url=database_url, leader_password=LEADER_PASSWORD)


def _rounds(server: AppServer) -> str:
    """The demo rounds for the leader pages; returns the token of a survey round."""
    engine = make_engine(server.database_url)
    try:
        bank = load_bank()
        demo.load_demo(engine, bank)
        return store.open_round(engine, "Q1 2027 check-in", ["Checkout", "Search"], bank).token
    finally:
        engine.dispose()


def _survey(page: Any, server: AppServer, token: str) -> None:
    """The first section, one statement answered: what a respondent mostly sees."""
    page.goto(f"{server.url}/?round={token}")
    wait_idle(page)
    for group, option in (("Your team", "Search"), ("Your role", "Engineering")):
        with rerun(page):
            page.get_by_role("radiogroup", name=group, exact=True).get_by_text(
                option, exact=True
            ).click()
    gate = load_bank().project_gate
    if gate is not None:  # the routing question: yes, so every statement is asked
        with rerun(page):
            page.get_by_text(gate.yes_label, exact=True).click()
    with rerun(page):
        page.get_by_role("button", name=re.compile("Start the survey")).click()
    first = page.get_by_role("radiogroup").filter(has_text="Strongly agree").first
    with rerun(page):
        first.get_by_text("Agree", exact=True).click()
    page.evaluate("() => window.scrollTo(0, 0)")


def _leader_page(path: str, heading: str) -> Callable[[Any, AppServer, str], None]:
    def show(page: Any, server: AppServer, token: str) -> None:
        page.goto(f"{server.url}/{path}")
        wait_idle(page, timeout=PAGE_TIMEOUT_MS)
        page.get_by_role("heading", name=heading).first.wait_for()

    return show


def _sign_in(page: Any, server: AppServer, token: str) -> None:
    page.goto(f"{server.url}/sign_in")
    wait_idle(page)


PAGES: dict[str, Callable[[Any, AppServer, str], None]] = {
    "survey": _survey,
    "sign-in": _sign_in,
    "results": _leader_page("results", "At a glance"),
    "statements": _leader_page("items", "Scales"),
    "rounds": _leader_page("rounds", "Your rounds"),
    "data": _leader_page("data", "Download"),
}


def take(folder: Path, scale: float) -> list[Path]:
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        process, server = _start(Path(tmp))
        try:
            token = _rounds(server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                )
                for device, (width, height) in DEVICES.items():
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        device_scale_factor=scale,
                        is_mobile=device == "phone",
                        has_touch=device == "phone",
                    )
                    context.add_init_script(script=RUN_TRACKER)
                    page = context.new_page()
                    page.set_default_timeout(PAGE_TIMEOUT_MS)
                    for name, show in PAGES.items():
                        if name == "results":
                            sign_in_leader(page, server)
                        show(page, server, token)
                        target = folder / f"{name}-{device}.png"
                        page.screenshot(path=str(target), animations="disabled")
                        written.append(target)
                    context.close()
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio")
    args = parser.parse_args()
    for path in take(args.folder, args.scale):
        print(f"{path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
