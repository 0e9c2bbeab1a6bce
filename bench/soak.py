"""The delivery soak: N leads (1,000 by default) through a real app while the Lead API misbehaves.

The sandbox Lead API and the app run as real processes on free ports. Leads go in through the
JSON API, each with its own submission id, from several clients at once. Meanwhile the sandbox
fails a share of requests, is fully down for a stretch, then answers slower than the request's
wait; mid-run the app is killed with SIGKILL and started again on the same database (clients
re-send what failed, with the same id). Then the background worker drains the backlog and every
accepted lead is looked up in the sandbox's records by the submission id in `meta`.

    python -m bench.soak [--submissions 1000] [--concurrency 8] [--database sqlite|postgres]

Exit status 0 only if nothing is missing and nothing is left pending. `make soak` runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

# The shared test helpers import Starlette's TestClient, which warns about its httpx use.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from tests.delivery.faultrun import FaultRunConfig, run_fault_run  # noqa: E402
from tests.delivery.support import base_env, postgres_database, sqlite_url  # noqa: E402
from tests.servers import run_sandbox  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=1000, help="leads to send")
    parser.add_argument("--concurrency", type=int, default=8, help="clients sending at once")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--error-rate", type=float, default=0.2, help="share of 500s injected")
    parser.add_argument(
        "--slow-ms", type=int, default=700, help="latency in the slow stretch (above the wait)"
    )
    parser.add_argument(
        "--down-seconds", type=float, default=20.0, help="shortest full outage of the sandbox"
    )
    parser.add_argument("--drain-timeout", type=float, default=600.0, help="seconds")
    return parser.parse_args(argv)


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "postgres":
        with postgres_database() as url:  # a fresh database, dropped afterwards
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix="soak-") as folder:
            yield sqlite_url(Path(folder))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with database(args.database) as url, run_sandbox(keys=("test-key",)) as sandbox:
        config = FaultRunConfig(
            submissions=args.submissions,
            database_url=url,
            concurrency=args.concurrency,
            error_rate=args.error_rate,
            slow_latency_ms=args.slow_ms,
            drain_timeout_seconds=args.drain_timeout,
            down_min_seconds=args.down_seconds,
        )
        print(
            f"soak: {args.submissions} submissions, {args.concurrency} clients, "
            f"{args.database}; sandbox {args.error_rate:.0%} errors, then down "
            f"(at least {args.down_seconds:g} s), then "
            f"{args.slow_ms} ms slow (wait {config.submit_wait_seconds} s), SIGKILL at "
            f"{config.kill_at:.0%}",
            flush=True,
        )
        result = run_fault_run(sandbox, config)
        stats = subprocess.run(
            [sys.executable, "-m", "app", "stats"],
            cwd=REPO_ROOT,
            env={**base_env(), "DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    for note in result.notes:
        print(f"  {note}")
    print()
    print(result.table())
    print()
    print("python -m app stats:")
    print(stats.stdout.strip() or stats.stderr.strip())
    verdict = result.missing == 0 and result.pending == 0 and result.kills == 1
    print(
        f"\n{'PASS' if verdict else 'FAIL'}: missing={result.missing} "
        f"pending={result.pending} kills={result.kills}"
    )
    return 0 if verdict else 1


if __name__ == "__main__":
    raise SystemExit(main())
