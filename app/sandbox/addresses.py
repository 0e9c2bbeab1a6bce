"""The sandbox address provider: Ideal Postcodes' postcode lookup, served locally.

`GET /v1/postcodes/{postcode}` with the key in `Authorization: api_key="..."` or `?api_key=`,
answering in the documented shapes (addresses from `addressbook.py`). Mounted at `/addresses` on
the sandbox Lead API (`python -m app.sandbox`, so `ADDRESS_LOOKUP_BASE=http://host:8001/addresses`)
and used in process by the app when no address key is set.

Control endpoints (no key): `GET/PUT /_sandbox/faults` (latency, error rate, down, and `answer`:
one forced answer for every lookup), `GET/DELETE /_sandbox/stats` (lookups received and how
they were answered). Environment: SANDBOX_ADDRESS_LATENCY_MS, SANDBOX_ADDRESS_ERROR_RATE,
SANDBOX_ADDRESS_DOWN, SANDBOX_ADDRESS_ANSWER, SANDBOX_SEED.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from app.sandbox import addressbook
from app.sandbox.faults import Faults, FaultsError

SANDBOX_ADDRESS_KEY = "sandbox-key"
ENV_PREFIX = "SANDBOX_ADDRESS_"

# Forced answers, as the real service gives them: (status, body); `not_json` is an HTML page.
ANSWERS: dict[str, tuple[int, dict[str, Any] | None]] = {
    "bad_key": (401, {"code": 4010, "message": "Invalid Key. Please check your API key"}),
    "no_credit": (402, {"code": 4020, "message": "Token balance depleted"}),
    "daily_limit": (402, {"code": 4021, "message": "Limit reached for today"}),
    "rate_limited": (429, {"code": 4290, "message": "Too many requests"}),
    "not_json": (200, None),
}
NOT_JSON_BODY = "<html><body><h1>Gateway</h1><p>Please sign in to continue.</p></body></html>"
_KEY_HEADER = re.compile(r'^\s*api_key="?([^"]*)"?\s*$')


@dataclass
class AddressFaults:
    """The Lead API sandbox's faults (latency, error rate, down) plus one forced `answer`."""

    base: Faults = field(default_factory=Faults)
    answer: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AddressFaults:
        renamed = {
            "SANDBOX_" + name.removeprefix(ENV_PREFIX): value
            for name, value in environ.items()
            if name.startswith(ENV_PREFIX)
        }
        if "SANDBOX_SEED" in environ:
            renamed["SANDBOX_SEED"] = environ["SANDBOX_SEED"]
        try:
            base = Faults.from_env(renamed)
        except FaultsError as exc:
            raise FaultsError(str(exc).replace("SANDBOX_", ENV_PREFIX)) from None
        faults = cls(base)
        faults.update(answer=renamed.get("SANDBOX_ANSWER", "").strip() or None)
        return faults

    def update(self, **changes: Any) -> None:
        """A partial update, all checked before any applies."""
        answer = changes.pop("answer", self.answer)
        if answer is not None and answer not in ANSWERS:
            raise FaultsError(f"answer must be null or one of {', '.join(ANSWERS)}")
        self.base.update(**changes)
        self.answer = answer

    def as_dict(self) -> dict[str, Any]:
        return {**self.base.as_dict(), "answer": self.answer}


def error(status: int, code: int, text: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": text}, status_code=status)


def _key_of(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and (match := _KEY_HEADER.match(header)):
        return match.group(1)
    return request.query_params.get("api_key")


def create_address_sandbox_app(
    api_keys: Iterable[str] = (SANDBOX_ADDRESS_KEY,), faults: AddressFaults | None = None
) -> FastAPI:
    """The sandbox address provider accepting `api_keys`, with `faults` injected if given."""
    keys = tuple(api_keys)
    state = faults or AddressFaults()
    stats: Counter[str] = Counter()
    app = FastAPI(title="Address lookup sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.faults = state

    def known(key: str | None) -> bool:
        return key is not None and any(
            hmac.compare_digest(key.encode(), k.encode()) for k in keys
        )

    @app.get("/v1/postcodes/{postcode}")
    async def postcode_lookup(postcode: str, request: Request) -> Response:
        stats["received"] += 1
        if state.base.latency_ms:
            await asyncio.sleep(state.base.latency_ms / 1000)
        if state.base.down:
            stats["failed_injected"] += 1
            return error(503, 5030, "Service unavailable")
        if state.base.should_fail():
            stats["failed_injected"] += 1
            return error(500, 5000, "Internal server error")
        if state.answer is not None:
            stats["failed_injected"] += 1
            status, body = ANSWERS[state.answer]
            if body is None:
                return Response(NOT_JSON_BODY, status_code=status, media_type="text/html")
            return JSONResponse(body, status_code=status)
        if not known(_key_of(request)):
            stats["refused"] += 1
            return error(401, 4010, "Invalid Key. Please check your API key")
        addresses = addressbook.lookup(postcode)
        if addresses is None:
            stats["not_found"] += 1
            return error(404, 4040, "Postcode not found")
        stats["answered"] += 1
        return JSONResponse({"result": addresses, "code": 2000, "message": "Success"})

    @app.get("/_sandbox/faults")
    async def get_faults() -> dict[str, Any]:
        return state.as_dict()

    @app.put("/_sandbox/faults")
    async def put_faults(request: Request) -> JSONResponse:
        try:
            changes = json.loads(await request.body())
        except ValueError:
            changes = None
        if not isinstance(changes, dict):
            return JSONResponse({"message": "The request body must be a JSON object."}, 400)
        try:
            state.update(**changes)
        except FaultsError as exc:
            return JSONResponse({"message": str(exc)}, 422)
        return JSONResponse(state.as_dict())

    @app.get("/_sandbox/stats")
    async def get_stats() -> dict[str, int]:
        names = ("received", "answered", "not_found", "refused", "failed_injected")
        return {name: stats[name] for name in names}

    @app.delete("/_sandbox/stats")
    async def clear_stats() -> dict[str, int]:
        stats.clear()
        return await get_stats()

    return app
