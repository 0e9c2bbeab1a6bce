"""Body size limit, security headers on every response, header injection, and hostile markup in
every text field (shown escaped, sent upstream as plain text)."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import ClientFactory
from tests.security.support import (
    answers,
    api_answers,
    form_token,
    fresh_token,
    input_value,
    leads_for,
    post_form,
    submission_of,
)
from tests.support.apps import SAME_ORIGIN, LiveApp
from tests.support.forms import details_answers, press, send_through_journey, step_of, walk
from tests.support.servers import SandboxServer

ONE_MB = 1024 * 1024
LIMIT = 32 * 1024  # MAX_BODY_BYTES default
API = "/api/widgets/default/valuations"
PAYLOAD = '"><script>alert(1)</script>'
TEXT_FIELDS = (
    "title", "first_name", "last_name", "email", "phone", "address", "postcode", "message"
)


def chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    """A body sent with Transfer-Encoding: chunked (no Content-Length to judge it by)."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"a" * piece


def big_form(total: int) -> bytes:
    return b"message=" + b"a" * (total - len(b"message="))


# Body size


@pytest.mark.parametrize("how", ["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/w/default", API])
def test_a_1mb_body_is_refused_with_413_and_nothing_is_sent(
    client: TestClient, upstream: SandboxServer, how: str, path: str
) -> None:
    body = big_form(ONE_MB) if how == "content-length" else chunks(ONE_MB)
    content_type = "application/json" if path == API else "application/x-www-form-urlencoded"
    response = client.post(
        path, content=body, headers={"content-type": content_type, **SAME_ORIGIN}
    )
    assert response.status_code == 413
    if path == API:
        assert response.json()["message"].startswith("Request body too large")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "x-request-id" in response.headers
    assert upstream.leads() == []


def test_a_body_just_under_the_limit_is_read_and_answered_normally(client: TestClient) -> None:
    token = fresh_token(client)
    data = {"token": token, **answers(message="a" * (LIMIT - 1000))}
    response = post_form(client, data)
    assert response.status_code == 422  # the message is too long: a field error, not a 413
    assert "There is a problem" in response.text


@pytest.mark.parametrize("how", ["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/w/default", API])
def test_a_real_server_refuses_a_1mb_body_with_413(
    live_widget: LiveApp, how: str, path: str
) -> None:
    body = big_form(ONE_MB) if how == "content-length" else chunks(ONE_MB)
    content_type = "application/json" if path == API else "application/x-www-form-urlencoded"
    with httpx.Client(base_url=live_widget.base_url, timeout=10) as http:
        response = http.post(
            path, content=body, headers={"content-type": content_type, **SAME_ORIGIN}
        )
    assert response.status_code == 413


# Headers


def csp(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()
    }


def test_every_kind_of_response_carries_the_security_headers(
    client: TestClient, upstream: SandboxServer
) -> None:
    token = fresh_token(client)
    responses = {
        "form": client.get("/w/default"),
        "redirect": post_form(client, {"token": token, **answers()}),
        "invalid": post_form(client, {"token": fresh_token(client), **answers(email="x")}),
        "forged": post_form(client, {"token": token}, headers={}),
        "api": client.post(API, json=api_answers()),
        "api-invalid": client.post(API, json={"type": "nope"}),
        "static": client.get("/static/widget.css"),
        "not-found": client.get("/nowhere"),
        "unknown-widget": client.get("/w/nobody"),
        "openapi": client.get("/openapi.json"),
        "health": client.get("/healthz"),
        "too-large": client.post(API, content=b"{" * ONE_MB),
    }
    for name, response in responses.items():
        headers = response.headers
        policy = csp(response)
        assert policy.get("default-src") in ("'self'", "'none'"), name
        assert "object-src" in policy or policy["default-src"] == "'none'", name
        assert "'unsafe-inline'" not in policy.get("script-src", ""), name
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", name
        assert "camera=()" in headers["permissions-policy"], name
        assert re.fullmatch(r"[0-9a-f]{16}", headers["x-request-id"]), name
        assert "server" not in headers, name
        assert "strict-transport-security" not in headers, name  # plain http here


def test_pages_allow_no_inline_script_and_only_their_own_nonce_for_styles(
    client: TestClient,
) -> None:
    response = client.get("/w/default")
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    nonce = re.search(r"'nonce-([^']+)'", policy["style-src"])
    assert nonce
    page = response.text
    assert all(f'nonce="{nonce.group(1)}"' in tag for tag in re.findall(r"<style[^>]*>", page))
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert inline_scripts == []
    assert client.get("/w/default").headers["content-security-policy"] != response.headers[
        "content-security-policy"
    ], "a fresh nonce per response"


