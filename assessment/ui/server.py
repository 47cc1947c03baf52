"""What the web server adds beside the pages: the start, the sign-in routes, safe headers.

Both entry scripts hand `app_options()` to ``st.App``; ``streamlit run``
finds that app and serves it (uvicorn under Starlette). Then:

- **At start** (`lifespan`, before any browser connects) the database is
  opened and brought up to date, a first start creates the leader passcode,
  and the terminal shows it (once) and the address to open. Settings are
  checked even earlier, when the entry script is imported, so a bad one (a
  chosen leader password under 12 characters, say) stops the start with one
  clear line instead of a traceback.
- **POST /auth/sign-in** takes the passcode form of the sign-in page. A
  right passcode creates a leader session (`store.sessions`) and answers with
  a 303 to Results that sets the session cookie: HttpOnly (no script reads
  it), SameSite=Lax (no other site's form sends it), Secure when the request
  came over https, for `leader_session_hours`. A wrong one goes back to the
  sign-in page, which says what happened. **POST /auth/sign-out** ends the
  session of the cookie and clears it. Both refuse a request whose Origin is
  another site.
- **Every HTTP response** carries ``X-Frame-Options: DENY`` and
  ``Content-Security-Policy: frame-ancestors 'none'``, so no other site can
  frame the leader pages and trick clicks on them (`FrameGuard`).
- **A failing page** shows a plain apology instead of a traceback
  (`friendly_error`, also what `app.run` calls for operational errors);
  the traceback goes to the server log.

The client address the routes see is the connection's, or, for a request
from a proxy listed in ASSESSMENT_TRUSTED_PROXIES, the one it forwarded:
uvicorn applies X-Forwarded-For and X-Forwarded-Proto only from the addresses
in FORWARDED_ALLOW_IPS, which `assessment serve` sets from that setting.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlencode, urlsplit

import sqlalchemy as sa
import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import config

from assessment.errors import AssessmentError
from assessment.service import auth, limits
from assessment.settings import Settings, load_settings
from assessment.store import sessions
from assessment.store.schema import init_db, make_engine

__all__ = [
    "COOKIE",
    "FRAME_HEADERS",
    "SIGN_IN_PATH",
    "SIGN_OUT_PATH",
    "FrameGuard",
    "app_options",
    "friendly_error",
    "lifespan",
    "open_url",
    "routes",
    "url_path",
]

log = logging.getLogger("assessment.server")

COOKIE = "role_radar_leader"
SIGN_IN_PATH, SIGN_OUT_PATH = "auth/sign-in", "auth/sign-out"
FRAME_HEADERS = {"x-frame-options": "DENY", "content-security-policy": "frame-ancestors 'none'"}
_MAX_FORM_BYTES = 4096  # a passcode form is a few dozen bytes
OPERATIONAL_ERRORS: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
)
"""Errors of the machine rather than the code: the database is gone, its disk is full."""


def base_path() -> str:
    """``server.baseUrlPath`` as ``/radar`` (or empty): the routes live under it too."""
    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def url_path(path: str) -> str:
    """An absolute path on this server: ``results`` -> ``/results`` (or ``/radar/results``)."""
    return f"{base_path()}/{path.lstrip('/')}"


# -- what the routes share, opened by the lifespan -------------------------------------------------


@dataclass
class _Resources:
    settings: Settings
    engine: sa.Engine
    env_credential: auth.LeaderCredential | None  # a chosen password, hashed once per process

    def credential(self) -> auth.LeaderCredential | None:
        # The stored hash is read at every attempt: a reset takes effect without a restart.
        return self.env_credential or auth.leader_credential(self.engine)


_resources: _Resources | None = None


def _streamlit_secrets() -> Mapping[str, Any]:
    try:
        return {key: st.secrets[key] for key in st.secrets}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def _env_password(settings: Settings) -> str | None:
    secret = settings.leader_password
    return secret.get_secret_value() if secret is not None else None


def _open(settings: Settings) -> tuple[_Resources, str | None]:
    """Open the database, bring it up to date, create the first passcode; return it if new."""
    engine = make_engine(settings.database_url)
    init_db(engine)
    env_password = _env_password(settings)
    passcode = auth.ensure_passcode(engine, env_password)
    credential = auth.leader_credential(engine, env_password) if env_password else None
    return _Resources(settings, engine, credential), passcode


_ALL_INTERFACES = ("", "0.0.0.0", "::")


def open_url(port: int, address: str | None) -> str:
    """The address to open in a browser on this machine."""
    host = "localhost" if address is None or address in _ALL_INTERFACES else address
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass  # a host name
    return f"http://{host}:{port}"


def _address() -> str:
    """The address to open on this machine, from the options Streamlit was started with."""
    address = config.get_option("server.address") or None
    url = open_url(int(config.get_option("server.port")), address)
    if config.get_option("server.sslCertFile"):
        url = "https" + url.removeprefix("http")
    return url + base_path() + "/"


def _stop(problems: list[str]) -> NoReturn:
    """Say why Role Radar cannot start, in one line per problem, and end the process."""
    print("Role Radar cannot start:", *problems, sep="\n  ", file=sys.stderr, flush=True)
    # Past this point an exception would reach the terminal as a traceback; nothing is
    # open yet that needs closing.
    os._exit(2)


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Once per server, before the first request: the database, the passcode, the address."""
    global _resources
    try:
        settings = load_settings(secrets=_streamlit_secrets())
        resources, passcode = _open(settings)
    except AssessmentError as exc:
        _stop(exc.problems)
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        _stop([f"the database cannot be opened ({getattr(exc, 'orig', None) or exc})"])
    _resources = resources
    env_password = settings.leader_password is not None
    print(auth.passcode_banner(passcode, env_password=env_password), flush=True)
    print(f"Role Radar is ready: open {_address()}", flush=True)
    try:
        yield
    finally:
        _resources = None
        resources.engine.dispose()


