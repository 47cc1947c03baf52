"""Real-browser fixtures: a `streamlit run` server on a free port and Playwright's Chromium.

The server is started once per test session (per pytest-xdist worker; the
browser tests share one worker, see tests/conftest.py) with its own temporary
SQLite file and a known leader password; tests prepare data through the store
against `app_server.database_url` and drive the page through `desktop_page` or
`phone_page`.

Waiting: never on the clock. `wait_idle` waits until a script run the server
reported has finished and its output is on the page; `rerun` wraps an action
that makes the app rerun and waits for exactly that rerun (a plain click
returns before the server has even started it).

Accessibility: `axe.check(page, name)` runs axe-core on the page where a journey test
stands, at 1280 and 390 px (the list of pages and the tests that audit them is in
tests/test_accessibility_browser.py).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from assessment.store.schema import init_db, make_engine
from assessment.ui.leader import GATE

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
DEFAULT_TIMEOUT_MS = 30_000  # Playwright's own default, restored for every test
EXPECT_TIMEOUT_MS = 15_000
# Reduced motion: Streamlit's spinners, fades and transitions then mostly stand still, so
# Chromium does not paint frame after frame between a click and the rerun it waits for.
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "reduced_motion": "reduce"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "reduced_motion": "reduce",
}
# Set by the pytest_runtest_makereport hook in tests/conftest.py: the call phase's report.
CALL_REPORT = pytest.StashKey[pytest.TestReport]()

# Runs in every page before Streamlit's own scripts and watches the app's WebSocket. Going
# out it counts rerun requests (BackMsg field 11 rerun_script); coming in it reads the
# server's lifecycle messages (ForwardMsg field 4 new_session: a run started; field 6
# script_finished with its status, 2 = stopped early for a rerun that follows). In
# window.__runs: `requests` sent, and `drawn` = {started, finished, answered}, where
# `answered` is how many requests had been sent when the latest run started. `drawn` is
# published only once Streamlit has handled the message and React has drawn what it
# changed: Streamlit handles a message in microtasks after this listener and React draws
# in a posted-message task; the timeout-then-message that publishes queues behind both.
RUN_TRACKER = """(() => {
  if (window.__runs) return;
  const none = { started: 0, finished: true, answered: 0, seen: 0 };
  const runs = (window.__runs = { requests: 0, received: none, drawn: none });
  const firstField = (bytes, wanted) => {
    let i = 0;
    const varint = () => {
      let value = 0, shift = 0, byte = 0x80;
      while (byte & 0x80 && i < bytes.length) {
        byte = bytes[i++]; value += (byte & 0x7f) * 2 ** shift; shift += 7;
      }
      return value;
    };
    while (i < bytes.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
      if (wanted.includes(field)) return { field, value: wire === 0 ? varint() : null };
      if (wire === 0) varint();
      else if (wire === 2) { const length = varint(); i += length; }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return null;
    }
    return null;
  };
  const asBytes = (data) => data instanceof ArrayBuffer ? new Uint8Array(data)
    : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : null;
  const publish = (snapshot) => setTimeout(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      if (snapshot.seen > runs.drawn.seen) runs.drawn = snapshot;
      channel.port1.close();
    };
    channel.port2.postMessage(null);
  }, 0);
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        const bytes = asBytes(event.data);
        const found = bytes && firstField(bytes, [4, 6]);
        if (!found) return;
        const now = runs.received;
        runs.received = found.field === 4
          ? { started: now.started + 1, finished: false, answered: runs.requests }
          : { ...now, finished: found.value !== 2 };
        runs.received.seen = now.seen + 1;
        publish(runs.received);
      });
    }
    send(data) {
      const bytes = asBytes(data);
      if (bytes && firstField(bytes, [11])) runs.requests += 1;
      return super.send(data);
    }
  };
})();"""

# True once every rerun the page asked for has started, a run after the first `since`
# has finished, and nothing runs: what the server reported, drawn, and shown as idle.
IDLE = """([since]) => {
  const app = document.querySelector("[data-testid='stApp']");
  const runs = window.__runs;
  if (!app || !runs) return false;
  const drawn = runs.drawn;
  return drawn.started > since && drawn.finished && drawn.answered >= runs.requests
    && app.dataset.testConnectionState === "CONNECTED"
    && app.dataset.testScriptState === "notRunning";
}"""
# The runs started so far if the page is idle already (one round trip), else -1.
STARTED_IF_IDLE = f"() => ({IDLE})([0]) ? window.__runs.received.started : -1"


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
        # As behind a reverse proxy on the same host: uvicorn takes the client address from
        # X-Forwarded-For on connections from here (tests/test_sign_in_browser.py uses it).
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    # No ASSESSMENT_BASE_URL, as on a fresh install: share links take the browser's address.
    env.pop("ASSESSMENT_BASE_URL", None)
    # runner.postScriptGC: Streamlit runs gc.collect(2) after every script run, ~0.1 s with
    # this app's imports while holding the GIL; a test server never lives long enough to
    # need it, and it was a third of the server's time in the browser tests.
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        "--runner.postScriptGC", "false",
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
def chromium_browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: pip install -e '.[test]'")
    # `expect(...)` checks are usually true at once; the margin is for a loaded machine.
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def runs_started(page: Any) -> int:
    """How many script runs the server has started for this page's document so far."""
    return int(page.evaluate("() => window.__runs?.received.started ?? 0"))


