"""Settings: a bad value stops start-up with one line naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import DEFAULT_API_BASE, SettingsError, load_settings

pytestmark = pytest.mark.usefixtures("clean_env")


def test_defaults_load_in_an_empty_environment() -> None:
    settings = load_settings()

    assert settings.port == 8000
    assert settings.host == "127.0.0.1"
    assert settings.leadpro_api_base == DEFAULT_API_BASE
    assert settings.leadpro_api_key is None
    assert settings.widgets_file is None
    assert settings.widget_allowed_origins == []
    assert settings.rate_limit_per_ip == "10/minute"


BAD_SETTINGS = [
    ("PORT", "abc", "Bad setting PORT: "),
    ("PORT", "0", "Bad setting PORT: "),
    ("PORT", "65536", "Bad setting PORT: "),
    (
        "LEADPRO_API_BASE",
        "ftp://x",
        "Bad setting LEADPRO_API_BASE: must start with http:// or https://",
    ),
    ("LEADPRO_API_BASE", "api.lead.pro", "Bad setting LEADPRO_API_BASE: must start with http://"),
    (
        "RATE_LIMIT_PER_IP",
        "lots",
        "Bad setting RATE_LIMIT_PER_IP: use the notation '10/minute' or '100 per hour'",
    ),
    (
        "RATE_LIMIT_PER_WIDGET",
        "many per day",
        "Bad setting RATE_LIMIT_PER_WIDGET: use the notation '10/minute' or '100 per hour'",
    ),
    ("DATABASE_URL", "mysql://db/widget", "Bad setting DATABASE_URL: must be a sqlite:/// or"),
    ("LOG_LEVEL", "loud", "Bad setting LOG_LEVEL: "),
    ("LEADPRO_READ_TIMEOUT", "0", "Bad setting LEADPRO_READ_TIMEOUT: "),
    ("WORKERS", "none", "Bad setting WORKERS: "),
    ("MAX_BODY_BYTES", "10", "Bad setting MAX_BODY_BYTES: "),
    ("WIDGET_CONSENT_REQUIRED", "perhaps", "Bad setting WIDGET_CONSENT_REQUIRED: "),
    ("WIDGET_ALLOWED_ORIGINS", "*", "Bad setting WIDGET_ALLOWED_ORIGINS: '*' is a wildcard"),
    (
        "WIDGET_ALLOWED_ORIGINS",
        "https://a.example,null",
        "Bad setting WIDGET_ALLOWED_ORIGINS: 'null' is the origin of sandboxed frames",
    ),
    (
        "WIDGET_ALLOWED_ORIGINS",
        "https://a.example/page",
        "Bad setting WIDGET_ALLOWED_ORIGINS: 'https://a.example/page' is not an origin like",
    ),
]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [(n, v, e) for n, v, e in BAD_SETTINGS],
    ids=[f"{n}={v}" for n, v, _ in BAD_SETTINGS],
)
def test_bad_setting_stops_start_up_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as raised:
        load_settings()

    message = str(raised.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_bad_override_is_reported_the_same_way() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(port="abc")

    assert str(raised.value).startswith("Bad setting PORT: ")


def test_settings_error_is_a_clean_exit() -> None:
    with pytest.raises(SystemExit):
        load_settings(leadpro_api_base="ftp://x")


def test_live_key_without_a_secret_key_is_refused_naming_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEADPRO_API_KEY", "live-key")

    with pytest.raises(SettingsError) as raised:
        load_settings()

    message = str(raised.value)
    assert "SECRET_KEY must be set when LEADPRO_API_KEY is set" in message
    assert message.startswith("Bad setting")
    assert "\n" not in message


def test_short_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "too-short")

    with pytest.raises(SettingsError, match="SECRET_KEY must be at least 16 characters"):
        load_settings()


def test_live_key_with_a_long_enough_secret_key_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADPRO_API_KEY", "live-key")
    monkeypatch.setenv("SECRET_KEY", "s" * 16)

    settings = load_settings()

    assert settings.leadpro_api_key is not None
    assert settings.leadpro_api_key.get_secret_value() == "live-key"
    assert settings.signing_key == "s" * 16


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.acme.co.uk", ["https://www.acme.co.uk"]),
        ("https://a.example,https://b.example", ["https://a.example", "https://b.example"]),
        (" https://a.example , https://b.example ,, ", ["https://a.example", "https://b.example"]),
        ("", []),
    ],
    ids=["one", "two", "spaces-and-empty-entries", "empty"],
)
def test_widget_allowed_origins_is_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", value)

    assert load_settings().widget_allowed_origins == expected


def test_trusted_proxies_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.1, 10.0.0.0/8")

    assert load_settings().trusted_proxies == ["10.0.0.1", "10.0.0.0/8"]


def test_api_base_loses_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADPRO_API_BASE", "http://127.0.0.1:8001/api/v103/")

    assert load_settings().leadpro_api_base == "http://127.0.0.1:8001/api/v103"


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")

    assert load_settings().log_level == "DEBUG"


def test_dotenv_in_the_working_directory_is_read(clean_env: Path) -> None:
    (clean_env / ".env").write_text("PORT=9001\nWIDGET_AGENCY_NAME=Acme Estates\n")

    settings = load_settings()

    assert settings.port == 9001
    assert settings.widget_agency_name == "Acme Estates"


def test_environment_wins_over_dotenv(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text("PORT=9001\n")
    monkeypatch.setenv("PORT", "9002")

    assert load_settings().port == 9002


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/widget.db", "sqlite+aiosqlite:///var/widget.db"),
        ("postgresql://u:p@db/widget", "postgresql+asyncpg://u:p@db/widget"),
        ("postgres://u:p@db/widget", "postgresql+asyncpg://u:p@db/widget"),
    ],
)
def test_database_url_gets_its_async_driver(url: str, expected: str) -> None:
    assert load_settings(database_url=url).async_database_url == expected


def test_development_signing_key_is_kept_under_var_in_the_working_directory(
    clean_env: Path,
) -> None:
    first = load_settings().signing_key
    second = load_settings().signing_key

    assert first == second
    assert len(first) >= 32
    assert (clean_env / "var" / "secret_key").read_text().strip() == first


def test_an_empty_key_means_no_key_so_the_sandbox_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEADPRO_API_KEY", "")
    monkeypatch.setenv("SECRET_KEY", "  ")

    settings = load_settings()

    assert settings.leadpro_api_key is None
    assert settings.secret_key is None
