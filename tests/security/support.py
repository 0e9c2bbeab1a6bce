"""Helpers for the attacking tests: the homeowner's answers, the form token, what went upstream."""

from __future__ import annotations

import base64
import re
import time
from typing import Any
from urllib.parse import quote

import httpx
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.store import Submission
from tests.support.apps import SAME_ORIGIN, TEST_SECRET
from tests.support.forms import FIRST_NAME, LAST_NAME, answers, form_token  # noqa: F401 - shared here
from tests.support.servers import SANDBOX_KEY, SandboxServer

LIVE_KEY = SANDBOX_KEY  # the Lead API key the app under attack holds (the sandbox accepts it)
SECRETS = (LIVE_KEY, TEST_SECRET)


def api_answers(**changes: Any) -> dict[str, Any]:
    body = {**answers(), "property_bedrooms": 3, "gdpr_checkbox": True}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def fresh_token(client: TestClient, widget_id: str = "default", query: str = "") -> str:
    return form_token(client.get(f"/w/{widget_id}{query}").text)


def post_form(
    client: TestClient,
    data: dict[str, Any],
    widget_id: str = "default",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return client.post(
        f"/w/{widget_id}",
        data=data,
        headers=SAME_ORIGIN if headers is None else headers,
        follow_redirects=False,
    )


def submit(client: TestClient, widget_id: str = "default", **changes: Any) -> httpx.Response:
    """GET the form, then POST valid answers with its token (same-origin, as a browser would)."""
    return post_form(
        client, {"token": fresh_token(client, widget_id), **answers(**changes)}, widget_id
    )


def token_payload(token: str, salt: str = "form-token") -> dict[str, Any]:
    """What a signed value says (itsdangerous signs; it does not encrypt)."""
    return URLSafeTimedSerializer(TEST_SECRET, salt=salt).loads(token)


def submission_of(token: str) -> str:
    return str(token_payload(token)["s"])


def backdated(value: str, seconds: float, salt: str = "form-token") -> str:
    """The same signed value, re-signed as if it had been issued `seconds` ago."""

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - seconds)

    payload = token_payload(value, salt)
    return URLSafeTimedSerializer(TEST_SECRET, salt=salt, signer=PastSigner).dumps(payload)


def result_of(response: httpx.Response) -> str:
    """The submission a redirect's result link names (links are re-signed, so compare this)."""
    assert response.status_code == 303, response.status_code
    link = response.headers["location"].rsplit("/", 1)[1]
    return str(token_payload(link, salt="result-link")["s"])


def leads_for(upstream: SandboxServer, submission_id: str) -> list[dict[str, Any]]:
    return upstream.leads(meta_key="submission_id", meta_value=submission_id)


def stored(client: TestClient, submission_id: str) -> Submission | None:
    # TestClient types its app as any ASGI app; this one is our FastAPI app with its services.
    services = client.app.state.services  # type: ignore[attr-defined]
    # The portal exists while the client is open, which is when tests call this.
    return client.portal.call(services.store.get, submission_id)  # type: ignore[union-attr]


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def input_value(page: str, name: str) -> str | None:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else None


def secret_forms(secret: str) -> list[str]:
    """A secret as it might appear: plain, URL-encoded, base64."""
    b64 = base64.b64encode(secret.encode()).decode().rstrip("=")
    b64url = base64.urlsafe_b64encode(secret.encode()).decode().rstrip("=")
    return [secret, quote(secret, safe=""), b64, b64url]


def leaks(response: httpx.Response) -> list[str]:
    """Which secrets this response carries, in its body or its headers."""
    text = response.content.decode(errors="replace")
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
    return [
        f"{response.request.method} {response.request.url.path}: {form!r}"
        for secret in SECRETS
        for form in secret_forms(secret)
        if form in text or form in headers
    ]
