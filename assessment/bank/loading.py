"""Reading a bank file: bytes, text, a strict YAML parse, then the rules of `model`.

A bank file is edited by hand, so the loader refuses what YAML would quietly
accept or what would crash the process, each with the file and the line:

* a key given twice in one mapping (YAML keeps the last one without a word:
  ``min_group_size: 10`` then ``min_group_size: 3`` would give 3);
* nesting deeper than `MAX_BANK_DEPTH` (PyYAML's composer recurses, so a deep
  file raised RecursionError; libyaml's C loader even crashes the process on
  it, which is why banks are always read with the pure-Python `SafeLoader`);
* aliases that expand to more than `MAX_BANK_NODES` nodes (the "billion laughs"
  file: a few lines that become billions of values once walked) or that refer
  to the list or mapping they are part of;
* files larger than `MAX_BANK_BYTES`, which no bank comes near;
* control characters (other than tab and line ends) anywhere in the text, typed
  or written as escapes in quoted strings: they would reach the survey page and
  the terminal.

Rules added after rounds were first stored (`_file_problems`: control
characters, repeated labels and statements, an empty role list) are checked
here, when a file is loaded, and never on a stored round's snapshot
(`bank_from_dict`), so an old round always opens.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from assessment.bank.model import (
    DEFAULT_BANK_PATH,
    LINE_BREAKS,
    Bank,
    bank_from_dict,
    control_characters,
    field_location,
)
from assessment.errors import BankError
from assessment.textfiles import encoding_of

__all__ = ["MAX_BANK_BYTES", "MAX_BANK_DEPTH", "MAX_BANK_NODES", "BankLoader", "load_bank"]

MAX_BANK_BYTES = 256 * 1024
"""A bank file; the built-in bank of 40 statements, with its prompts, is about 17 KiB."""
MAX_BANK_DEPTH = 20
"""Levels of nested lists and mappings; a bank needs four."""
MAX_BANK_NODES = 50_000
"""Values in a bank once every alias is expanded; the built-in bank has about 500."""

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that a bank may not be; `problem` says why, `problem_mark` where."""


class BankLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses duplicate keys, deep nesting and alias bombs."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values it holds, aliases expanded

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise _Refused(
                    None, None,
                    f"alias '*{event.anchor}' refers to the list or mapping it is part of;"
                    " a bank cannot contain itself",
                    event.start_mark,
                )  # fmt: skip
            return node
        mark = self.peek_event().start_mark
        self._depth += 1
        try:
            if self._depth > MAX_BANK_DEPTH:
                raise _Refused(
                    None, None,
                    f"nested too deeply (more than {MAX_BANK_DEPTH} levels of lists and"
                    " mappings); a bank needs only a few",
                    mark,
                )  # fmt: skip
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1 + sum(self._sizes[id(child)] for child in _children(node))
        if size > MAX_BANK_NODES:
            raise _Refused(
                None, None,
                f"its aliases expand to more than {MAX_BANK_NODES:,} values; a bank is far"
                " smaller (is this an alias bomb?)",
                mark,
            )  # fmt: skip
        self._sizes[id(node)] = size
        return node

    def compose_mapping_node(self, anchor: Any) -> Any:
        node = super().compose_mapping_node(anchor)
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                continue  # merged keys (<<: *base) may be overridden: that is their purpose
            key = self._key(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _Refused(
                    None, None,
                    f"duplicate key '{key}' (first on line {seen[key]}); YAML would keep only"
                    " the last one, so remove one of them",
                    key_node.start_mark,
                )  # fmt: skip
            seen[key] = line
        return node

    def _key(self, node: yaml.ScalarNode) -> Any:
        """The key as the mapping will hold it: `1` and `01` are the same key, "1" is not."""
        try:
            key = self.construct_object(node)
            hash(key)
        except Exception:  # a bad explicit tag; construction reports it later
            return (node.tag, node.value)
        return key


def _children(node: Any) -> Iterator[Any]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, yaml.SequenceNode):
        yield from node.value


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BANK_BYTES + 1)
    except FileNotFoundError:
        raise BankError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise BankError(f"{path}: is a folder, not a bank file") from None
    except OSError as exc:
        raise BankError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(data) > MAX_BANK_BYTES:
        raise BankError(
            f"{path}: larger than {MAX_BANK_BYTES // 1024} KiB; a bank file is a few dozen KiB"
            " (is this the right file?)"
        )
    return data


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without a byte-order mark), or UTF-16/32 with one."""
    encoding = encoding_of(data) or "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise BankError(
            f"{path}: not {encoding.upper().removesuffix('-SIG')} text (byte {exc.start + 1}"
            " cannot be read); save the file as UTF-8"
        ) from None


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _parse(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=BankLoader)
    except yaml.reader.ReaderError as exc:
        # Characters YAML refuses outright; say which and where, on one line.
        shown = control_characters(chr(exc.character)) if isinstance(exc.character, int) else ""
        raise BankError(
            f"{path}, line {_line_of(text, exc.position)}: holds a control character"
            f" ({shown or repr(exc.character)}), which a bank cannot contain; remove it"
        ) from None
    except _Refused as exc:
        mark = exc.problem_mark
        raise BankError(f"{path}, line {mark.line + 1 if mark else '?'}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        if context and problem.startswith("but "):  # "expected X, but found Y"
            problem = f"{context}, {problem}"
        if "'\\t'" in problem:
            problem += " (indent with spaces, not tabs)"
        raise BankError(f"{path}: not valid YAML{where}: {problem}") from None
    except RecursionError:  # belt and braces: the depth limit should make this unreachable
        raise BankError(f"{path}: nested too deeply; a bank needs only a few levels") from None


def _strings(
    value: Any, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every string in parsed YAML (keys too), with where it is."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, loc)
            yield from _strings(item, (*loc, str(key)))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _strings(item, (*loc, position))


def _file_problems(data: Any, source: str) -> list[str]:
    """Rules for a bank file being loaded; see the module docstring for why not in the model."""
    if not isinstance(data, dict):
        return []
    problems = []
    for loc, text in _strings(data):
        found = control_characters(text, allowed=LINE_BREAKS)
        if found:
            problems.append(
                f"{source}: {field_location(loc, data)}: holds a control character ({found});"
                " remove it"
            )
    return problems


def _comparable(text: str) -> str:
    """Text as a forms import compares it: no case, no punctuation."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _bank_problems(bank: Bank, source: str) -> list[str]:
    """Rules across fields for a bank file being loaded (never for a stored snapshot)."""
    problems = []
    if not bank.roles:
        problems.append(f"{source}: field 'roles': a bank needs at least one role (or leave"
                        " 'roles' out for the default ones)")  # fmt: skip
    labels: dict[str, str] = {}
    for label in bank.scale.labels:
        if _comparable(label) in labels:
            problems.append(
                f"{source}: scale: label '{label}' repeats '{labels[_comparable(label)]}';"
                " each point needs a label of its own"
            )
        labels.setdefault(_comparable(label), label)
    first: dict[str, str] = {}
    for item in bank.items:
        key = _comparable(item.text)
        if key in first:
            problems.append(
                f"{source}: item '{item.id}': the same statement as item '{first[key]}'"
                " (ignoring case and punctuation);"
                " a forms import could not tell their columns apart"
            )
        first.setdefault(key, item.id)
    return problems


def load_bank(path: str | Path | None = None) -> Bank:
    """Load and validate a bank file; raise `BankError` listing every problem.

    Each message names the file, and the line (YAML problems) or the item and
    field (bank problems).
    """
    path = Path(path) if path is not None else DEFAULT_BANK_PATH
    return _load(str(path), _read_bytes(path))


@functools.lru_cache(maxsize=32)
def _load(source: str, raw: bytes) -> Bank:
    """`load_bank` of one file's bytes, kept per name and content: a bank is immutable.

    The Rounds page lists every bank in the folder at each rerun and the CLI and
    imports load the default bank again and again; parsing and validating a bank
    costs tens of milliseconds, so an unchanged file is read but not parsed twice.
    A file with problems raises every time (exceptions are not cached).
    """
    path = Path(source)
    data = _parse(_decode(raw, path), path)
    problems = _file_problems(data, str(path))
    try:
        bank = bank_from_dict(data, source=str(path))
    except BankError as exc:
        raise BankError(problems + exc.problems) from None
    problems += _bank_problems(bank, str(path))
    if problems:
        raise BankError(problems)
    return bank
