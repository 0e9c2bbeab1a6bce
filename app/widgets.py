"""Widgets: one per agency (or per agency site), each with its own key, origins, routing and look.

Without `WIDGETS_FILE` the single widget `default` comes from the environment. With it, the TOML
file is validated whole at start-up; an error names the widget and the field.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from app.addresses.config import AddressSource, ProviderKind, resolve_source
from app.branding import HEX_COLOUR, Palette
from app.leadapi import QUESTIONNAIRE_MAX_BYTES, Source, Upstream, json_size
from app.origins import allowed_origin, origin_of
from app.settings import Settings, SettingsError

SANDBOX_BASE = "http://sandbox.invalid"
SANDBOX_KEY = "sandbox-key"
# The default consent wording, with or without a privacy notice to point to: a widget without
# `privacy_url` must not promise one.
DEFAULT_CONSENT = "I agree that {agency} may contact me about my valuation and store my details."
DEFAULT_CONSENT_WITH_PRIVACY = (
    "I agree that {agency} may contact me about my valuation and store my details "
    "as described in its privacy notice."
)
MENTIONS_PRIVACY = re.compile(r"\bprivacy\b", re.IGNORECASE)

WidgetId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


class Question(BaseModel):
    """An agency's own multiple-choice question, sent as a questionnaire entry."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,30}$")]
    text: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    options: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        min_length=2, max_length=10
    )
    required: bool = False


class Brand(BaseModel):
    model_config = ConfigDict(extra="forbid")

    primary_colour: str = "#1d4f91"
    accent_colour: str | None = None
    logo_url: str | None = None

    @field_validator("primary_colour", "accent_colour")
    @classmethod
    def hex_colour(cls, value: str | None) -> str | None:
        if value is not None and not HEX_COLOUR.match(value):
            raise ValueError("must be a hex colour like #1d4f91")
        return value

    @field_validator("logo_url")
    @classmethod
    def https_logo(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "/")):
            raise ValueError("must be an https:// URL or a path on this service")
        return value

    @cached_property  # contrast search once per brand, not on every page
    def palette(self) -> Palette:
        return Palette.from_brand(self.primary_colour, self.accent_colour)


class Widget(BaseModel):
    """One widget's whole configuration, as the pages and the delivery path need it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: WidgetId
    agency_name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    api_key: SecretStr | None = None
    api_base: str
    allowed_origins: tuple[str, ...] = ()
    office_id: int | None = None
    source: Source = "ivt"
    lead_type: Literal["vendor", "landlord", "choose"] = "choose"
    consent_required: bool = True
    # None: the default wording (DEFAULT_CONSENT, or …_WITH_PRIVACY when privacy_url is set).
    consent_text: Annotated[str, StringConstraints(min_length=10, max_length=500)] | None = None
    consent_version: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "1"
    privacy_url: str = ""
    brand: Brand = Brand()
    questions: tuple[Question, ...] = ()
    # Resolved by load_widgets from the ADDRESS_LOOKUP settings and the widget's own; a widget
    # built directly has no lookup (manual entry only).
    address_source: AddressSource = AddressSource()

    @field_validator("allowed_origins")
    @classmethod
    def exact_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(allowed_origin(entry) for entry in value)

    @field_validator("privacy_url")
    @classmethod
    def privacy_http(cls, value: str) -> str:
        if value and origin_of(value) is None:
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def privacy_notice_exists(self) -> Widget:
        promises_notice = self.consent_text and MENTIONS_PRIVACY.search(self.consent_text)
        if promises_notice and not self.privacy_url:
            raise ValueError(
                "consent_text: mentions a privacy notice but privacy_url is not set; "
                "set privacy_url or leave the privacy notice out of the wording"
            )
        return self

    @model_validator(mode="after")
    def questions_fit(self) -> Widget:
        longest = {
            q.id: [q.text, max(q.options, key=lambda o: len(o.encode()))] for q in self.questions
        }
        if json_size(longest) > QUESTIONNAIRE_MAX_BYTES:
            raise ValueError(
                f"questions: the longest answers exceed the Lead API's "
                f"{QUESTIONNAIRE_MAX_BYTES}-byte questionnaire limit; shorten them"
            )
        if len({q.id for q in self.questions}) != len(self.questions):
            raise ValueError("questions: each question needs its own id")
        return self

    @property
    def uses_sandbox(self) -> bool:
        return self.api_key is None

    @property
    def upstream(self) -> Upstream:
        if self.api_key is None:
            return Upstream(SANDBOX_BASE, SecretStr(SANDBOX_KEY), is_sandbox=True)
        return Upstream(self.api_base, self.api_key)

    @property
    def consent_wording(self) -> str:
        """The consent checkbox's label, naming the agency; it mentions a privacy notice only
        when the widget has one (`privacy_url`)."""
        default = DEFAULT_CONSENT_WITH_PRIVACY if self.privacy_url else DEFAULT_CONSENT
        return (self.consent_text or default).replace("{agency}", self.agency_name)

    def trusts(self, origin: str | None, own: str | None) -> bool:
        """Whether `origin` may frame this widget: one of its allowed origins, or this service."""
        return origin is not None and (origin == own or origin in self.allowed_origins)


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
    return Widget(
        id="default",
        agency_name=settings.widget_agency_name,
        api_key=settings.leadpro_api_key,
        api_base=settings.leadpro_api_base,
        allowed_origins=tuple(origins),
        office_id=settings.widget_office_id,
        source=settings.widget_source,
        consent_required=settings.widget_consent_required,
        privacy_url=settings.widget_privacy_url,
        brand=Brand(primary_colour=settings.widget_primary_colour),
        address_source=address_source,
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
