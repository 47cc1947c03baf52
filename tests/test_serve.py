"""`assessment serve` and the server's start, the default database place, the package data."""

from __future__ import annotations

import asyncio
import fnmatch
import os
import queue
import socket
import subprocess
import sys
import threading
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

import pytest
from streamlit import config as streamlit_config

from assessment.cli import serve
from assessment.errors import AssessmentError
from assessment.store.schema import default_db_path, make_engine
from assessment.ui import server
from tests.support.browser import _free_port
from tests.support.cli import Result

ROOT = Path(__file__).resolve().parents[1]
Run = Callable[..., Result]


@pytest.fixture
def no_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Nothing configured: the default database lands under a temp XDG_DATA_HOME."""
    monkeypatch.chdir(tmp_path)
    for name in ("ASSESSMENT_DATABASE_URL", "ASSESSMENT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "role-radar" / "role_radar.db"


class Execs(list[list[str]]):
    """The command lines `serve` would become, and in `environments` what each would get."""

    def __init__(self) -> None:
        super().__init__()
        self.environments: list[dict[str, str]] = []

    def record(self, argv: list[str], env: dict[str, str]) -> int:
        self.append(argv)
        self.environments.append(dict(env))
        return 0


@pytest.fixture
def execs(monkeypatch: pytest.MonkeyPatch) -> Execs:
    """Records instead of exec'ing."""
    calls = Execs()
    monkeypatch.setattr(serve, "_run", calls.record)
    return calls


def test_command_runs_the_installed_main_script_with_every_option() -> None:
    options = tomllib.loads(serve.OPTIONS_FILE.read_text(encoding="utf-8"))
    assert serve.command(8600, "127.0.0.1") == [
        sys.executable, "-m", "streamlit", "run", str(serve.MAIN_SCRIPT),
        *serve.streamlit_flags(options),
        "--server.port=8600",
        "--server.address=127.0.0.1",
    ]  # fmt: skip
    for flag in (
        "--server.headless=true",
        "--browser.gatherUsageStats=false",
        "--client.showErrorDetails=none",  # browsers never see a traceback
    ):
        assert flag in serve.command()
    assert serve.MAIN_SCRIPT.is_file()
    assert serve.command()[-1] == "--server.port=8501"  # no address: Streamlit's, all interfaces


def test_every_option_is_one_streamlit_knows() -> None:
    known = streamlit_config.get_config_options()
    flags = serve.streamlit_flags(tomllib.loads(serve.OPTIONS_FILE.read_text(encoding="utf-8")))
    names = [flag.removeprefix("--").split("=", 1)[0] for flag in flags]
    assert names and [name for name in names if name not in known] == []


def test_the_checkout_config_is_a_copy_of_the_packaged_options() -> None:
    copy = ROOT / ".streamlit" / "config.toml"
    assert copy.read_bytes() == serve.OPTIONS_FILE.read_bytes(), (
        "edit assessment/ui/streamlit.toml, then: make streamlit-config"
    )


def test_flags_refuse_values_a_flag_cannot_carry() -> None:
    assert serve.streamlit_flags({"a": {"b": {"c": 1.5}}}) == ["--a.b.c=1.5"]
    with pytest.raises(AssessmentError, match=r"theme\.colors: a list cannot be a flag"):
        serve.streamlit_flags({"theme": {"colors": ["#fff"]}})


@pytest.mark.parametrize(
    ("address", "url"),
    [
        (None, "http://localhost:8501"),
        ("0.0.0.0", "http://localhost:8501"),
        ("::", "http://localhost:8501"),
        ("127.0.0.1", "http://127.0.0.1:8501"),
        ("::1", "http://[::1]:8501"),
        ("radar.internal", "http://radar.internal:8501"),
    ],
)
def test_open_url(address: str | None, url: str) -> None:
    assert server.open_url(8501, address) == url


