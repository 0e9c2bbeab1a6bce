"""The long fuzzing run (`make test` runs a bounded one in tests/security/test_fuzz.py).

Starts the sandbox Lead API and the app (`python -m app serve`) as real processes on free ports,
then sends, over real HTTP:

- `--form-examples` hypothesis-generated posts to `POST /w/default`: arbitrary unicode (control
  characters, NULs, bidi overrides), arbitrary extra fields, huge values, missing, forged and
  foreign tokens. Each answer must be one of 200/303/400/413/422/429, a 422 must re-render the
  form with its error summary, and markup must never come back unescaped;
- `--api-examples` schemathesis cases for `POST /api/widgets/{widget_id}/valuations` from the
  served `/openapi.json`, positive and negative, each checked for server errors, undocumented
  status codes, content types, headers and response schema conformance.

It prints the examples sent, the status codes seen and every failure, and exits 1 on a failure.

    .venv/bin/python -m bench.fuzz [--form-examples 2000] [--api-examples 1000] [--seed N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import traceback
from collections import Counter
from typing import Any

import httpx
from hypothesis import HealthCheck, given, seed, settings

from tests.apps import TEST_SECRET, run_app
from tests.security.fuzzing import (
    api_strategy,
    call_api,
    counting,
    form_body,
    form_problems,
    post_fuzzed_form,
    token_kind,
)
from tests.servers import run_sandbox

KEY = "fuzz-key"


def fuzz_form(base_url: str, examples: int, run_seed: int) -> tuple[Counter[int], list[str]]:
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    with httpx.Client(
        base_url=base_url, timeout=30, event_hooks={"response": [counting(statuses)]}
    ) as http:

        @seed(run_seed)
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(body=form_body, kind=token_kind)
        def run(body: dict[str, Any], kind: str) -> None:
            response = post_fuzzed_form(http, body, kind)
            problems = form_problems(response)
            assert problems == [], problems

        try:
            run()
        except Exception:  # hypothesis has shrunk it to the smallest failing example
            failures.append(traceback.format_exc(limit=3))
    return statuses, failures


def fuzz_api(base_url: str, examples: int, run_seed: int) -> tuple[Counter[int], list[str]]:
    statuses: Counter[int] = Counter()
    failures: list[str] = []

    @seed(run_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=api_strategy(base_url))
    def run(case: Any) -> None:
        call_api(case, base_url, statuses)

    try:
        run()
    except Exception as exc:  # a FailureGroup lists every distinct failure schemathesis found
        failures.append(f"{type(exc).__name__}: {exc}")
    return statuses, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--form-examples", type=int, default=2000)
    parser.add_argument("--api-examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, run_sandbox(keys=(KEY,)) as sandbox:
        env = {
            "LEADPRO_API_BASE": sandbox.base_url,
            "LEADPRO_API_KEY": KEY,
            "SECRET_KEY": TEST_SECRET,  # the fuzzer signs valid form tokens with it
            "DATABASE_URL": f"sqlite:///{folder}/widget.db",
            "MIN_FILL_SECONDS": "3",
            "RATE_LIMIT_PER_IP": "1000000/minute",
            "RATE_LIMIT_PER_WIDGET": "1000000/minute",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
        }
        with run_app(env) as app:
            started = time.perf_counter()
            form_statuses, form_failures = fuzz_form(app.base_url, args.form_examples, args.seed)
            form_seconds = time.perf_counter() - started
            started = time.perf_counter()
            api_statuses, api_failures = fuzz_api(app.base_url, args.api_examples, args.seed)
            api_seconds = time.perf_counter() - started
            server_errors = app.process.read_output().count('"level": "error"')

    print(f"seed {args.seed}")
    for name, statuses, seconds, failures in (
        ("form POST /w/default", form_statuses, form_seconds, form_failures),
        ("API  POST /api/widgets/{id}/valuations", api_statuses, api_seconds, api_failures),
    ):
        total = sum(statuses.values())
        counts = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        fives = sum(n for status, n in statuses.items() if status >= 500)
        print(
            f"{name}: {total} requests in {seconds:.1f} s; statuses {counts}; "
            f"5xx {fives}; failures {len(failures)}"
        )
        for failure in failures:
            print(failure)
    print(f"error lines in the app's log: {server_errors}")
    return 1 if form_failures or api_failures or server_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