def wait_idle(page: Any, since: int = 0, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
    """Wait until a run after the first `since` has finished, nothing else runs, and it is drawn.

    With the default `since=0` that is the first run of a freshly loaded page. A run
    stopped early for a rerun does not count: the rerun that follows has to finish.
    """
    page.wait_for_function(IDLE, arg=[since], timeout=timeout)


@contextmanager
def rerun(page: Any) -> Iterator[None]:
    """Around an action that makes the app rerun: on leaving, that rerun is done and drawn.

    `with rerun(page): page.get_by_role("button", name="Save").click()`. An action that
    starts no run (an expander, an unchanged radio) makes this time out: use a plain wait.
    """
    before = int(page.evaluate(STARTED_IF_IDLE))
    if before < 0:  # a run still going from an earlier step must not count as this one
        wait_idle(page)
        before = runs_started(page)
    yield
    wait_idle(page, since=before)


def sign_in_leader(page: Any, app_server: AppServer, path: str = "sign_in") -> None:
    """Sign the tab in as a leader and open the app at `path`: by default the sign-in page,
    which then says "Signed in.", or straight the leader page a test starts on (one page
    load less), which then shows no gate.

    Posts the passcode to the server's sign-in route as the page's form does (the tab's
    context keeps the cookie it sets), so later `page.goto` calls stay signed in too, until
    the tab's cookies are cleared. tests/test_sign_in_browser.py drives the form itself.
    """
    reply = page.request.post(
        f"{app_server.url}/auth/sign-in",
        form={"passcode": app_server.leader_password},
        max_redirects=0,
    )
    assert reply.status == 303 and reply.headers["location"].endswith("/results"), reply.status
    page.goto(f"{app_server.url}/{path}")
    wait_idle(page)
    if path == "sign_in":
        page.get_by_text("Signed in.").wait_for()
    else:
        assert page.get_by_text(GATE).count() == 0, "the leader gate is shown"


class _Tabs:
    """One browser tab per device, reused from test to test.

    A fresh context per test costs a renderer process and a cold cache for Streamlit's
    JavaScript (about 1.5 s a test on two cores). Between tests the tab leaves the app
    (the server ends that session) and forgets cookies and storage, so a test still
    starts signed out, with no draft and default sidebar settings; after a failed test
    the whole context is thrown away.
    """

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.pages: dict[str, Any] = {}
        self.kept: set[str] = set()

    def open(self, device: str, options: dict[str, Any]) -> Any:
        if device in self.kept:
            raise RuntimeError(f"the {device} tab is kept for a module: use its fixture")
        page = self.pages.get(device)
        if page is None or page.is_closed():
            context = self.browser.new_context(**options)
            context.add_init_script(script=RUN_TRACKER)
            page = self.pages[device] = context.new_page()
        page.set_default_timeout(DEFAULT_TIMEOUT_MS)
        return page

    def release(self, device: str, clean: bool) -> None:
        page = self.pages[device]
        try:
            if not clean:
                raise RuntimeError("the test failed: start the next one in a new context")
            if page.url.startswith("http"):
                page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            page.goto("about:blank")
            page.context.clear_cookies()
        except Exception:
            del self.pages[device]
            page.context.close()

    @contextmanager
    def keep(self, device: str, options: dict[str, Any], session: pytest.Session) -> Iterator[Any]:
        """The device's tab for a whole module, released (or thrown away) after its last test.

        For a page that costs seconds to draw (the demo's results) and that several tests
        only read: each test then reads the tab as the one before left it.
        """
        page = self.open(device, options)
        failed = session.testsfailed
        self.kept.add(device)
        try:
            yield page
        finally:
            self.kept.discard(device)
            self.release(device, clean=session.testsfailed == failed)

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="session")
def browser_tabs(chromium_browser: Any) -> Iterator[_Tabs]:
    tabs = _Tabs(chromium_browser)
    yield tabs
    tabs.close()


def _tab(
    request: pytest.FixtureRequest, tabs: _Tabs, device: str, options: dict[str, Any]
) -> Iterator[Any]:
    page = tabs.open(device, options)
    yield page
    report = request.node.stash.get(CALL_REPORT, None)
    tabs.release(device, clean=report is not None and report.passed)


