"""What the CLI writes: output files, whole or not at all, and lines safe for a terminal.

* `write_output` writes an ``--output`` file through a temporary file in the
  same folder and renames it into place, so a full disk or a killed process
  never leaves half a file (nor truncates an older one); a folder, a missing
  folder or a read-only place is a one-line `AssessmentError`.
* `printable` escapes control characters (``\\x1b`` rather than a raw escape
  that would recolour or rewrite the terminal): every line the CLI prints
  from data -- team, round and column names, error messages -- goes through
  it.
* `database_problem` and `os_problem` turn the errors a database or the file
  system raise into one line that names the database or the file and says
  what to check, never a password and never SQL.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from assessment.bank import control_class, escape_character
from assessment.errors import AssessmentError
from assessment.settings import load_settings
from assessment.store.schema import default_db_path

__all__ = ["database_problem", "os_problem", "printable", "write_output"]

# Besides C0/C1 controls: line and paragraph separators, bidirectional overrides and
# isolates (they reorder what a terminal shows), lone surrogates (they cannot be printed).
_INVISIBLE = "|[\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_ONE_LINE = re.compile(control_class("\t") + _INVISIBLE)
_LINES = re.compile(control_class("\t\n") + _INVISIBLE)


def printable(text: object, *, lines: bool = False) -> str:
    r"""`text` with control characters escaped, as one line (or several, with `lines`).

    >>> printable("\x1b[31mred\x1b[0m\tand\nmore")
    '\\x1b[31mred\\x1b[0m\tand\\x0amore'
    """
    pattern = _LINES if lines else _ONE_LINE
    return pattern.sub(lambda found: escape_character(found.group()), str(text))


# -- files -----------------------------------------------------------------------------------

_REASONS = {
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.EACCES: ("permission denied", "choose a place you may write to, or check permissions"),
    errno.EPERM: ("not permitted", "choose a place you may write to, or check permissions"),
    errno.EISDIR: ("is a folder", "give a file name"),
    errno.ENOTDIR: ("part of the path is a file, not a folder", "check the path"),
    errno.ENOSPC: ("no space left on the device", "free some space and try again"),
    errno.EDQUOT: ("disk quota exceeded", "free some space and try again"),
    errno.EROFS: ("read-only file system", "choose another place"),
    errno.ENAMETOOLONG: ("file name too long", "choose a shorter name"),
}


def os_problem(exc: OSError, path: str | Path | None = None) -> str:
    """One line for a file-system error: the file, what went wrong, what to do."""
    reason, hint = _REASONS.get(exc.errno or 0, (exc.strerror or str(exc), "check the path"))
    where = path if path is not None else exc.filename
    if where is None:
        return printable(f"cannot write the output ({reason}); {hint}")
    return printable(f"{where}: {reason}; {hint}")


def _mode_for(target: Path) -> int:
    """The permissions a plain open() would give: the old file's, else 0o666 less the umask."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_output(path: str | Path, data: bytes | str, *, encoding: str = "utf-8-sig") -> None:
    """Write `data` to `path` whole, or raise `AssessmentError` and leave `path` as it was.

    Text is encoded with `encoding`: UTF-8 with a byte-order mark by default,
    like every Role Radar CSV, so Excel reads accents right. A path that is
    not a regular file (``/dev/stdout``, a pipe) is written to directly.
    """
    target = Path(path)
    payload = data.encode(encoding) if isinstance(data, str) else bytes(data)
    if target.is_dir():
        raise AssessmentError(
            printable(f"{target}: is a folder; give a file name, such as {target / 'export.csv'}")
        )
    if target.exists() and not target.is_file():
        try:
            with target.open("wb") as handle:
                handle.write(payload)
        except OSError as exc:
            raise AssessmentError(os_problem(exc, target)) from None
        return
    target = target.resolve() if target.is_symlink() else target
    folder = target.parent
    if not folder.is_dir():
        why = "is a file, not a folder" if folder.exists() else "does not exist"
        raise AssessmentError(
            printable(f"{target}: the folder {folder} {why}; create it first, or choose another")
        )
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{target.name}.", suffix=".tmp"
        )
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise AssessmentError(os_problem(exc, target)) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


# -- databases -------------------------------------------------------------------------------

_PREFIX = re.compile(r"^(connection failed: )?(connection to server at .*?failed: )?(FATAL:\s*)?")
_KINDS = [
    (("database is locked", "lock timeout", "deadlock", "could not obtain lock"),
     "the database at {url} is busy ({reason}); another program holds it: try again shortly"),
    (("readonly", "read-only", "read only", "permission denied"),
     "cannot write to the database at {url} ({reason}); check that this user may write to it"
     " (for SQLite: the file and its folder)"),
    (("disk is full", "no space", "could not extend file", "disk full"),
     "the disk of the database at {url} is full ({reason}); free some space and try again"),
    (("file is not a database", "malformed", "not a database"),
     "{url} is not a database Role Radar can read ({reason}); check ASSESSMENT_DATABASE_URL"),
    (("unable to open database file",),
     "cannot open the database at {url} ({reason}); check ASSESSMENT_DATABASE_URL and that its"
     " folder exists and may be written"),
    (("connection", "connect", "resolve host", "timeout", "timed out", "does not exist",
      "authentication failed", "pg_hba.conf", "server closed", "terminating"),
     "cannot reach the database at {url} ({reason}); check ASSESSMENT_DATABASE_URL and that the"
     " server runs"),
]  # fmt: skip


def _database_url() -> tuple[str, str | None]:
    """The configured database for messages, password hidden; and the password, to scrub it."""
    try:
        configured = load_settings().database_url
        if configured is None:
            return f"sqlite:///{default_db_path()}", None
    except AssessmentError:
        return "the configured database", None
    try:
        url = make_url(configured.strip())
    except ArgumentError:
        return "the configured database", None
    return url.render_as_string(hide_password=True), url.password


def _reason(exc: BaseException) -> str:
    """The driver's own words, first line only: never the SQL or the parameters."""
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if isinstance(exc, SQLAlchemyError) and not isinstance(exc, DBAPIError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    lines = str(original).strip().splitlines()
    first = _PREFIX.sub("", lines[0].strip()) if lines else type(original).__name__
    return first[:1].lower() + first[1:]


def database_problem(exc: SQLAlchemyError | sqlite3.Error) -> str:
    """One line for a database that cannot be reached or refuses to work, with what to check."""
    url, password = _database_url()
    reason = _reason(exc)
    if password:
        reason = reason.replace(password, "***")
    lowered = reason.lower()
    for needles, message in _KINDS:
        if any(needle in lowered for needle in needles):
            return printable(message.format(url=url, reason=reason))
    return printable(
        f"the database at {url} failed ({reason}); check ASSESSMENT_DATABASE_URL and the"
        " database server's log"
    )
