"""What the rounds page needs besides the store, without Streamlit: banks, teams, links, QR codes.

The page lists every bank file in ``questions/``; a broken file is listed
with its problems rather than silently left out, so whoever edited it sees
why it is not offered. Teams come as text, one per line (pasting a list from a
spreadsheet or an e-mail just works), each optionally ending in
``= <expected headcount>``; the store validates them.

Share links start from ``ASSESSMENT_BASE_URL`` when it is set. Otherwise the
Rounds page builds them from the address the leader's browser is on, which
is right behind any proxy or port mapping the leader reached it through;
the one case that still fails others is a loopback address (``localhost``),
and the page says so and how to fix it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from assessment.bank import DEFAULT_BANK_PATH, Bank, load_bank
from assessment.errors import AssessmentError
from assessment.policy import DRAFT_DAYS
from assessment.settings import PREFIX, Settings
from assessment.vocabulary import plural

__all__ = [
    "BANK_FOLDER",
    "BankFile",
    "LinkBase",
    "TeamPlan",
    "close_question",
    "discover_banks",
    "link_base",
    "parse_team_plan",
    "parse_teams",
    "qr_png",
    "unsent_surveys",
]

BANK_FOLDER = DEFAULT_BANK_PATH.parent


@dataclass(frozen=True)
class BankFile:
    """One ``*.yaml`` file of the bank folder: its bank when valid, else its problems."""

    path: Path
    bank: Bank | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How a leader recognises the bank: title, version, item count and file name."""
        if self.bank is None:
            return self.path.name
        bank = self.bank
        return f"{bank.title} (v{bank.version}, {len(bank.items)} items) — {self.path.name}"


def discover_banks(folder: Path | None = None) -> list[BankFile]:
    """Every bank file in `folder` (``*.yaml``, ``*.yml``), the default bank first, then by name."""
    folder = BANK_FOLDER if folder is None else folder
    paths = sorted({*folder.glob("*.yaml"), *folder.glob("*.yml")})
    paths.sort(key=lambda path: path.resolve() != DEFAULT_BANK_PATH.resolve())
    found = []
    for path in paths:
        try:
            found.append(BankFile(path, bank=load_bank(path)))
        except AssessmentError as exc:
            found.append(BankFile(path, problems=exc.problems))
    return found


_HEADCOUNT = re.compile(r"^(?P<team>.*\S)\s*=\s*(?P<headcount>\d+)$")


@dataclass(frozen=True)
class TeamPlan:
    """The teams of a new round, in order, and the expected headcount of those that have one."""

    teams: list[str]
    headcounts: dict[str, int]


def parse_team_plan(lines: str | list[str]) -> TeamPlan:
    """Teams from text (one per line) or CLI values, each optionally ``Team = 12``.

    Only a whole number after the last ``=`` is a headcount, so "R&D=EU" stays a
    team name; a team called "Group=5" would need renaming. Blank lines are
    dropped; duplicates are kept for the store to report by position.
    """
    entries = lines.splitlines() if isinstance(lines, str) else lines
    teams, headcounts = [], {}
    for entry in (line.strip() for line in entries):
        if not entry:
            continue
        match = _HEADCOUNT.match(entry)
        team = match["team"].strip() if match else entry
        if match:
            headcounts[team] = int(match["headcount"])
        teams.append(team)
    return TeamPlan(teams, headcounts)


def parse_teams(text: str) -> list[str]:
    """Team names from text, one per line (a team name may contain commas); blank lines dropped.

    Duplicates are kept on purpose: the store reports them by position, which
    is clearer than silently merging "Platform" and "platform".
    """
    return parse_team_plan(text).teams


# -- share links ---------------------------------------------------------------------------------

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})


@dataclass(frozen=True)
class LinkBase:
    """Where share links start, and why there."""

    url: str
    """The app's address without a trailing slash: links are ``<url>/?round=<token>``."""
    source: Literal["setting", "browser", "default"]
    """``ASSESSMENT_BASE_URL``; else the leader's browser; else the built-in default."""

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def local(self) -> bool:
        """Whether only this computer can open the links (a loopback host)."""
        host = self.host.lower()
        return host in LOOPBACK_HOSTS or host.startswith("127.") or host.endswith(".localhost")

    def local_warning(self) -> tuple[str, str]:
        """What a leader reads when only this computer can open the links: (headline, fix)."""
        where = {
            "setting": f"{PREFIX}BASE_URL",
            "browser": "the address this browser is on",
            "default": "the built-in default",
        }[self.source]
        return (
            "People on other machines cannot open these links.",
            f"They point to {self.host}, taken from {where}. Set {PREFIX}BASE_URL to the"
            " address respondents use (such as https://radar.example.org) and restart, or open"
            " Role Radar by this computer's network name (such as"
            " http://your-computer-name:8501) and copy the links there.",
        )


def link_base(settings: Settings, browser_url: str | None, page_path: str = "") -> LinkBase:
    """Share links start from the setting when it is set, else from the leader's browser.

    `browser_url` is ``st.context.url`` of the page the leader is on: the app's
    address plus the page's own path (`page_path`, e.g. "rounds"), which is cut
    off. Without a usable browser address (none reported, not http(s)) the
    configured default stands.
    """
    if "base_url" in settings.model_fields_set:
        return LinkBase(settings.base_url, "setting")
    parts = urlsplit(browser_url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return LinkBase(settings.base_url, "default")
    path = parts.path.rstrip("/")
    if page_path and path.endswith(f"/{page_path}"):
        path = path.removesuffix(f"/{page_path}")
    return LinkBase(f"{parts.scheme}://{parts.netloc}{path}", "browser")


def qr_png(link: str, *, scale: int = 6) -> bytes:
    """A QR code of `link` as PNG bytes, for printing on a slide or a poster.

    segno is pure Python with no dependencies and writes PNG itself (no Pillow).
    """
    import segno  # deferred: only the rounds page draws QR codes

    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def unsent_surveys(drafts: int) -> str:
    """Who a closed round cuts off: the surveys started and not yet submitted."""
    if drafts == 0:
        return "No one has a survey started and not yet submitted."
    who = "that person" if drafts == 1 else "those people"
    started = plural(drafts, "survey is", "surveys are")
    return (
        f"{started} started and not yet submitted: {who} cannot submit while the round is"
        f" closed. Their answers are kept for {DRAFT_DAYS} days, so reopening lets them finish."
    )


def close_question(drafts: int) -> str:
    """What a leader reads before closing a round: what closing does, and who it cuts off."""
    return f"Closing stops the link from accepting answers. {unsent_surveys(drafts)}"
