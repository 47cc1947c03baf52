"""Configuration: environment variables, or ``[assessment]`` in ``.streamlit/secrets.toml``.

Every setting has one name, ``ASSESSMENT_<NAME>``. The environment wins,
because that is how containers and CI configure a service; the secrets file
serves a single host, under ``[assessment]`` as ``assessment_<name>`` or just
``<name>`` (both lowercase). An invalid value stops the start with one message
per problem naming the variable, instead of failing later in a page.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from assessment.errors import AssessmentError
from assessment.policy import DEFAULT_MIN_GROUP_SIZE, MIN_GROUP_SIZE_FLOOR

__all__ = [
    "MIN_LEADER_PASSWORD_CHARS",
    "PREFIX",
    "SECRETS_PATH",
    "Settings",
    "load_settings",
    "share_link",
]

PREFIX = "ASSESSMENT_"
SECRETS_PATH = Path(".streamlit") / "secrets.toml"
MIN_LEADER_PASSWORD_CHARS = 12
"""A chosen leader password shorter than this is refused at start (a scrypt hash is not)."""
MAX_LEADER_SESSION_HOURS = 24 * 30
_EXPLAIN = {
    "database_url": "a SQLAlchemy URL such as sqlite:///data/role_radar.db"
    " or postgresql://user:password@host:5432/dbname",
    "leader_password": "the leader passcode",
    "leader_emails": "comma-separated e-mail addresses",
    "base_url": "the address respondents open, such as https://radar.example.org",
    "min_group_size": f"a whole number of at least {MIN_GROUP_SIZE_FLOOR}",
    "leader_session_hours": "how long a leader stays signed in, in hours, more than 0 and at"
    f" most {MAX_LEADER_SESSION_HOURS}",
    "trusted_proxies": "comma-separated addresses or networks of your reverse proxies,"
    " such as 127.0.0.1 or 10.0.0.0/8",
}


class Settings(BaseModel):
    """Validated settings; build them with `load_settings`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str | None = None
    leader_password: SecretStr | None = None
    leader_emails: str | None = None
    base_url: str = "http://localhost:8501"
    min_group_size: int = Field(default=DEFAULT_MIN_GROUP_SIZE, ge=MIN_GROUP_SIZE_FLOOR)
    leader_session_hours: float = Field(default=12.0, gt=0, le=MAX_LEADER_SESSION_HOURS)
    trusted_proxies: str | None = None

    @property
    def configured_min_group_size(self) -> int | None:
        """ASSESSMENT_MIN_GROUP_SIZE when it was set, else None (the bank's then counts)."""
        return self.min_group_size if "min_group_size" in self.model_fields_set else None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("cannot be parsed as a database URL") from None
        if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(
                f"'{url.get_backend_name()}' is not supported; use sqlite or postgresql"
            )
        return value

    @field_validator("leader_password")
    @classmethod
    def _leader_password(cls, value: SecretStr | None) -> SecretStr | None:
        # A scrypt hash (`assessment leader hash-passcode`) is checked where it is parsed.
        if value is None or value.get_secret_value().startswith("scrypt$"):
            return value
        if len(value.get_secret_value()) < MIN_LEADER_PASSWORD_CHARS:
            raise ValueError(
                f"is shorter than {MIN_LEADER_PASSWORD_CHARS} characters; choose a longer one,"
                " or unset it to get a random passcode printed at the first start"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: str | None) -> str | None:
        """Addresses whose X-Forwarded-For and X-Forwarded-Proto headers count (none: no proxy)."""
        if value is None:
            return None
        parts = [part.strip() for part in value.split(",") if part.strip()]
        for part in parts:
            if part == "*":
                continue
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"'{part}' is not an IP address or network") from None
        return ",".join(parts) or None

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// address with a host name")
        if parts.query or parts.fragment:
            raise ValueError("must not carry a query (?...) or a fragment (#...)")
        return value.rstrip("/")


def _read_secrets_file(path: Path) -> Mapping[str, Any]:
    """The secrets file Streamlit reads, so the CLI and the app share one configuration."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise AssessmentError(f"{path}: cannot read the secrets file ({exc})") from None


def _raw_values(environ: Mapping[str, str], secrets: Mapping[str, Any]) -> dict[str, Any]:
    """Each field's value from the environment, else from the secrets; blanks mean unset."""
    section = secrets.get("assessment") or {}
    if not isinstance(section, Mapping):
        raise AssessmentError("secrets.toml: [assessment] must be a table of settings")
    values: dict[str, Any] = {}
    for field in Settings.model_fields:
        env_name = PREFIX + field.upper()
        for value in (
            environ.get(env_name),
            section.get(env_name.lower()),
            section.get(field),
        ):
            if isinstance(value, list | tuple):
                value = ", ".join(str(part) for part in value)
            if isinstance(value, str):
                value = value.strip()
            if value is not None and value != "":
                values[field] = value
                break
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> Settings:
    """Read and validate the settings; raise `AssessmentError` naming each bad variable.

    Parameters
    ----------
    environ : the environment; `os.environ` when None.
    secrets : parsed secrets (``st.secrets`` in the app); when None,
        ``.streamlit/secrets.toml`` under the working directory if it exists.
    """
    environ = os.environ if environ is None else environ
    secrets = _read_secrets_file(SECRETS_PATH) if secrets is None else secrets
    values = _raw_values(environ, secrets)
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise AssessmentError([_describe(error, values) for error in exc.errors()]) from None


def _describe(error: Any, values: Mapping[str, Any]) -> str:
    field = str(error["loc"][0]) if error["loc"] else ""
    message = str(error["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    expected = f"expected {_EXPLAIN.get(field, 'a valid value')}"
    if field in ("leader_password", "database_url"):
        return f"{PREFIX}{field.upper()}: {message} ({expected})"  # never echo a secret
    return f"{PREFIX}{field.upper()}: {message} (got {values.get(field)!r}; {expected})"


def share_link(settings: Settings, token: str, base_url: str | None = None) -> str:
    """The link respondents open: ``<base URL>/?round=<token>``.

    `base_url` replaces the configured one, e.g. the address the leader's browser is on.
    """
    return f"{(base_url or settings.base_url).rstrip('/')}/?round={token}"
