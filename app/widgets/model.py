"""A widget: one agency's (or agency site's) key, origins, routing, consent wording, questions
and look, validated whole."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.addresses.config import AddressSource
from app.branding import HEX_COLOUR, Palette
from app.leadapi import QUESTIONNAIRE_MAX_BYTES, Source, Upstream, json_size
from app.origins import allowed_origin, origin_of

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
