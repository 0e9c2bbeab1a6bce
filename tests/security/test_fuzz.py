"""Property-based fuzzing, bounded for `make test` (bench/fuzz.py runs the long version):
arbitrary form posts never get a 500, and the JSON API keeps to its OpenAPI under schemathesis."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from app.admission import TRAP_FIELD
from tests.security.support import answers, fresh_token, post_form
from tests.support.apps import LiveApp
from tests.support.fuzzing import (
    api_strategy,
    call_api,
    form_body,
    form_problems,
    post_fuzzed_form,
    token_kind,
)

BOUNDED = settings(
    max_examples=60,
    deadline=None,  # the first requests warm up the app; bounded by max_examples instead
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: `make test` stays repeatable
)


@BOUNDED
@given(body=form_body, kind=token_kind)
def test_arbitrary_form_posts_never_get_a_server_error(
    client: TestClient, body: dict[str, Any], kind: str
) -> None:
    # TestClient raises the app's own exceptions, so a crash fails here with the example.
    response = post_fuzzed_form(client, body, kind)
    assert form_problems(response) == []


@BOUNDED
@given(body=form_body)
def test_arbitrary_values_in_an_otherwise_valid_form_never_get_a_server_error(
    client: TestClient, body: dict[str, Any]
) -> None:
    data = {**answers(), **body, "token": fresh_token(client)}
    data.pop(TRAP_FIELD, None)  # keep the trap field empty: this is about the answers
    response = post_form(client, data)
    assert form_problems(response) == []


def test_the_json_api_keeps_to_its_openapi_under_schemathesis(live_widget: LiveApp) -> None:
    statuses: Counter[int] = Counter()

    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(case=api_strategy(live_widget.base_url))
    def run(case: Any) -> None:
        call_api(case, live_widget.base_url, statuses)

    run()
    assert statuses, "cases were sent"
    assert not any(status >= 500 for status in statuses)
    assert {200, 422} <= set(statuses), f"valid and invalid answers were both tried: {statuses}"