@pytest.fixture
def desktop_page(request: pytest.FixtureRequest, browser_tabs: _Tabs) -> Iterator[Any]:
    yield from _tab(request, browser_tabs, "desktop", DESKTOP)


@pytest.fixture
def phone_page(request: pytest.FixtureRequest, browser_tabs: _Tabs) -> Iterator[Any]:
    yield from _tab(request, browser_tabs, "phone", PHONE)


# -- accessibility: axe-core where a test stands ---------------------------------------------

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 390)
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Finding:
    page: str
    width: int
    rule: str
    impact: str
    target: str
    within: str
    html: str
    summary: str

    def line(self) -> str:
        return (
            f"{self.page} @{self.width}px {self.rule} ({self.impact}) {self.target}\n"
            f"    {self.html}\n    {self.summary}"
        )


@dataclass(frozen=True)
class Allowed:
    """A violation in Streamlit's own markup: the rule, the element (a data-testid it is
    in or is) and why it cannot be fixed from this project."""

    rule: str
    element: str
    why: str

    def covers(self, finding: Finding) -> bool:
        return finding.rule == self.rule and self.element in finding.within


ALLOWED: tuple[Allowed, ...] = (
    Allowed(
        "list",
        "stSidebarNavItems",
        "Streamlit's sidebar navigation puts each section's <div> straight into the <ul>;"
        " the page list is drawn by st.navigation, not by this app",
    ),
    Allowed(
        "listitem",
        "stSidebarNav",
        "the other half of the same markup: the sidebar's <li> page links sit in those"
        " <div>s, not directly in the <ul>",
    ),
)

# Every serious or critical violation and every skipped heading level, one row per element,
# with the data-testids of the element and its ancestors (to recognise Streamlit's markup).
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  const within = (selector) => {
    let node = document.querySelector(selector), ids = [];
    for (; node; node = node.parentElement) if (node.dataset?.testid) ids.push(node.dataset.testid);
    return ids.join(" ");
  };
  return result.violations
    .filter((v) => ["serious", "critical"].includes(v.impact) || v.id === "heading-order")
    .flatMap((v) => v.nodes.map((n) => ({
      rule: v.id, impact: v.impact, target: n.target.join(" "),
      within: typeof n.target[0] === "string" ? within(n.target[0]) : "",
      html: n.html.slice(0, 160), summary: (n.failureSummary || "").slice(0, 300),
    })));
}"""


def blocking(found: list[Finding]) -> list[Finding]:
    """What fails: serious, critical or a skipped heading, and not Streamlit's own."""
    return [
        f
        for f in found
        if (f.impact in BLOCKING or f.rule == "heading-order")
        and not any(allowed.covers(f) for allowed in ALLOWED)
    ]


def tally(found: list[Finding]) -> dict[str, int]:
    """Serious and critical elements per rule (what the before/after record counts)."""
    counts: dict[str, int] = {}
    for f in found:
        if f.impact in BLOCKING:
            counts[f.rule] = counts.get(f.rule, 0) + 1
    return counts


def report(found: list[Finding]) -> str:
    return "\n".join(f.line() for f in found)


@dataclass(frozen=True)
class Axe:
    """axe-core (npm, tests/support/package.json; `.ci/run` installs it) run on the page
    as a test has drawn it, instead of a separate walk that loads every page again.

    A serious or critical violation fails the test, and so does a heading that skips a
    level, unless `ALLOWED` names it (Streamlit's own markup).
    """

    script: Path

    def findings(self, page: Any, name: str, width: int) -> list[Finding]:
        """axe's findings on the page as drawn now (axe is injected once per document)."""
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(self.script))
        rows = page.evaluate(RUN_AXE)
        return [Finding(page=name, width=width, **row) for row in rows]

    def check(self, page: Any, name: str, widths: tuple[int, ...] = WIDTHS) -> None:
        """Audit the page at each width, then give the tab back its own size.

        A resize starts no script run, so there is nothing to wait for but the layout.
        """
        own = page.viewport_size
        found: list[Finding] = []
        for width in widths:
            if page.viewport_size["width"] != width:
                page.set_viewport_size({"width": width, "height": own["height"]})
                page.wait_for_function(f"() => window.innerWidth === {width}")
            found += self.findings(page, name, width)
        if page.viewport_size != own:
            page.set_viewport_size(own)
            page.wait_for_function(f"() => window.innerWidth === {own['width']}")
        print(f"{name} @{'/'.join(map(str, widths))}px, serious+critical:", tally(found))
        assert not blocking(found), report(blocking(found))


@pytest.fixture(scope="session")
def axe() -> Axe:
    if not AXE.exists():
        skip_or_fail(f"axe-core not found at {AXE}: npm install --prefix tests/support")
    return Axe(AXE)
