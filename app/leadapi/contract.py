"""The Lead API's request contract, written once: `LeadRequest` is its field list.

Every field of `POST /leads/valuation` with its documented rule (lengths, choices, JSON byte
limits) is declared on `LeadRequest`, so a request the upstream would refuse cannot be built.
`FIELDS` reads the same declarations back as plain data (`FieldRule`) for code that enforces the
contract another way, such as the sandbox Lead API; nothing else restates a limit.

Source: the Lead API guides, summarised in the project's lead-api contract notes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType, NoneType, UnionType
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import annotated_types
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo

_T = TypeVar("_T")

# The choices, as types for the model and as tuples for everyone else.
ValuationType = Literal["vendor", "landlord"]
LeadType = Literal["sale", "let", "vendor", "landlord", "mortgage_request"]  # POST /leads
PropertyType = Literal["detached", "semi-detached", "terraced", "flat-maisonette"]
Source = Literal[
    "rightmove",
    "rightmove_valuation",
    "zoopla",
    "zoopla_valuation",
    "onthemarket",
    "gumtree",
    "s1",
    "lettingweb",
    "propertypal",
    "propertynews",
    "ivt",
    "homepage",
]
LEAD_TYPES: tuple[str, ...] = get_args(ValuationType)  # what /leads/valuation takes
ALL_LEAD_TYPES: tuple[str, ...] = get_args(LeadType)
PROPERTY_TYPES: tuple[str, ...] = get_args(PropertyType)
SOURCES: tuple[str, ...] = get_args(Source)
DEFAULT_SOURCE = "ivt"
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def ascii_email(value: str) -> str:
    """A valid address in the form every validator accepts: `m@bücher.de` → `m@xn--bcher-kva.de`.

    Not pydantic's EmailStr: it turns an xn-- domain back into Unicode. Non-ASCII before the @
    (SMTPUTF8) is refused, as most mail providers refuse it. Raises ValueError when invalid.
    """
    try:
        found = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None
    assert found.ascii_email is not None, "always set without SMTPUTF8"
    return found.ascii_email


Email = Annotated[StrictStr, AfterValidator(ascii_email)]
VALUATION_PATH = "/leads/valuation"

# Byte limits of the contract's JSON-valued fields.
AVAILABILITY_MAX_BYTES = 1024
META_MAX_BYTES = 1024
QUESTIONNAIRE_MAX_BYTES = 2048

# Text lengths the contract repeats across fields.
NAME_MAX = 50
SHORT_TEXT_MAX = 100
LONG_TEXT_MAX = 255
POSTCODE_MIN, POSTCODE_MAX = 2, 10

# Required text must hold something other than spaces, as the upstream insists (our stricter
# reading: the upstream trims and then finds nothing).
NOT_BLANK = r"\S"
# An ISO-8601 instant in UTC, e.g. 2021-01-01T08:00:00.000Z; a local time is not an instant.
UTC_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|\+00:00)")


@dataclass(frozen=True)
class MaxJsonBytes:
    """Field marker: the value, as compact UTF-8 JSON, is at most `limit` bytes."""

    limit: int


def json_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON: how the contract's size limits are counted."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def utc_instant(moment: datetime) -> str:
    """An aware datetime as the contract's ISO-8601 UTC form, e.g. 2021-01-01T08:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def is_utc_instant(value: object) -> bool:
    """Whether `value` is a string naming a real instant in the contract's UTC form."""
    if not isinstance(value, str) or not UTC_INSTANT.fullmatch(value):
        return False
    try:  # the pattern accepts 2021-13-45; the calendar does not
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _name(required: bool = False) -> Any:
    return Field(... if required else None, min_length=1, max_length=NAME_MAX, pattern=NOT_BLANK)


def _postcode(required: bool = False) -> Any:
    return Field(
        ... if required else None,
        min_length=POSTCODE_MIN,
        max_length=POSTCODE_MAX,
        pattern=NOT_BLANK,
    )


def _text(max_length: int) -> Any:
    return Field(None, max_length=max_length)


