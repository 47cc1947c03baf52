"""What the rounds page needs besides the store, without Streamlit: banks to offer, teams, QR codes.

The page lists every bank file in ``questions/``; a broken file is listed
with its problems rather than silently left out, so whoever edited it sees
why it is not offered. Teams come as text, one per line (pasting a list from a
spreadsheet or an e-mail just works); the store validates them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from assessment.bank import DEFAULT_BANK_PATH, Bank, load_bank
from assessment.errors import AssessmentError

__all__ = [
    "BANK_FOLDER",
    "BankFile",
    "discover_banks",
    "parse_teams",
    "qr_png",
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


def parse_teams(text: str) -> list[str]:
    """Team names from text, one per line (a team name may contain commas); blank lines dropped.

    Duplicates are kept on purpose: the store reports them by position, which
    is clearer than silently merging "Platform" and "platform".
    """
    return [line.strip() for line in text.splitlines() if line.strip()]


def qr_png(link: str, *, scale: int = 6) -> bytes:
    """A QR code of `link` as PNG bytes, for printing on a slide or a poster.

    segno is pure Python with no dependencies and writes PNG itself (no Pillow).
    """
    import segno  # deferred: only the rounds page draws QR codes

    buffer = io.BytesIO()
    segno.make(link, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
