"""Shared fixtures: they live in tests/support/ by topic and are gathered here.

The suite runs on pytest-xdist workers (pyproject: `-n auto --dist loadgroup`). The
browser tests form two xdist groups (whole files each), so two workers each start one
Streamlit server and one Chromium, while the workers take the rest test by test.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

from tests.support.app import *  # noqa: F403
from tests.support.banks import *  # noqa: F403
from tests.support.browser import *  # noqa: F403
from tests.support.browser import CALL_REPORT
from tests.support.cli import *  # noqa: F403
from tests.support.db import *  # noqa: F403

MAX_WORKERS = 4  # past this the browser group is the critical path: more workers only add start-up


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker per usable core, at most MAX_WORKERS.

    PYTEST_XDIST_AUTO_NUM_WORKERS still wins (xdist's own hook reads it).
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(MAX_WORKERS, usable or 1))


def _is_property(item: pytest.Item) -> bool:
    return bool(getattr(getattr(item, "obj", None), "is_hypothesis_test", False))


BROWSER_GROUPS = 2
"""Browser tests run in this many xdist groups: each a worker with its own server and Chromium."""


def _browser_groups(items: list[pytest.Item]) -> dict[str, str]:
    """Browser test files dealt to `BROWSER_GROUPS` groups, a whole file to one group.

    A file stays together so its module fixtures (a demo round, say) are built once; files
    go, largest first, to the group with the fewest browser tests so far, which keeps the
    groups about even as files come and go.
    """
    counts: dict[str, int] = {}
    for item in items:
        if item.get_closest_marker("browser"):
            counts[item.nodeid.split("::")[0]] = counts.get(item.nodeid.split("::")[0], 0) + 1
    load = [0] * BROWSER_GROUPS
    group: dict[str, str] = {}
    for path in sorted(counts, key=lambda path: (-counts[path], path)):
        smallest = load.index(min(load))
        load[smallest] += counts[path]
        group[path] = f"browser-{smallest + 1}"
    return group


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the mark into a group
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests join a `browser-N` group: per group one worker, one server, one Chromium.

    On xdist workers the Hypothesis properties come first (xdist hands out the biggest
    group first anyway): they are the longest single tests, and one of them started last
    would leave the other workers idle at the end. Otherwise tests keep their file order.
    """
    groups = _browser_groups(items)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group(groups[item.nodeid.split("::")[0]]))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: not _is_property(item))  # stable: same order on every worker


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the call phase's report: a browser tab is reused only after a passing test."""
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report
