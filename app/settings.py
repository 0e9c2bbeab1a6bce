"""Every setting of the service, read once from the environment (or a `.env` file).

A bad value stops start-up with one line naming the setting (see `load_settings`).
"""

from __future__ import annotations

import ipaddress
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.origins import allowed_origin

DEFAULT_API_BASE = "https://api.lead.pro/api/v103"
VAR_DIR = Path("var")

CommaList = Annotated[list[str], NoDecode]


class SettingsError(SystemExit):
    """Raised for a bad setting: its text is the single line shown to the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=False)

    # The Lead API
    leadpro_api_base: str = DEFAULT_API_BASE
    leadpro_api_key: SecretStr | None = None
    leadpro_connect_timeout: float = Field(3.0, gt=0)
    leadpro_read_timeout: float = Field(10.0, gt=0)
    leadpro_total_timeout: float = Field(15.0, gt=0)

    # Address lookup (app/addresses): the provider, its key and base URL, and what guards the cost
    address_lookup: Literal["sandbox", "ideal-postcodes", "os-places", "off"] | None = None
    address_lookup_api_key: SecretStr | None = None
    address_lookup_base: str | None = None
    address_lookup_timeout: float = Field(2.0, gt=0, le=10)
    address_lookup_cache_seconds: int = Field(600, ge=0)
    address_lookup_rate_limit_per_ip: str = "10/minute;30/hour"
    address_lookup_rate_limit_per_widget: str = "100/minute;2000/day"

    # Widgets
    widgets_file: Path | None = None
    widget_allowed_origins: CommaList = []
    widget_agency_name: str = "Our agency"
    widget_privacy_url: str = ""
    widget_office_id: int | None = None
    widget_source: str = "ivt"
    widget_consent_required: bool = True
    widget_primary_colour: str = "#1d4f91"

    # Storage and delivery
    database_url: str = f"sqlite:///{VAR_DIR}/widget.db"
    submit_wait_seconds: float = Field(4.0, ge=0)
    retry_base_seconds: float = Field(30.0, gt=0)
    retry_max_seconds: float = Field(3600.0, gt=0)
    retry_max_attempts: int = Field(30, ge=1)
    claim_timeout_seconds: float = Field(60.0, gt=0)
    worker_in_process: bool = True
    worker_poll_seconds: float = Field(2.0, gt=0)
    retention_days: int = Field(90, ge=1)

    # Security
    secret_key: SecretStr | None = None
    form_token_max_age: int = Field(7200, ge=60)
    result_link_max_age: int = Field(30 * 24 * 3600, ge=3600)
    min_fill_seconds: float = Field(3.0, ge=0)
    rate_limit_per_ip: str = "10/minute"
    rate_limit_per_widget: str = "600/minute"
    redis_url: str | None = None
    trusted_proxies: CommaList = []
    max_body_bytes: int = Field(32 * 1024, ge=1024)
    public_url: str | None = None
    metrics_token: SecretStr | None = None

    # Process
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"

    @field_validator("widget_allowed_origins", "trusted_proxies", mode="before")
    @classmethod
    def split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("widget_allowed_origins")
    @classmethod
    def exact_origins(cls, value: list[str]) -> list[str]:
        # Checked here too, so the message names this setting rather than the default widget.
        return [allowed_origin(entry) for entry in value]

    @field_validator("trusted_proxies")
    @classmethod
    def ip_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"'{entry}' is not an IP address or network like 10.0.0.0/8"
                ) from None
        return value

    @field_validator(
        "leadpro_api_key",
        "secret_key",
        "metrics_token",
        "redis_url",
        "address_lookup",
        "address_lookup_api_key",
        "address_lookup_base",
        mode="before",
    )
    @classmethod
    def empty_is_unset(cls, value: object) -> object:
        # `LEADPRO_API_KEY=` in a .env file means "no key", not a key of "".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("address_lookup", mode="before")
    @classmethod
    def lower_provider(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("leadpro_api_base", "address_lookup_base")
    @classmethod
    def http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgres")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator(
        "rate_limit_per_ip",
        "rate_limit_per_widget",
        "address_lookup_rate_limit_per_ip",
        "address_lookup_rate_limit_per_widget",
    )
    @classmethod
    def rate_limit_notation(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError("use the notation '10/minute' or '100 per hour'") from exc
        return value

    @model_validator(mode="after")
    def secret_key_when_live(self) -> Settings:
        if self.leadpro_api_key and not self.secret_key:
            raise ValueError("SECRET_KEY must be set when LEADPRO_API_KEY is set")
        if self.secret_key and len(self.secret_key.get_secret_value()) < 16:
            raise ValueError("SECRET_KEY must be at least 16 characters")
        return self

    @model_validator(mode="after")
    def claim_outlives_an_attempt(self) -> Settings:
        # A claim that lapses mid-attempt lets a second process send the same lead.
        if self.claim_timeout_seconds <= self.leadpro_total_timeout:
            raise ValueError(
                "CLAIM_TIMEOUT_SECONDS must be longer than LEADPRO_TOTAL_TIMEOUT "
                f"({self.leadpro_total_timeout:g} s)"
            )
        return self

    @cached_property
    def signing_key(self) -> str:
        """The secret for tokens and signed links; in development it is kept under ./var/."""
        if self.secret_key:
            return self.secret_key.get_secret_value()
        return _development_secret()

    @property
    def async_database_url(self) -> str:
        url = self.database_url
        for prefix, driver in (
            ("sqlite://", "sqlite+aiosqlite://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
        ):
            if url.startswith(prefix):
                return driver + url[len(prefix) :]
        return url


def _development_secret() -> str:
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning a validation error into one line naming the setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a rule across settings: its message names them
            raise SettingsError(f"Bad setting: {message}") from None
        name = str(error["loc"][0]).upper()
        raise SettingsError(f"Bad setting {name}: {message}") from None
