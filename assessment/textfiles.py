"""Facts about text files that banks and CSV files share: which byte-order mark means what."""

from __future__ import annotations

__all__ = ["BYTE_ORDER_MARKS", "encoding_of"]

BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32"),  # before UTF-16's: it starts with the same two bytes
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
"""Marks Python's codecs read (and strip) themselves; anything else is read as UTF-8."""


def encoding_of(data: bytes) -> str | None:
    """The codec a byte-order mark at the start of `data` names, or None when there is none."""
    return next((name for bom, name in BYTE_ORDER_MARKS if data.startswith(bom)), None)
