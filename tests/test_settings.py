"""Settings from the environment and secrets.toml: precedence, defaults, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assessment.errors import AssessmentError
from assessment.settings import Settings, load_settings, share_link


def test_load_settings_defaults_when_nothing_is_set() -> None:
    settings = load_settings({}, {})
    assert settings == Settings()
    assert (settings.database_url, settings.leader_password) == (None, None)
    assert (settings.base_url, settings.min_group_size) == ("http://localhost:8501", 5)


def test_load_settings_reads_every_variable_from_the_environment() -> None:
    settings = load_settings(
        {
            "ASSESSMENT_DATABASE_URL": "postgresql://radar@db/radar",
            "ASSESSMENT_LEADER_PASSWORD": "correct horse",
            "ASSESSMENT_LEADER_EMAILS": "a@example.org, b@example.org",
            "ASSESSMENT_BASE_URL": "https://radar.example.org/survey/",
            "ASSESSMENT_MIN_GROUP_SIZE": " 7 ",
        },
        {},
    )
    assert settings.database_url == "postgresql://radar@db/radar"
    assert settings.leader_password is not None
    assert settings.leader_password.get_secret_value() == "correct horse"
    assert settings.leader_emails == "a@example.org, b@example.org"
    assert settings.base_url == "https://radar.example.org/survey"
    assert settings.min_group_size == 7


@pytest.mark.parametrize(
    "section",
    [
        {"assessment_base_url": "https://a.example"},
        {"base_url": "https://a.example"},
        {"base_url": "https://ignored.example", "assessment_base_url": "https://a.example"},
    ],
)
def test_load_settings_reads_the_secrets_section(section: dict[str, Any]) -> None:
    assert load_settings({}, {"assessment": section}).base_url == "https://a.example"


def test_load_settings_environment_wins_over_secrets() -> None:
    settings = load_settings(
        {"ASSESSMENT_MIN_GROUP_SIZE": "8"},
        {"assessment": {"min_group_size": 4, "leader_password": "from secrets"}},
    )
    assert settings.min_group_size == 8
    assert settings.leader_password is not None
    assert settings.leader_password.get_secret_value() == "from secrets"


def test_load_settings_blank_values_mean_unset() -> None:
    settings = load_settings({"ASSESSMENT_DATABASE_URL": " ", "ASSESSMENT_LEADER_PASSWORD": ""}, {})
    assert (settings.database_url, settings.leader_password) == (None, None)


def test_load_settings_a_list_of_emails_in_secrets_is_joined() -> None:
    section = {"leader_emails": ["a@example.org", "b@example.org"]}
    assert (
        load_settings({}, {"assessment": section}).leader_emails == "a@example.org, b@example.org"
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ASSESSMENT_MIN_GROUP_SIZE": "2"}, r"ASSESSMENT_MIN_GROUP_SIZE: .*'2'.*at least 3"),
        ({"ASSESSMENT_MIN_GROUP_SIZE": "five"}, r"ASSESSMENT_MIN_GROUP_SIZE: .*'five'"),
        ({"ASSESSMENT_BASE_URL": "radar.example.org"}, r"ASSESSMENT_BASE_URL: must be an http"),
        ({"ASSESSMENT_BASE_URL": "ftp://radar.example.org"}, r"ASSESSMENT_BASE_URL: must be"),
        ({"ASSESSMENT_BASE_URL": "https://x.example/?a=1"}, r"ASSESSMENT_BASE_URL: .*query"),
        ({"ASSESSMENT_DATABASE_URL": "mysql://u:pw@h/db"}, r"ASSESSMENT_DATABASE_URL: 'mysql'"),
        ({"ASSESSMENT_DATABASE_URL": "::nonsense::"}, r"ASSESSMENT_DATABASE_URL: cannot be"),
    ],
)
def test_load_settings_invalid_value_names_the_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(AssessmentError, match=message):
        load_settings(environ, {})


def test_load_settings_reports_every_problem_and_hides_secrets() -> None:
    environ = {
        "ASSESSMENT_DATABASE_URL": "oracle://scott:tiger@db/x",
        "ASSESSMENT_MIN_GROUP_SIZE": "1",
    }
    with pytest.raises(AssessmentError) as caught:
        load_settings(environ, {})
    assert len(caught.value.problems) == 2
    assert "tiger" not in str(caught.value)


def test_load_settings_reads_streamlit_secrets_file_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[assessment]\nbase_url = "https://from-file.example"\n', encoding="utf-8"
    )
    assert load_settings({}).base_url == "https://from-file.example"


def test_load_settings_broken_secrets_file_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text("[assessment\n", encoding="utf-8")
    with pytest.raises(AssessmentError, match=r"secrets.toml: cannot read"):
        load_settings({})


def test_share_link_joins_base_url_and_token() -> None:
    settings = load_settings({"ASSESSMENT_BASE_URL": "https://radar.example.org/"}, {})
    assert share_link(settings, "abc") == "https://radar.example.org/?round=abc"