def test_only_the_widget_pages_may_be_framed_and_only_by_the_allowed_origins(
    make_client: ClientFactory,
) -> None:
    client = make_client(widget_allowed_origins="https://www.acme-estates.example")
    form = client.get("/w/default")
    assert csp(form)["frame-ancestors"] == "'self' https://www.acme-estates.example"
    assert "x-frame-options" not in form.headers
    for other in (client.get("/openapi.json"), client.get("/nowhere"), client.get("/healthz")):
        assert csp(other)["frame-ancestors"] == "'none'"
        assert other.headers["x-frame-options"] == "DENY"


def test_hsts_is_sent_over_https_and_when_the_public_url_is_https_only(
    make_client: ClientFactory,
) -> None:
    over_https = make_client(base_url="https://testserver").get("/healthz")
    assert over_https.headers["strict-transport-security"].startswith("max-age=31536000")
    behind_proxy = make_client(public_url="https://valuations.example").get("/healthz")
    assert "strict-transport-security" in behind_proxy.headers
    plain = make_client().get("/healthz")
    assert "strict-transport-security" not in plain.headers


def test_the_docs_page_runs_its_one_inline_script_by_nonce(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    policy = csp(response)
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"])
    assert nonce and "'unsafe-inline'" not in policy["script-src"]
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.text)
    assert inline == [f'<script nonce="{nonce.group(1)}">']
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"


def test_the_real_server_sends_no_server_header(live_widget: LiveApp) -> None:
    response = httpx.get(f"{live_widget.base_url}/w/default", timeout=10)
    assert response.status_code == 200
    assert "server" not in response.headers


def test_the_real_server_answers_head_like_get_for_uptime_monitors(live_widget: LiveApp) -> None:
    with httpx.Client(base_url=live_widget.base_url, timeout=10) as http:
        for path in ("/healthz", "/w/default", "/w/default/embed", "/embed.js", "/demo"):
            get, head = http.get(path), http.head(path)
            assert head.status_code == get.status_code == 200, path
            assert head.content == b"", path
            assert head.headers["content-type"] == get.headers["content-type"], path
        assert http.head("/healthz").headers["content-length"] == str(
            len(http.get("/healthz").content)
        )


# Request ids and header injection


def test_a_tame_request_id_is_echoed_and_a_hostile_one_replaced(client: TestClient) -> None:
    assert client.get("/healthz", headers={"x-request-id": "lb-1234.abc"}).headers[
        "x-request-id"
    ] == "lb-1234.abc"
    for hostile in (b"a b", b"<script>", b"x" * 65, b"abc%0d%0aSet-Cookie:%20a=b", b"\xe9"):
        echoed = client.get("/healthz", headers={"x-request-id": hostile}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{16}", echoed), hostile


def test_cr_lf_in_query_values_and_paths_never_reach_a_response_header(
    client: TestClient,
) -> None:
    injected = "%0d%0aSet-Cookie:%20stolen=1%0d%0aX-Injected:%201"
    for url in (
        f"/w/default?host=https://www.acme.example/{injected}&utm_source={injected}",
        f"/w/default/result/abc{injected}",
        f"/w/default/result/abc{injected}/status",
        f"/{injected}",
    ):
        response = client.get(url, follow_redirects=False)
        assert response.status_code in (200, 404), url
        assert "set-cookie" not in response.headers and "x-injected" not in response.headers


def raw_request(base_url: str, request: bytes) -> bytes:
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=10) as sock:
        sock.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n\r\n")[0]


@pytest.mark.parametrize(
    "header",
    [
        b"X-Request-ID: abc\r\n Set-Cookie: stolen=1",  # obsolete line folding
        b"X-Request-ID: abc\nSet-Cookie: stolen=1",  # a bare LF
        b"X-Request-ID: abc\rSet-Cookie: stolen=1",  # a bare CR
    ],
    ids=["obs-fold", "bare-lf", "bare-cr"],
)
def test_a_request_id_smuggling_a_header_is_refused_or_replaced_by_the_real_server(
    live_widget: LiveApp, header: bytes
) -> None:
    head = raw_request(
        live_widget.base_url,
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header + b"\r\nConnection: close\r\n\r\n",
    )
    status = int(head.split(b" ")[1])
    lines = head.lower().split(b"\r\n")
    assert not any(line.startswith(b"set-cookie") for line in lines)
    if status == 200:
        request_id = next(line for line in lines if line.startswith(b"x-request-id:"))
        assert re.fullmatch(rb"x-request-id: [0-9a-f]{16}", request_id)
    else:
        assert status == 400


