"""``python -m app.sandbox --host 127.0.0.1 --port 8001 [--keys k1,k2]``: serve the sandbox.

Environment: SANDBOX_API_KEYS (comma-separated, default ``sandbox-key``), SANDBOX_LATENCY_MS,
SANDBOX_ERROR_RATE (0..1), SANDBOX_DOWN (true/false), SANDBOX_SEED (repeatable error draws).
The address provider at ``/addresses`` takes the same with SANDBOX_ADDRESS_ (LATENCY_MS,
ERROR_RATE, DOWN) and SANDBOX_ADDRESS_ANSWER (bad_key, no_credit, daily_limit, rate_limited,
not_json).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn

from app.sandbox.addresses import AddressFaults
from app.sandbox.faults import Faults, FaultsError
from app.sandbox.server import create_sandbox_app

log = logging.getLogger("app.sandbox")


def split_keys(text: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in text.split(",") if key.strip())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument(
        "--log-level",
        default="info",
        choices=("debug", "info", "warning"),
        help="debug also logs each lead: its number, source and office, or the fields refused",
    )
    parser.add_argument(
        "--keys",
        default=os.environ.get("SANDBOX_API_KEYS", "sandbox-key"),
        help="comma-separated API keys to accept (default: $SANDBOX_API_KEYS or sandbox-key)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    keys = split_keys(args.keys)
    if not keys:
        sys.exit("app.sandbox: no API keys given (--keys or SANDBOX_API_KEYS)")
    try:
        faults = Faults.from_env(os.environ)
        address_faults = AddressFaults.from_env(os.environ)
    except FaultsError as exc:
        sys.exit(f"app.sandbox: {exc}")
    app = create_sandbox_app(api_keys=keys, faults=faults, address_faults=address_faults)
    # Key values are secrets even here: log how many, never which.
    log.info(
        "Sandbox Lead API on http://%s:%d (%d key(s), faults %s); addresses at /addresses "
        "(faults %s)",
        args.host, args.port, len(keys), faults.as_dict(), address_faults.as_dict(),
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
