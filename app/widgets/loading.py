"""Widgets read from the configuration: the single `default` one from the environment, or every
one in `WIDGETS_FILE` (TOML), validated whole at start-up; an error names the widget and field.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from app.addresses.config import AddressSource, ProviderKind, resolve_source
from app.settings import Settings, SettingsError
from app.widgets.model import Brand, Question, Widget


class _FileWidget(BaseModel):
    """A widget as written in WIDGETS_FILE: the key is named, never written there."""

    model_config = ConfigDict(extra="forbid")

    agency_name: str
    api_key_env: str | None = None
    api_key_file: Path | None = None
    allowed_origins: list[str] = []
    office_id: int | None = None
    source: str = "ivt"
    lead_type: str = "choose"
    consent_required: bool = True
    consent_text: str | None = None
    consent_version: str = "1"
    privacy_url: str = ""
    brand: Brand = Brand()
    questions: list[Question] = []
    address_lookup: ProviderKind | None = None
    address_lookup_api_key_env: str | None = None
    address_lookup_api_key_file: Path | None = None
    address_lookup_base: str | None = None

    @model_validator(mode="after")
    def one_key_source(self) -> _FileWidget:
        if self.api_key_env and self.api_key_file:
            raise ValueError("give api_key_env or api_key_file, not both")
        if self.address_lookup_api_key_env and self.address_lookup_api_key_file:
            raise ValueError(
                "give address_lookup_api_key_env or address_lookup_api_key_file, not both"
            )
        return self

    @field_validator("address_lookup_base")
    @classmethod
    def http_base(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value


def _read_key(widget: _FileWidget, settings: Settings) -> SecretStr | None:
    own = _key_from(widget.api_key_env, widget.api_key_file, "api_key")
    return own or settings.leadpro_api_key


def _key_from(env: str | None, file: Path | None, field: str) -> SecretStr | None:
    """A key named by an environment variable or a file (`field`_env / `field`_file)."""
    if env:
        value = os.environ.get(env, "").strip()
        if not value:
            raise ValueError(f"{field}_env: environment variable {env} is not set")
        return SecretStr(value)
    if file:
        try:
            value = file.read_text().strip()
        except OSError as exc:
            raise ValueError(f"{field}_file: cannot read {file}") from exc
        if not value:
            raise ValueError(f"{field}_file: {file} is empty")
        return SecretStr(value)
    return None


def _address_source(
    settings: Settings,
    lead_api_key: SecretStr | None,
    kind: ProviderKind | None = None,
    api_key: SecretStr | None = None,
    base: str | None = None,
) -> AddressSource:
    return resolve_source(
        kind,
        api_key,
        base,
        default_kind=settings.address_lookup,
        default_key=settings.address_lookup_api_key,
        default_base=settings.address_lookup_base,
        live_lead_api=lead_api_key is not None,
    )


def development_origins(settings: Settings) -> tuple[str, ...]:
    """This service's own loopback origins: in development `/demo` embeds across them."""
    return (f"http://localhost:{settings.port}", f"http://127.0.0.1:{settings.port}")


def default_widget(settings: Settings) -> Widget:
    """The single widget configured by the environment alone.

    In development (no Lead API key: the built-in sandbox) and without WIDGET_ALLOWED_ORIGINS,
    it may be framed by the service's own loopback origins, so `/demo` works out of the box.
    """
    origins = settings.widget_allowed_origins
    if not origins and settings.leadpro_api_key is None:
        origins = list(development_origins(settings))
    try:
        address_source = _address_source(settings, settings.leadpro_api_key)
    except ValueError as exc:
        raise SettingsError(f"Bad setting ADDRESS_LOOKUP: {exc}") from None
    # Validated like a file's entry: WIDGET_SOURCE is any string until the model checks it
    # against the contract's sources.
    return Widget.model_validate(
        {
            "id": "default",
            "agency_name": settings.widget_agency_name,
            "api_key": settings.leadpro_api_key,
            "api_base": settings.leadpro_api_base,
            "allowed_origins": tuple(origins),
            "office_id": settings.widget_office_id,
            "source": settings.widget_source,
            "consent_required": settings.widget_consent_required,
            "privacy_url": settings.widget_privacy_url,
            "brand": Brand(primary_colour=settings.widget_primary_colour),
            "address_source": address_source,
        }
    )


def load_widgets(settings: Settings) -> dict[str, Widget]:
    """Every widget, validated; a bad entry stops start-up with its widget and field named."""
    if settings.widgets_file is None:
        try:
            return {"default": default_widget(settings)}
        except ValidationError as exc:
            raise SettingsError(
                f"Bad setting for the default widget: {_first_error(exc)}"
            ) from None
    return _widgets_from_file(settings.widgets_file, settings)


def _widgets_from_file(path: Path, settings: Settings) -> dict[str, Widget]:
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"Bad setting WIDGETS_FILE: cannot read {path}: {exc}") from None
    entries = document.get("widgets")
    if not isinstance(entries, dict) or not entries:
        raise SettingsError("Bad setting WIDGETS_FILE: define at least one [widgets.ID] table")
    widgets: dict[str, Widget] = {}
    for widget_id, entry in entries.items():
        try:
            raw = _FileWidget.model_validate(entry)
            api_key = _read_key(raw, settings)
            widgets[widget_id] = Widget(
                id=widget_id,
                api_key=api_key,
                api_base=settings.leadpro_api_base,
                **raw.model_dump(exclude=_FILE_ONLY),
                brand=raw.brand,
                questions=tuple(raw.questions),
                address_source=_file_address_source(raw, settings, api_key),
            )
        except ValidationError as exc:
            raise SettingsError(
                f"Bad setting WIDGETS_FILE: widget '{widget_id}': {_first_error(exc)}"
            ) from None
        except ValueError as exc:
            raise SettingsError(f"Bad setting WIDGETS_FILE: widget '{widget_id}': {exc}") from None
    return widgets


_FILE_ONLY = {
    "api_key_env",
    "api_key_file",
    "brand",
    "questions",
    "address_lookup",
    "address_lookup_api_key_env",
    "address_lookup_api_key_file",
    "address_lookup_base",
}


def _file_address_source(
    raw: _FileWidget, settings: Settings, lead_api_key: SecretStr | None
) -> AddressSource:
    key = _key_from(
        raw.address_lookup_api_key_env, raw.address_lookup_api_key_file, "address_lookup_api_key"
    )
    try:
        return _address_source(
            settings, lead_api_key, raw.address_lookup, key, raw.address_lookup_base
        )
    except ValueError as exc:
        raise ValueError(f"address_lookup: {exc}") from None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