# Markup in every text field


def shown_value(page: str, name: str) -> str:
    """A field's value as the page shows it back to the homeowner, unescaped."""
    if name == "message":
        shown = re.search(r'<textarea[^>]*name="message"[^>]*>([^<]*)</textarea>', page)
        assert shown, "the message is shown again"
        return html.unescape(shown.group(1))
    return html.unescape(input_value(page, name) or "")


def test_markup_in_every_text_field_is_shown_escaped_when_a_step_comes_back(
    client: TestClient, upstream: SandboxServer
) -> None:
    # Each step that asks free text, pressed with markup in every text field it has (some of it
    # wrong, so the step comes back); the address as typed, shown again in the details summary.
    typed = {"address_line_1": PAYLOAD, "address_line_2": PAYLOAD, "town": PAYLOAD}
    details_text = ("title", "first_name", "last_name", "email", "phone", "message")
    details = walk(client, address=f"{PAYLOAD}, {PAYLOAD}").text
    assert "<script>alert(1)</script>" not in details
    assert f"{PAYLOAD}, {PAYLOAD}, DE1 1JX" in html.unescape(details)
    steps = {
        "postcode": (client.get("/w/default").text, {"type": "vendor", "postcode": PAYLOAD}),
        "manual-address": (
            walk(client, until="manual-address").text,
            {**typed, "postcode": PAYLOAD},
        ),
        "details": (details, details_answers(**dict.fromkeys(details_text, PAYLOAD))),
    }
    for step, (page, fields) in steps.items():
        response = press(client, page, **fields)
        assert response.status_code == 422, step
        assert step_of(response.text) == step
        assert "<script>alert(1)</script>" not in response.text, step
        for name in fields:
            if name not in ("type", "gdpr_checkbox"):
                assert shown_value(response.text, name) == PAYLOAD, (step, name)
    # Every text field at once, as an earlier release's one-page form posts them.
    data = {"token": fresh_token(client), **answers(**dict.fromkeys(TEXT_FIELDS, PAYLOAD))}
    response = post_form(client, data)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in response.text
    assert shown_value(response.text, "postcode") == PAYLOAD
    assert upstream.leads() == []


def test_markup_in_free_text_is_sent_upstream_as_plain_text(
    client: TestClient, upstream: SandboxServer
) -> None:
    fields = {"title": PAYLOAD, "first_name": PAYLOAD, "last_name": PAYLOAD,
              "address": PAYLOAD, "message": PAYLOAD}
    token = fresh_token(client, query=f"?utm_source={PAYLOAD}")
    response = post_form(client, {"token": token, **answers(**fields)})
    assert response.status_code == 303
    sent = leads_for(upstream, submission_of(token))[0]["body"]
    for name in fields:
        assert sent[name] == PAYLOAD, name  # not HTML-escaped, not stripped
    assert sent["utm_source"] == PAYLOAD
    result = client.get(response.headers["location"])
    assert "<script>alert(1)</script>" not in result.text


def test_markup_typed_through_the_journey_is_sent_upstream_as_plain_text(
    client: TestClient, upstream: SandboxServer
) -> None:
    changes = {"address": f"{PAYLOAD}, {PAYLOAD}", "first_name": PAYLOAD, "message": PAYLOAD}
    response = send_through_journey(client, **changes)
    assert response.status_code == 303
    [lead] = upstream.leads()
    for name, sent in changes.items():
        assert lead["body"][name] == sent, name  # not HTML-escaped, not stripped
    assert "<script>alert(1)</script>" not in client.get(response.headers["location"]).text


def test_markup_in_attribution_is_escaped_in_the_form(client: TestClient) -> None:
    page = client.get(f"/w/default?utm_source={PAYLOAD}&utm_campaign=%3Cb%3E").text
    assert "<script>alert(1)</script>" not in page and "<b>" not in page
    assert form_token(page)


def test_markup_through_the_json_api_is_sent_as_text_and_never_echoed(
    client: TestClient, upstream: SandboxServer
) -> None:
    body = api_answers(first_name=PAYLOAD, address=PAYLOAD, message=PAYLOAD)
    response = client.post(API, json=body)
    assert response.status_code == 200
    assert PAYLOAD not in response.text
    sent = leads_for(upstream, response.json()["submission_id"])[0]["body"]
    assert (sent["first_name"], sent["address"], sent["message"]) == (PAYLOAD,) * 3
    invalid = client.post(API, json=api_answers(email=PAYLOAD, postcode=PAYLOAD))
    assert invalid.status_code == 422
    assert "<script>" not in invalid.text
