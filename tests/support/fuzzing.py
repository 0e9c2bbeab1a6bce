"""Fuzzing shared by the bounded runs in `make test` (tests/security/test_fuzz.py) and the long
run in bench/fuzz.py: hypothesis strategies for the form, and schemathesis for the JSON API."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import schemathesis
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.admission import TRAP_FIELD
from app.attribution import Attribution
from app.tokens import Signer
from tests.support.apps import SAME_ORIGIN, TEST_SECRET

API_PATH = "/api/widgets/{widget_id}/valuations"
FORM_FIELDS = (
    "type", "address", "postcode", "property_type", "property_bedrooms", "title", "first_name",
    "last_name", "email", "phone", "message", "gdpr_checkbox", "appointment_availability",
    "host", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", TRAP_FIELD,
)
# What the form may answer: a page (200), a redirect to the result (303), a bad token (400), a
# refusal by size (413), the form again with errors (422), or the rate limit (429).
FORM_STATUSES = {200, 303, 400, 413, 422, 429}
MARKER = "<x-fuzz>"  # markup that must never come back unescaped
API_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# Any unicode but lone surrogates (they cannot be encoded on the wire): control characters,
# NULs, right-to-left overrides, emoji and all.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
value = st.one_of(
    any_text,
    any_text.map(lambda text: text + MARKER),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1000, max_size=6000),  # huge
    st.sampled_from(["vendor", "landlord", "yes", "3", "DE1 1JX", "07911 123456", "a@b.co"]),
)
field_name = st.one_of(
    st.sampled_from(FORM_FIELDS),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30),  # extra fields
).filter(lambda name: name != "token")
form_body = st.dictionaries(field_name, st.one_of(value, st.lists(value, max_size=4)), max_size=25)
token_kind = st.sampled_from(["valid", "missing", "garbage", "other-widget"])


def form_token(kind: str) -> str | None:
    """A token of the given kind; "valid" ones look filled in at human speed."""
    signer = Signer(TEST_SECRET, 7200, 3600)
    if kind == "missing":
        return None
    if kind == "garbage":
        return "eyJ3IjoiZGVmYXVsdCJ9.garbage.signature"
    widget = "default" if kind == "valid" else "another"
    return signer.issue_form_token(widget, Attribution(), issued_at=time.time() - 30)[0]


def post_fuzzed_form(http: httpx.Client, body: dict[str, Any], kind: str) -> httpx.Response:
    token = form_token(kind)
    data = {**body, **({"token": token} if token else {})}
    return http.post("/w/default", data=data, headers=SAME_ORIGIN, follow_redirects=False)


def form_problems(response: httpx.Response) -> list[str]:
    """What is wrong with the form endpoint's answer to fuzzed input ([] if nothing)."""
    problems = []
    if response.status_code not in FORM_STATUSES:
        problems.append(f"status {response.status_code}")
    if response.status_code == 422 and not (
        "<form" in response.text and "There is a problem" in response.text
    ):
        problems.append("a 422 without the form and its error summary")
    if MARKER in response.text:
        problems.append("markup came back unescaped")
    return problems


def api_strategy(base_url: str) -> Any:
    """Schemathesis cases for the valuations operation, from the served OpenAPI document.

    Most go to the real widget (`default`), valid and invalid; some to widget ids it invents.
    """
    raw = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
    operation = schemathesis.openapi.from_dict(raw)[API_PATH]["POST"]
    on_default = {"widget_id": "default"}
    return st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, path_parameters=on_default),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=on_default),
        operation.as_strategy(GenerationMode.POSITIVE),
    )


def call_api(case: Case, base_url: str, statuses: Counter[int]) -> None:
    """Send one case and run every response check (server errors and schema conformance)."""
    response = case.call(base_url=base_url, timeout=10)
    statuses[response.status_code] += 1
    case.validate_response(response, checks=API_CHECKS)


def counting(statuses: Counter[int]) -> Callable[[httpx.Response], None]:
    def hook(response: httpx.Response) -> None:
        statuses[response.status_code] += 1

    return hook