def test_serve_prints_the_database_and_the_address_then_becomes_streamlit(
    run_cli: Run, no_database_url: Path, execs: Execs
) -> None:
    result = run_cli("serve", "--port", "8600")
    assert result.code == 0, result.err
    assert f"database:    SQLite file {no_database_url} (the default;" in result.out
    assert no_database_url.is_file()  # created with its schema before Streamlit starts
    assert "share links: http://localhost:8501/?round=" in result.out
    assert "until ASSESSMENT_BASE_URL is set" in result.out
    assert execs == [serve.command(8600, None)]
    # No proxy is trusted unless configured (uvicorn's own default trusts 127.0.0.1).
    assert execs.environments[-1]["FORWARDED_ALLOW_IPS"] == ""


def test_serve_trusts_the_configured_proxies_only(
    run_cli: Run, no_database_url: Path, execs: Execs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSESSMENT_TRUSTED_PROXIES", "10.0.0.5, 192.0.2.0/24")
    result = run_cli("serve")
    assert result.code == 0, result.err
    assert "proxies:     X-Forwarded-For and -Proto count from 10.0.0.5,192.0.2.0/24" in result.out
    environment = execs.environments[-1]
    assert environment["FORWARDED_ALLOW_IPS"] == "10.0.0.5,192.0.2.0/24"


def test_serve_refuses_a_short_chosen_password_before_starting(
    run_cli: Run, no_database_url: Path, execs: Execs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSESSMENT_LEADER_PASSWORD", "tooshort")
    result = run_cli("serve")
    assert result.code == 2 and execs == []
    assert "ASSESSMENT_LEADER_PASSWORD: is shorter than 12 characters" in result.err
    assert "tooshort" not in result.err + result.out


def test_serve_names_a_configured_database_and_the_earlier_default(
    run_cli: Run,
    no_database_url: Path,
    execs: Execs,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "role_radar.db").touch()
    assert "where earlier versions kept it" in run_cli("serve").out
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", "sqlite:///chosen.db")
    monkeypatch.setenv("ASSESSMENT_BASE_URL", "https://radar.example.org")
    result = run_cli("serve", "--port", "9000", "--address", "::1")
    assert result.code == 0, result.err
    chosen = tmp_path / "chosen.db"
    assert f"database:    SQLite file {chosen}\n" in result.out
    assert "share links: https://radar.example.org/?round=" in result.out
    assert "note" not in result.out
    assert execs[-1][-2:] == ["--server.port=9000", "--server.address=::1"]


def test_serve_stops_before_streamlit_when_the_database_cannot_be_opened(
    run_cli: Run, execs: Execs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", "sqlite:///a-file/radar.db")
    result = run_cli("serve")
    assert result.code == 2
    assert result.err.startswith("error: database: cannot create its folder")
    assert execs == []


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_serve_refuses_a_port_that_is_not_one(run_cli: Run, port: str) -> None:
    result = run_cli("serve", "--port", port)
    assert result.code == 2
    assert "expected a port number from 1 to 65535" in result.err


def lines_of(stream: IO[str]) -> queue.Queue[str | None]:
    """The lines a process prints, as they come (None at its end), read by a thread."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        with stream:  # closed at the process's end
            for line in stream:
                lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for_line(lines: queue.Queue[str | None], start: str, seen: list[str]) -> str:
    """The first line beginning with `start` (waiting for it, up to a minute on a busy machine)."""
    while True:
        line = lines.get(timeout=60)
        if line is None:
            pytest.fail("the server ended before printing " + start + ":\n" + "\n".join(seen))
        seen.append(line)
        if line.startswith(start):
            return line


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@pytest.fixture
def first_start(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int, list[str]]]:
    """`python -m assessment serve` with nothing configured: a new database, no password."""
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ASSESSMENT_") and key != "FORWARDED_ALLOW_IPS"
    }
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    process = subprocess.Popen(
        [sys.executable, "-m", "assessment", "serve", "--port", str(port),
         "--address", "127.0.0.1"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    seen: list[str] = []
    try:
        yield process, port, seen
    finally:
        process.terminate()  # the exec'd Streamlit itself receives SIGTERM
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail("Streamlit did not stop within 20 s of SIGTERM")


def test_first_start_prints_the_passcode_and_address_before_any_request(
    first_start: tuple[subprocess.Popen[str], int, list[str]], tmp_path: Path
) -> None:
    """The real thing: the server itself says how to sign in before anyone has connected."""
    process, port, seen = first_start
    assert process.stdout is not None
    lines = lines_of(process.stdout)  # reads to the end, also after a failure here
    database = tmp_path / "xdg" / "role-radar" / "role_radar.db"
    wait_for_line(lines, f"  database:    SQLite file {database}", seen)
    passcode = wait_for_line(lines, "  Role Radar leader passcode: ", seen).split(": ")[1]
    ready = wait_for_line(lines, "Role Radar is ready: open ", seen)
    assert ready == f"Role Radar is ready: open http://127.0.0.1:{port}/"
    assert len(passcode) >= 16 and "Shown once" in "\n".join(seen)
    url = f"http://127.0.0.1:{port}"  # the first request of all, after the lines above
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as reply:
        assert reply.read() == b"ok"
        assert reply.headers["X-Frame-Options"] == "DENY"
        assert reply.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    form = urllib.parse.urlencode({"passcode": passcode}).encode()
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(NoRedirect).open(f"{url}/auth/sign-in", data=form, timeout=10)
    with redirect.value:
        assert redirect.value.code == 303 and redirect.value.headers["Location"] == "/results"
        assert "role_radar_leader=" in redirect.value.headers["Set-Cookie"]
    process.terminate()
    process.wait(timeout=20)  # uvicorn ends by the signal it was sent
    with pytest.raises(OSError):  # nothing is left listening: exec, not a child process
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def run_lifespan() -> None:
    """The server's start and stop, on a thread of its own: a worker that ran browser tests
    already has Playwright's event loop running on this one."""

    async def start_and_stop() -> None:
        async with server.lifespan(None):
            pass

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(start_and_stop())).result()


def test_later_starts_say_how_to_reset_the_passcode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSESSMENT_DATABASE_URL", f"sqlite:///{tmp_path / 'later.db'}")
    monkeypatch.delenv("ASSESSMENT_LEADER_PASSWORD", raising=False)
    run_lifespan()
    first = capsys.readouterr().out
    assert first.count("Role Radar leader passcode:") == 1 and "Role Radar is ready: open" in first
    run_lifespan()  # a restart: the passcode exists, so no new one is printed
    later = capsys.readouterr().out
    assert "leader passcode:" not in later and "assessment leader reset-passcode" in later
    engine = make_engine(f"sqlite:///{tmp_path / 'later.db'}")
    passcode = first.split("Role Radar leader passcode:")[1].split()[0]
    try:
        from assessment.service import auth

        credential = auth.leader_credential(engine)
        assert credential is not None and credential.accepts(passcode)
    finally:
        engine.dispose()


def test_entry_script_refuses_a_short_chosen_password_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSESSMENT_LEADER_PASSWORD", "eleven-char")
    with pytest.raises(SystemExit) as stopped:
        server.app_options()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Role Radar cannot start:\n  ASSESSMENT_LEADER_PASSWORD: is shorter than")
    assert "eleven-char" not in err


# -- the default database place: fixed per user, never the working directory ---------------


def test_default_db_path_follows_xdg_data_home(tmp_path: Path) -> None:
    environ = {"XDG_DATA_HOME": str(tmp_path)}
    assert default_db_path(environ) == tmp_path / "role-radar" / "role_radar.db"


@pytest.mark.parametrize("xdg", [None, "", "relative/path"])
def test_default_db_path_is_under_the_home_without_an_absolute_xdg_data_home(
    xdg: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    environ = {} if xdg is None else {"XDG_DATA_HOME": xdg}
    expected = tmp_path / ".local" / "share" / "role-radar" / "role_radar.db"
    assert default_db_path(environ) == expected


# -- package data: every non-Python file the package needs is declared ----------------------


def test_package_data_declares_every_data_file_of_the_package() -> None:
    """A checkout-side proxy; .ci/wheel-check installs the real wheel and runs it."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    patterns = setuptools["setuptools"]["package-data"]["assessment"]
    package = ROOT / "assessment"
    data = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*")
        if path.is_file() and path.suffix not in (".py", ".pyc")
    ]
    assert "questions/product_vs_project.yaml" in data and "ui/streamlit.toml" in data
    undeclared = [name for name in data if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert undeclared == [], "add them to [tool.setuptools.package-data] in pyproject.toml"