class LeadRequest(BaseModel):
    """The JSON body of `POST /leads/valuation`, in the contract's order, with its rules.

    Raises pydantic's `ValidationError` (a `ValueError`) when built from values the contract
    refuses; `body()` gives the dict to send.
    """

    model_config = ConfigDict(extra="forbid")

    type: ValuationType
    first_name: StrictStr = _name(required=True)
    last_name: StrictStr = _name(required=True)
    email: Email
    phone: StrictStr = Field(min_length=1, max_length=LONG_TEXT_MAX, pattern=NOT_BLANK)
    postcode: StrictStr = _postcode(required=True)  # required for vendor and landlord leads
    title: StrictStr | None = _name()
    address: StrictStr | None = _text(SHORT_TEXT_MAX)
    property_bedrooms: StrictInt | None = Field(None, ge=0)
    property_type: PropertyType | None = None
    advert_address: StrictStr | None = _text(SHORT_TEXT_MAX)
    advert_postcode: StrictStr | None = _postcode()
    advert_url: StrictStr | None = _text(LONG_TEXT_MAX)
    advert_image: StrictStr | None = _text(LONG_TEXT_MAX)
    message: StrictStr | None = _text(LONG_TEXT_MAX)
    appointment_availability: Annotated[
        dict[str, list[StrictStr]] | None, MaxJsonBytes(AVAILABILITY_MAX_BYTES)
    ] = None
    meta: Annotated[dict[str, StrictStr] | None, MaxJsonBytes(META_MAX_BYTES)] = None
    questionnaire: Annotated[
        dict[str, list[StrictStr]] | None, MaxJsonBytes(QUESTIONNAIRE_MAX_BYTES)
    ] = None
    gdpr_checkbox: StrictBool | None = None
    host: StrictStr | None = _text(LONG_TEXT_MAX)
    office_id: StrictInt | None = None
    source: Source | None = None
    international: StrictBool | None = None
    utm_source: StrictStr | None = _text(LONG_TEXT_MAX)
    utm_campaign: StrictStr | None = _text(LONG_TEXT_MAX)
    utm_medium: StrictStr | None = _text(LONG_TEXT_MAX)
    utm_term: StrictStr | None = _text(LONG_TEXT_MAX)
    utm_content: StrictStr | None = _text(LONG_TEXT_MAX)

    @field_validator("appointment_availability")
    @classmethod
    def availability_shape(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is None:
            return None
        if set(value) != {"hours"}:
            raise ValueError('must be {"hours": [...]}')
        if not all(is_utc_instant(hour) for hour in value["hours"]):
            raise ValueError("hours must be UTC instants like 2021-01-01T08:00:00.000Z")
        return value

    @field_validator("questionnaire")
    @classmethod
    def questionnaire_pairs(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is not None and any(len(pair) != 2 for pair in value.values()):
            raise ValueError("each answer must be [question, answer]")
        return value

    @field_validator("appointment_availability", "meta", "questionnaire")
    @classmethod
    def within_json_bytes(cls, value: _T, info: ValidationInfo) -> _T:
        limit = FIELDS[info.field_name].max_bytes if info.field_name else None
        if value is not None and limit is not None and json_size(value) > limit:
            raise ValueError(f"must be at most {limit} bytes of JSON")
        return value

    def body(self) -> dict[str, Any]:
        """The JSON body to send: set fields only, with their contract types."""
        return self.model_dump(mode="json", exclude_none=True)


# --- the same declarations as data -------------------------------------------------------

Kind = Literal["text", "email", "choice", "integer", "boolean", "object"]


@dataclass(frozen=True)
class FieldRule:
    """One request field's documented rule, read from `LeadRequest`.

    `kind` is the JSON type; `min_length`/`max_length` count characters of text; `minimum`
    bounds an integer; `choices` lists a choice's values; `max_bytes` bounds an object's JSON.
    """

    name: str
    kind: Kind
    required: bool
    min_length: int = 0
    max_length: int | None = None
    minimum: int | None = None
    choices: tuple[str, ...] = ()
    max_bytes: int | None = None


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, UnionType):
        [inner] = [arg for arg in get_args(annotation) if arg is not NoneType]
        return inner
    return annotation


def _kind(annotation: Any) -> Kind:
    if get_origin(annotation) is Literal:
        return "choice"
    if get_origin(annotation) is dict:
        return "object"
    # StrictStr and friends are Annotated[str, Strict()]: their origin is the plain type.
    base = get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation
    kinds: dict[type, Kind] = {str: "text", bool: "boolean", int: "integer"}
    return kinds[base]


def _metadata(info: FieldInfo, kind: type[_T]) -> _T | None:
    return next((item for item in info.metadata if isinstance(item, kind)), None)


def _rule(name: str, info: FieldInfo) -> FieldRule:
    annotation = _without_none(info.annotation)
    # pydantic keeps Email's validator in the metadata and leaves `str` as the annotation.
    is_email = any(getattr(item, "func", None) is ascii_email for item in info.metadata)
    kind: Kind = "email" if is_email else _kind(annotation)
    min_len = _metadata(info, annotated_types.MinLen)
    max_len = _metadata(info, annotated_types.MaxLen)
    lower, max_bytes = _metadata(info, annotated_types.Ge), _metadata(info, MaxJsonBytes)
    minimum = lower.ge if lower else None
    return FieldRule(
        name=name,
        kind=kind,
        required=info.is_required(),
        min_length=min_len.min_length if min_len else 0,
        max_length=max_len.max_length if max_len else None,
        minimum=minimum if isinstance(minimum, int) else None,
        choices=get_args(annotation) if kind == "choice" else (),
        max_bytes=max_bytes.limit if max_bytes else None,
    )


FIELDS: Mapping[str, FieldRule] = MappingProxyType(
    {name: _rule(name, info) for name, info in LeadRequest.model_fields.items()}
)
