"""`assessment export ...` and `assessment import ...`: a round's CSV files from the terminal.

They write and read the same files as the leader's "Import & export" page
(`exports.round_export`, `forms.prepare_import`), so a scripted export and a
downloaded one never differ. An import prints how it read the file -- the
detected format, which column became what, which personal columns were dropped
-- and stores all rows or none, with the rows `prepare_import` checked (one
validation for the preview and the write). Names from the file are printed
through `output.printable`; ``--output`` is written whole or not at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from assessment.cli.output import os_problem, printable, write_output
from assessment.errors import InputError, NotFoundError
from assessment.interchange.forms import ImportPlan, prepare_import, size_problem
from assessment.interchange.write import EXPORT_KINDS
from assessment.policy import MAX_IMPORT_BYTES
from assessment.service.exports import GROUP_COLUMNS, round_export
from assessment.settings import load_settings
from assessment.store import get_round, import_responses
from assessment.store.schema import init_db, make_engine

__all__ = ["register"]


def _engine() -> Engine:
    engine = make_engine(load_settings().database_url)
    init_db(engine)
    return engine


def _export(args: argparse.Namespace) -> int:
    engine = _engine()
    try:
        export = round_export(engine, args.token, args.kind, args.by, compare_to=args.compare_to)
    finally:
        engine.dispose()
    if args.output:
        write_output(args.output, export.data)
        print(printable(f"Wrote {export.rows} rows to {args.output}"), file=sys.stderr)
    else:
        # The terminal gets plain UTF-8: a byte-order mark would show up as a stray character.
        sys.stdout.write(export.data.decode("utf-8-sig"))
    return 0


def _mapping_lines(plan: ImportPlan) -> list[str]:
    """The mapping, short: each non-item column, then item columns counted by how they matched."""
    lines = [f"Format: {plan.format_name}"]
    items = [c for c in plan.columns if c.kind == "item"]
    others = [(printable(c.column), c) for c in plan.columns if c.kind != "item"]
    width = min(40, max((len(name) for name, _ in others), default=10))
    for name, column in others:
        target = {"personal": "dropped (personal data)", "ignored": "ignored"}.get(
            column.kind, column.target
        )
        shown = name if len(name) <= width else name[: width - 1] + "…"
        lines.append(
            f"  {shown:<{width}} -> {target}" + (f"  ({column.how})" if column.how else "")
        )
    hows: dict[str, int] = {}
    for column in items:
        hows[column.how] = hows.get(column.how, 0) + 1
    for how, count in hows.items():
        lines.append(f"  {count} statement column(s) -> items, matched by {how}")
    lines += [f"  {printable(repr(c.column))} -> {c.target}" for c in items if "ignoring" in c.how]
    return [printable(line) for line in lines]


def _read_import(path: Path) -> bytes:
    """The file's bytes; a file larger than an import may be is refused before it is read."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)
            if len(data) > MAX_IMPORT_BYTES:
                size = os.fstat(handle.fileno()).st_size or len(data)  # 0 for a pipe
                raise InputError(size_problem(max(size, len(data)), str(path)) or "")
            return data
    except FileNotFoundError:
        raise NotFoundError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a CSV file") from None
    except OSError as exc:
        raise InputError(f"cannot read {os_problem(exc, path)}") from None


def _import(args: argparse.Namespace) -> int:
    path = Path(args.responses)
    data = _read_import(path)
    engine = _engine()
    try:
        rnd = get_round(engine, args.token)
        plan = prepare_import(data, rnd.bank, str(path), teams=rnd.teams)
        for line in (*_mapping_lines(plan), *plan.messages):
            print(printable(line))
        count = import_responses(engine, args.token, plan.require_validated(), source="import")
    finally:
        engine.dispose()
    print(printable(f"Imported {count} responses into round '{rnd.name}'."))
    return 0


def register(sub: Any) -> None:
    """Add `export` and `import` to the `assessment` command's subparsers."""
    export = sub.add_parser(
        "export",
        help="write a round's responses, scores, retro pack, comments or codebook as CSV",
        description="The same files the leader's Import & export page offers.",
    )
    export.add_argument("kind", choices=EXPORT_KINDS, help="which file")
    export.add_argument("--round", required=True, dest="token", metavar="TOKEN")
    export.add_argument(
        "--by",
        action="append",
        default=[],
        choices=GROUP_COLUMNS,
        metavar="COLUMN",
        help="group scores, retro or comments by team and/or role (repeat); default: whole"
        " organisation",
    )
    export.add_argument(
        "--compare-to",
        metavar="TOKEN",
        default=None,
        help="scores only: add the change since that round (previous_score, difference, its 95%%"
        " interval, p_holm, change)",
    )
    export.add_argument("--output", type=Path, metavar="FILE", help="write here, not to stdout")
    export.set_defaults(func=_export)

    imports = sub.add_parser(
        "import",
        help="import responses (Role Radar CSV, Google or Microsoft Forms export) into a round",
        description="Checks every row first; stores all rows or none.",
    )
    imports.add_argument("responses", metavar="RESPONSES.csv")
    imports.add_argument("--round", required=True, dest="token", metavar="TOKEN")
    imports.set_defaults(func=_import)
