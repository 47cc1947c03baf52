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

BROWSER_FIRST = ("tests/test_sign_in_browser.py",)
"""Browser files that run before the others of their group. Signing in lands on Results,
which draws the newest round that has results: before the other files have made one,
that page has nothing to draw, instead of seconds of charts no check there reads."""


def _browser_groups(items: list[pytest.Item]) -> dict[str, str]:
    """Browser test files dealt to `BROWSER_GROUPS` groups, a whole file to one group.

    A file stays together so its module fixtures (a demo round, say) are built once, and
    the files whose tests open the phone tab stay together too: one group then starts a
    phone context, not each (a context's first page costs seconds: a cold cache for
    Streamlit's JavaScript). Bundles go, largest first, to the group with the fewest
    browser tests so far, which keeps the groups about even as files come and go.
    """
    counts: dict[str, int] = {}
    phone: set[str] = set()
    for item in items:
        if item.get_closest_marker("browser"):
            path = item.nodeid.split("::")[0]
            counts[path] = counts.get(path, 0) + 1
            if "phone_page" in getattr(item, "fixturenames", ()):
                phone.add(path)
    bundles = [sorted(phone)] if phone else []
    bundles += [[path] for path in sorted(counts) if path not in phone]

    def size(bundle: list[str]) -> int:
        return sum(counts[path] for path in bundle)

    load = [0] * BROWSER_GROUPS
    group: dict[str, str] = {}
    for bundle in sorted(bundles, key=lambda bundle: (-size(bundle), bundle)):
        smallest = load.index(min(load))
        load[smallest] += size(bundle)
        group |= {path: f"browser-{smallest + 1}" for path in bundle}
    return group


def _join_group(config: pytest.Config, item: pytest.Item, group: str) -> None:
    """Put the item in xdist group `group`, so one worker runs the whole group.

    pytest-xdist (3.8) groups the tests whose node ids end in ``@<group>``: its own hook
    writes that suffix to ``item._nodeid``, which pytest 9.2 no longer reads (the id now
    lives in ``item._id``), so the mark alone leaves every browser test to any worker.
    Here the suffix goes where this pytest reads it; xdist adding its own to an id that
    has one already changes nothing, as it splits the group off at the last ``@``.
    """
    item.add_marker(pytest.mark.xdist_group(group))
    if getattr(config.option, "loadgroup", False) and hasattr(item, "_id"):
        from _pytest.nodeid import NodeId

        item._id = NodeId.parse(f"{item.nodeid}@{group}")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the mark into a group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests join a `browser-N` group: per group one worker, one server, one Chromium.

    Browser files run in file order, those in `BROWSER_FIRST` before the others. On xdist
    workers the Hypothesis properties come first (xdist hands out the biggest group first
    anyway): they are the longest single tests, and one of them started last would leave
    the other workers idle at the end. Otherwise tests keep their file order.
    """
    groups = _browser_groups(items)
    browser = [i for i, item in enumerate(items) if item.get_closest_marker("browser")]
    first = sorted(  # stable: otherwise in file order, in the places browser tests had
        (items[i] for i in browser),
        key=lambda item: item.nodeid.split("::")[0] not in BROWSER_FIRST,
    )
    for i, item in zip(browser, first, strict=True):
        items[i] = item
        _join_group(config, item, groups[item.nodeid.split("::")[0]])
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
