"""`assessment serve`, the default database place and what the package ships besides code."""

from __future__ import annotations

import fnmatch
import os
import socket
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit import config as streamlit_config

from assessment.cli import serve
from assessment.errors import AssessmentError
from assessment.store.schema import default_db_path
from tests.support.browser import _free_port, _wait_healthy
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


@pytest.fixture
def execs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The command lines `serve` would become, recorded instead of exec'd."""
    calls: list[list[str]] = []
    monkeypatch.setattr(serve, "_run", lambda argv: calls.append(argv) or 0)
    return calls


def test_command_runs_the_installed_main_script_with_every_option() -> None:
    assert serve.command(8600, "127.0.0.1") == [
        sys.executable, "-m", "streamlit", "run", str(serve.MAIN_SCRIPT),
        "--server.headless=true",
        "--server.fileWatcherType=none",
        "--server.maxUploadSize=20",
        "--browser.gatherUsageStats=false",
        "--client.toolbarMode=minimal",
        "--theme.primaryColor=#3b5bdb",
        "--theme.backgroundColor=#ffffff",
        "--theme.secondaryBackgroundColor=#f3f5fa",
        "--theme.textColor=#1f2430",
        "--server.port=8600",
        "--server.address=127.0.0.1",
    ]  # fmt: skip
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
    assert serve.open_url(8501, address) == url


def test_serve_prints_the_database_and_the_address_then_becomes_streamlit(
    run_cli: Run, no_database_url: Path, execs: list[list[str]]
) -> None:
    result = run_cli("serve", "--port", "8600")
    assert result.code == 0, result.err
    assert f"database:    SQLite file {no_database_url} (the default;" in result.out
    assert no_database_url.is_file()  # created with its schema before Streamlit starts
    assert "open:        http://localhost:8600" in result.out
    assert "share links: http://localhost:8501/?round=" in result.out
    assert "until ASSESSMENT_BASE_URL is set" in result.out
    assert execs == [serve.command(8600, None)]


def test_serve_names_a_configured_database_and_the_earlier_default(
    run_cli: Run,
    no_database_url: Path,
    execs: list[list[str]],
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
    assert "open:        http://[::1]:9000" in result.out
    assert "share links: https://radar.example.org/?round=" in result.out
    assert "note" not in result.out
    assert execs[-1][-2:] == ["--server.port=9000", "--server.address=::1"]


def test_serve_stops_before_streamlit_when_the_database_cannot_be_opened(
    run_cli: Run, execs: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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


def test_serve_starts_the_app_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The real thing: `python -m assessment serve` answers the health probe, then stops."""
    port = _free_port()
    env = {
        **os.environ,
        "ASSESSMENT_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "ASSESSMENT_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "assessment", "serve", "--port", str(port),
             "--address", "127.0.0.1"],
            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_healthy(f"http://127.0.0.1:{port}", process)
        finally:
            process.terminate()  # the exec'd Streamlit itself receives SIGTERM
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                pytest.fail("Streamlit did not stop within 20 s of SIGTERM")
    with pytest.raises(OSError):  # nothing is left listening: exec, not a child process
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    out = log_path.read_text(encoding="utf-8")
    assert f"database:    SQLite file {tmp_path / 'serve.db'}" in out
    assert f"open:        http://127.0.0.1:{port}" in out


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