def _ready() -> _Resources:
    if _resources is None:  # only when served without the lifespan, e.g. mounted elsewhere
        raise RuntimeError("Role Radar's server lifespan has not run")
    return _resources


# -- the routes ----------------------------------------------------------------------------------


def _same_origin(request: Request) -> bool:
    """False for a request another site's page sent (its Origin names another host)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def _form(request: Request) -> dict[str, str] | None:
    """The urlencoded form, or None when it is too large to be a sign-in."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_FORM_BYTES:
            return None
    fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=5)
    return {name: values[0] for name, values in fields.items()}


def _client(request: Request) -> str:
    return limits.client_key(request.client.host if request.client else None, "unknown")


def _back_to_sign_in(problem: str, wait_seconds: int = 0) -> Response:
    query = {"sign_in": problem} | ({"wait": str(wait_seconds)} if wait_seconds else {})
    return RedirectResponse(f"{url_path('sign_in')}?{urlencode(query)}", status_code=303)


async def sign_in_route(request: Request) -> Response:
    """POST /auth/sign-in: a right passcode sets the session cookie and opens Results."""
    if not _same_origin(request):
        return PlainTextResponse("Sign-in from another site is refused.", status_code=403)
    form = await _form(request)
    if form is None:
        return PlainTextResponse("That is not a sign-in form.", status_code=413)
    resources = _ready()
    hours = resources.settings.leader_session_hours
    try:
        outcome = await run_in_threadpool(
            auth.sign_in,
            resources.engine,
            resources.credential(),
            form.get("passcode", ""),
            _client(request),
            lifetime=timedelta(hours=hours),
            now=limits.clock(),
        )
    except AssessmentError as exc:  # a malformed hash in the settings or the database
        log.error("leader sign-in is misconfigured: %s", " ".join(exc.problems))
        return _back_to_sign_in("misconfigured")
    if outcome.token is None:
        return _back_to_sign_in(outcome.problem or "wrong", outcome.wait_seconds)
    response = RedirectResponse(url_path("results"), status_code=303)
    response.set_cookie(
        COOKIE,
        outcome.token,
        max_age=int(hours * 3600),
        path=base_path() or "/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )
    return response


async def sign_out_route(request: Request) -> Response:
    """POST /auth/sign-out: end this browser's leader session everywhere and forget the cookie."""
    if not _same_origin(request):
        return PlainTextResponse("Sign-out from another site is refused.", status_code=403)
    token = request.cookies.get(COOKIE)
    await run_in_threadpool(sessions.revoke, _ready().engine, token)
    response = RedirectResponse(url_path("sign_in"), status_code=303)
    response.delete_cookie(COOKIE, path=base_path() or "/", httponly=True, samesite="lax")
    return response


def routes() -> list[Route]:
    return [
        Route(url_path(SIGN_IN_PATH), sign_in_route, methods=["POST"]),
        Route(url_path(SIGN_OUT_PATH), sign_out_route, methods=["POST"]),
    ]


# -- headers -------------------------------------------------------------------------------------


class FrameGuard:
    """ASGI middleware: every HTTP response says it must not be shown inside a frame."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [
                    (name.encode("latin-1"), value.encode("latin-1"))
                    for name, value in FRAME_HEADERS.items()
                    if name.encode("latin-1") not in present
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_guarded)


# -- errors on pages -----------------------------------------------------------------------------


def friendly_error(exc: BaseException) -> bool:
    """Log a page's exception with its traceback; show the visitor a plain apology instead.

    Returns True, which tells Streamlit not to show its own error box.
    """
    log.error("a page failed", exc_info=exc)
    if isinstance(exc, OPERATIONAL_ERRORS):
        st.error(
            "Role Radar cannot reach its database just now. Please try again in a moment;"
            " if this goes on, whoever runs Role Radar finds the details in the server log.",
            icon=":material/cloud_off:",
        )
    else:
        st.error(
            "Something went wrong on this page. Please reload it; if this goes on, whoever"
            " runs Role Radar finds the details in the server log.",
            icon=":material/error:",
        )
    return True


# -- the app -------------------------------------------------------------------------------------


def app_options() -> dict[str, Any]:
    """Keyword arguments of ``st.App`` for both entry scripts; checks the settings first.

    Runs when ``streamlit run`` imports the entry script, before the server
    starts: an invalid setting ends the process here with its message.
    """
    try:
        load_settings()
    except AssessmentError as exc:
        print("Role Radar cannot start:", *exc.problems, sep="\n  ", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    if not logging.getLogger("assessment").handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger("assessment").addHandler(handler)
        logging.getLogger("assessment").setLevel(logging.INFO)
    return {
        "routes": routes(),
        "middleware": [Middleware(FrameGuard)],
        "lifespan": lifespan,
        "on_script_error": friendly_error,
    }
