"""`assessment serve`: start the web app, from an installed package or a checkout.

It checks the settings, opens the database (creating the SQLite file and the
schema on a first start), prints where the database is, then hands the
process over to ``python -m streamlit run`` on ``assessment/ui/main.py`` -- by
``exec``, so Ctrl-C and a service manager's SIGTERM reach Streamlit itself.
The server's own start (`assessment.ui.server.lifespan`) then prints the
leader passcode on a first start and the address to open. Streamlit is never
imported here (only `assessment.ui` imports it).

Proxy headers: the web server under Streamlit (uvicorn) takes the client
address and scheme from X-Forwarded-For and X-Forwarded-Proto only for
connections from FORWARDED_ALLOW_IPS. `serve` sets that to
ASSESSMENT_TRUSTED_PROXIES, or to nothing when it is unset, so no header is
honoured unless configured (uvicorn's own default trusts 127.0.0.1 and ::1).

Streamlit's options come from one file, ``assessment/ui/streamlit.toml``
(package data), passed as ``--section.option=value`` flags. Flags outrank
Streamlit's config files and ``STREAMLIT_*`` variables, so these few options
are always Role Radar's; every other Streamlit option (``server.baseUrlPath``,
TLS, ...) can still be set the usual ways.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from assessment.errors import AssessmentError
from assessment.settings import Settings, load_settings
from assessment.store.schema import init_db, make_engine

__all__ = [
    "MAIN_SCRIPT",
    "OPTIONS_FILE",
    "command",
    "register",
    "server_environment",
    "streamlit_flags",
]

UI = Path(__file__).resolve().parent.parent / "ui"
MAIN_SCRIPT = UI / "main.py"
OPTIONS_FILE = UI / "streamlit.toml"
DEFAULT_PORT = 8501
_OLD_DEFAULT = Path("data") / "role_radar.db"  # earlier default, under the working directory


def streamlit_flags(options: Mapping[str, Any], prefix: str = "") -> list[str]:
    """``{"server": {"headless": True}}`` -> ``["--server.headless=true"]``, in file order."""
    flags: list[str] = []
    for key, value in options.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flags += streamlit_flags(value, f"{name}.")
        elif isinstance(value, bool):
            flags.append(f"--{name}={'true' if value else 'false'}")
        elif isinstance(value, int | float | str):
            flags.append(f"--{name}={value}")
        else:
            raise AssessmentError(
                f"{OPTIONS_FILE}: {name}: a {type(value).__name__} cannot be a flag"
            )
    return flags


def command(port: int = DEFAULT_PORT, address: str | None = None) -> list[str]:
    """The Streamlit command line `assessment serve` runs."""
    options = tomllib.loads(OPTIONS_FILE.read_text(encoding="utf-8"))
    listen = [f"--server.port={port}"]
    if address is not None:
        listen.append(f"--server.address={address}")
    return [
        sys.executable, "-m", "streamlit", "run", str(MAIN_SCRIPT),
        *streamlit_flags(options), *listen,
    ]  # fmt: skip


def _database_place(engine: sa.Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return f"SQLite {database or ':memory:'}"
        return f"SQLite file {Path(database).expanduser().resolve()}"
    return url.render_as_string(hide_password=True)


def _open_database(settings: Settings) -> str:
    """Create or upgrade the schema now, so a bad database stops the start, not a page."""
    try:
        engine = make_engine(settings.database_url)
    except OSError as exc:  # the SQLite file's folder cannot be created
        raise AssessmentError(f"database: cannot create its folder ({exc})") from None
    where = _database_place(engine)
    try:
        init_db(engine)
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        raise AssessmentError(f"database {where}: cannot open it ({reason})") from None
    finally:
        engine.dispose()
    return where


def server_environment(settings: Settings) -> dict[str, str]:
    """What the Streamlit process gets besides this one's environment: whose proxy headers count."""
    return {"FORWARDED_ALLOW_IPS": settings.trusted_proxies or ""}


def _run(argv: list[str], env: Mapping[str, str]) -> int:
    """Become `argv` (POSIX exec); on Windows, which has no real exec, wait for it."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":
        return subprocess.call(argv, env=dict(env))
    os.execve(argv[0], argv, env)


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    where = _open_database(settings)
    default = " (the default; ASSESSMENT_DATABASE_URL sets another)"
    print("Role Radar")
    print(f"  database:    {where}{default if settings.database_url is None else ''}")
    print(f"  share links: {settings.base_url}/?round=...")
    if settings.database_url is None and _OLD_DEFAULT.is_file():
        print(
            f"  note: {_OLD_DEFAULT.resolve()} is where earlier versions kept it; to keep using"
            f" that file, set ASSESSMENT_DATABASE_URL=sqlite:///{_OLD_DEFAULT.resolve()}"
        )
    if "base_url" not in settings.model_fields_set and args.port != DEFAULT_PORT:
        print(
            f"  note: share links use port {DEFAULT_PORT} until ASSESSMENT_BASE_URL is set"
            " to the address respondents open"
        )
    if settings.trusted_proxies:
        print(f"  proxies:     X-Forwarded-For and -Proto count from {settings.trusted_proxies}")
    print("Starting Streamlit; Ctrl-C stops it.")
    return _run(command(args.port, args.address), {**os.environ, **server_environment(settings)})


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return port


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="start the web app (Streamlit) with Role Radar's options",
        description="Start the web app. Prints the database it uses and the address to open;"
        " Ctrl-C stops it.",
    )
    p.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT})",
    )
    p.add_argument(
        "--address",
        help="address to listen on, e.g. 127.0.0.1 for this machine only (default: all interfaces)",
    )
    p.set_defaults(func=_serve)
