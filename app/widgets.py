"""Widgets: one per agency (or per agency site), each with its own key, origins, routing and look.

Without `WIDGETS_FILE` the single widget `default` comes from the environment. With it, the TOML
file is validated whole at start-up; an error names the widget and the field.
"""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

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

from app.branding import HEX_COLOUR, Palette
from app.leadapi import QUESTIONNAIRE_MAX_BYTES, Source, Upstream, json_size
from app.settings import Settings, SettingsError

SANDBOX_BASE = "http://sandbox.invalid"
SANDBOX_KEY = "sandbox-key"
DEFAULT_CONSENT = (
    "I agree that {agency} may contact me about my valuation and store my details "
    "as described in its privacy notice."
)

WidgetId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, lower-cased, or None if it is not an http(s) URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port and port != default_port else ""
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{suffix}"


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
    consent_text: Annotated[str, StringConstraints(min_length=10, max_length=500)] = DEFAULT_CONSENT
    consent_version: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "1"
    privacy_url: str = ""
    brand: Brand = Brand()
    questions: tuple[Question, ...] = ()

    @field_validator("allowed_origins")
    @classmethod
    def exact_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = []
        for entry in value:
            origin = origin_of(entry)
            if origin is None or origin != entry.rstrip("/").lower():
                raise ValueError(f"'{entry}' is not an origin like https://www.example.co.uk")
            cleaned.append(origin)
        return tuple(cleaned)

    @field_validator("privacy_url")
    @classmethod
    def privacy_http(cls, value: str) -> str:
        if value and origin_of(value) is None:
            raise ValueError("must be an http(s) URL")
        return value

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
        return self.consent_text.replace("{agency}", self.agency_name)

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
    consent_text: str = DEFAULT_CONSENT
    consent_version: str = "1"
    privacy_url: str = ""
    brand: Brand = Brand()
    questions: list[Question] = []

    @model_validator(mode="after")
    def one_key_source(self) -> _FileWidget:
        if self.api_key_env and self.api_key_file:
            raise ValueError("give api_key_env or api_key_file, not both")
        return self


def _read_key(widget: _FileWidget, settings: Settings) -> SecretStr | None:
    if widget.api_key_env:
        value = os.environ.get(widget.api_key_env, "").strip()
        if not value:
            raise ValueError(f"api_key_env: environment variable {widget.api_key_env} is not set")
        return SecretStr(value)
    if widget.api_key_file:
        try:
            value = widget.api_key_file.read_text().strip()
        except OSError as exc:
            raise ValueError(f"api_key_file: cannot read {widget.api_key_file}") from exc
        if not value:
            raise ValueError(f"api_key_file: {widget.api_key_file} is empty")
        return SecretStr(value)
    return settings.leadpro_api_key


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
            widgets[widget_id] = Widget(
                id=widget_id,
                api_key=_read_key(raw, settings),
                api_base=settings.leadpro_api_base,
                **raw.model_dump(exclude={"api_key_env", "api_key_file", "brand", "questions"}),
                brand=raw.brand,
                questions=tuple(raw.questions),
            )
        except ValidationError as exc:
            raise SettingsError(
                f"Bad setting WIDGETS_FILE: widget '{widget_id}': {_first_error(exc)}"
            ) from None
        except ValueError as exc:
            raise SettingsError(f"Bad setting WIDGETS_FILE: widget '{widget_id}': {exc}") from None
    return widgets


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message
