"""`assessment round ...` and `assessment demo`: run survey rounds from the terminal.

The database is the one the app uses: ``ASSESSMENT_DATABASE_URL`` (or
``.streamlit/secrets.toml``), else ``data/role_radar.db`` under the working
directory. Links are built from ``ASSESSMENT_BASE_URL`` (the terminal has no browser
address to take them from, unlike the Rounds page). Errors are raised as
`AssessmentError` and printed by `assessment.cli.main`, one line each. Round
and team names are printed through `output.printable`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from assessment import store
from assessment.bank import DEFAULT_BANK_PATH, load_bank
from assessment.cli.output import printable
from assessment.policy import MIN_GROUP_SIZE_FLOOR, default_min_group_size
from assessment.scoring.privacy import shown_total
from assessment.service.demo import DEMO_TEAMS, demo_round_names, load_demo
from assessment.service.setup import parse_team_plan, unsent_surveys
from assessment.settings import Settings, load_settings, share_link
from assessment.store.rounds import open_drafts
from assessment.store.schema import init_db, make_engine
from assessment.vocabulary import plural

__all__ = ["register", "rounds_table"]

EXIT_OK = 0


@contextmanager
def _database() -> Iterator[tuple[Settings, Engine]]:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        init_db(engine)
        yield settings, engine
    finally:
        engine.dispose()


def _open(args: argparse.Namespace) -> int:
    bank = load_bank(args.bank)
    with _database() as (settings, engine):
        size = args.min_group_size
        if size is None:
            size = default_min_group_size(bank.min_group_size, settings.configured_min_group_size)
        plan = parse_team_plan(args.team)
        rnd = store.open_round(engine, args.name, plan.teams, bank, size, plan.headcounts)
    teams = ", ".join(
        f"{team} ({plan.headcounts[team]} expected)" if team in plan.headcounts else team
        for team in rnd.teams
    )
    print(printable(f"Opened round '{rnd.name}' with {len(rnd.teams)} team(s): {teams}."))
    print(printable(f"Bank: {rnd.bank.title} (id {rnd.bank.id}, version {rnd.bank.version});"
                    f" groups under {rnd.min_group_size} respondents stay hidden."))  # fmt: skip
    print(f"Token: {rnd.token}")
    print("Share this link with respondents:")
    print(f"  {share_link(settings, rnd.token)}")
    return EXIT_OK


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def rounds_table(rounds: list[store.Round], counts: dict[str, int]) -> list[str]:
    """Rounds as aligned text lines: token, name, status, teams, responses, created."""
    header = ("TOKEN", "NAME", "STATUS", "TEAMS", "RESPONSES", "CREATED")
    rows = [header] + [
        (
            printable(rnd.token),
            _clip(printable(rnd.name), 32),
            "open" if rnd.is_open else "closed",
            _clip(printable(", ".join(rnd.teams)), 40),
            _published(counts.get(rnd.token, 0), rnd.min_group_size),
            _when(rnd.created_at),
        )
        for rnd in rounds
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]  # fmt: skip


def _published(count: int, minimum: int) -> str:
    """The published total as the privacy decision allows: 'fewer than 5' below the minimum."""
    shown = shown_total(count, minimum)
    return f"fewer than {minimum}" if shown is None else str(shown)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _list(_args: argparse.Namespace) -> int:
    with _database() as (_settings, engine):
        rounds = store.list_rounds(engine)
        counts = {rnd.token: store.publish(engine, rnd.token)[0] for rnd in rounds}
    if not rounds:
        print("No rounds yet. Open one:  assessment round open NAME --team TEAM [--team TEAM ...]")
        print("or load the demo:         assessment demo")
        return EXIT_OK
    for line in rounds_table(rounds, counts):
        print(line)
    return EXIT_OK


def _switch(operation: Callable[[Engine, str], store.Round], verb: str) -> Callable[..., int]:
    def run(args: argparse.Namespace) -> int:
        with _database() as (_settings, engine):
            rnd = operation(engine, args.token)
            unsent = open_drafts(engine, rnd.token)
        if rnd.is_open:
            print(printable(f"Round '{rnd.name}' is {verb}: it accepts responses again."))
        else:
            print(printable(f"Round '{rnd.name}' is {verb}: it accepts no more responses"
                            f" (reopen with: assessment round reopen {rnd.token})."))  # fmt: skip
            if unsent:  # the Rounds page asks before closing; a command can only say so after
                print(unsent_surveys(unsent))
        return EXIT_OK

    return run


def _demo(_args: argparse.Namespace) -> int:
    with _database() as (settings, engine):
        current = load_demo(engine, load_bank())
        names = demo_round_names(current.name)
        rounds = [next(r for r in store.list_rounds(engine) if r.name == name) for name in names]
        counts = {rnd.token: store.response_count(engine, rnd.token) for rnd in rounds}
    print(f"Loaded the demo: synthetic answers from {len(DEMO_TEAMS)} teams, in {len(rounds)}"
          " rounds a quarter apart.")  # fmt: skip
    for rnd in rounds:
        status = "open" if rnd.is_open else "closed"
        print(printable(f"  {rnd.name} ({status}, {plural(counts[rnd.token], 'response')}):"
                        f" {share_link(settings, rnd.token)}"))  # fmt: skip
    print("See the results on the leader pages, or: assessment export scores --round TOKEN")
    return EXIT_OK


def register(subparsers: Any) -> None:
    """Add ``round open|list|close|reopen`` and ``demo`` to the `assessment` command."""
    rounds = subparsers.add_parser("round", help="open, list, close or reopen survey rounds")
    actions = rounds.add_subparsers(dest="round_command", required=True, metavar="ACTION")

    opened = actions.add_parser("open", help="open a round and print its share link")
    opened.add_argument("name", metavar="NAME", help="e.g. 'Q3 2025 check-in'")
    opened.add_argument("--team", action="append", required=True, metavar="TEAM[=HEADCOUNT]",
                        help="a team respondents can pick (repeat for each team); add"
                        " =HEADCOUNT, e.g. Platform=12, to follow its response rate")  # fmt: skip
    opened.add_argument("--bank", type=Path, default=DEFAULT_BANK_PATH, metavar="BANK",
                        help="question bank YAML (default: the built-in bank)")  # fmt: skip
    opened.add_argument("--min-group-size", type=int, default=None, metavar="N",
                        help=f"anonymity threshold, at least {MIN_GROUP_SIZE_FLOOR} (default: the"
                        " stricter of the bank's and ASSESSMENT_MIN_GROUP_SIZE)")  # fmt: skip
    opened.set_defaults(func=_open)

    listed = actions.add_parser("list", help="list rounds, newest first")
    listed.set_defaults(func=_list)

    for name, operation, verb, text in (
        ("close", store.close_round, "closed", "stop accepting responses"),
        ("reopen", store.reopen_round, "open again", "accept responses again"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("token", metavar="TOKEN", help="the round's token (see: round list)")
        action.set_defaults(func=_switch(operation, verb))

    demo = subparsers.add_parser("demo", help="load demo rounds with realistic synthetic answers")
    demo.set_defaults(func=_demo)
