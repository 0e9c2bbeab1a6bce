"""Rate limits per client address and per widget: a burst gets a friendly 429 with Retry-After,
re-sending an accepted submission never counts twice, X-Forwarded-For is believed only from a
trusted proxy, and with REDIS_URL the counts are shared by every instance."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from starlette.requests import Request

from app.ratelimit import RateLimiter, client_bucket
from app.security import client_ip
from app.settings import SettingsError
from tests.security.conftest import ClientFactory
from tests.security.support import (
    answers,
    api_answers,
    fresh_token,
    input_value,
    post_form,
    result_of,
    submission_of,
    submit,
    visible_text,
)
from tests.support.forms import (
    carried_answers,
    details_answers,
    hidden_fields,
    press,
    step_of,
    walk,
)
from tests.support.servers import SandboxServer, free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
API = "/api/widgets/default/valuations"


def request_from(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", line.encode()) for line in forwarded]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def post_via_proxy(client: TestClient, forwarded_for: str) -> int:
    """A fresh, valid submission that arrives through a proxy naming `forwarded_for`."""
    headers = {"sec-fetch-site": "same-origin", "x-forwarded-for": forwarded_for}
    data = {"token": fresh_token(client), **answers()}
    return post_form(client, data, headers=headers).status_code


def test_a_burst_over_the_per_ip_limit_gets_429_with_retry_after_and_the_answers_kept(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(rate_limit_per_ip="3/minute")
    for _ in range(3):
        assert submit(client).status_code == 303
    details = walk(client, message="Garden flat").text
    refused = press(client, details, **details_answers(message="Garden flat"))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert step_of(refused.text) == "details"
    text = visible_text(refused.text)
    assert "too many valuations were requested" in text and "try again in" in text
    assert input_value(refused.text, "first_name") == "Marla"
    assert "Garden flat" in refused.text
    assert carried_answers(client, refused.text)["address"] == "12 Friar Gate, Derby"
    assert input_value(refused.text, "token") == hidden_fields(details)["token"]
    assert len(upstream.leads()) == 3


def test_re_sending_an_accepted_submission_does_not_count_against_the_limit(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(rate_limit_per_ip="2/minute")
    token = fresh_token(client)
    first = post_form(client, {"token": token, **answers()})
    for _ in range(3):  # double clicks, a reload of the POST
        again = post_form(client, {"token": token, **answers()})
        assert again.status_code == 303
        assert result_of(again) == result_of(first) == submission_of(token)
    assert submit(client).status_code == 303  # the second of 2: still allowed
    assert submit(client).status_code == 429
    assert len(upstream.leads()) == 2


def test_the_per_widget_limit_holds_whatever_address_the_requests_come_from(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(
        peer="10.0.0.2",
        trusted_proxies="10.0.0.0/8",
        rate_limit_per_widget="2/minute",
    )
    assert post_via_proxy(client, "203.0.113.1") == 303
    assert post_via_proxy(client, "203.0.113.2") == 303
    token = fresh_token(client)
    forwarded = {"sec-fetch-site": "same-origin", "x-forwarded-for": "203.0.113.99"}
    refused = post_form(client, {"token": token, **answers()}, headers=forwarded)
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert len(upstream.leads()) == 2


def test_a_spoofed_x_forwarded_for_does_not_escape_the_limit_without_a_trusted_proxy(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(peer="198.51.100.7", rate_limit_per_ip="2/minute")
    statuses = [post_via_proxy(client, f"192.0.2.{n}") for n in (1, 2, 3)]
    assert statuses == [303, 303, 429]
    assert len(upstream.leads()) == 2


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(
        peer="10.0.0.2", trusted_proxies="10.0.0.0/8", rate_limit_per_ip="1/minute"
    )
    assert post_via_proxy(client, "203.0.113.1") == 303
    assert post_via_proxy(client, "203.0.113.2") == 303
    assert post_via_proxy(client, "203.0.113.1") == 429
    # A client's own left-most "hop" is not believed: the proxy's right-most entry counts.
    assert post_via_proxy(client, "192.0.2.50, 203.0.113.1") == 429


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("198.51.100.7", ["192.0.2.1"], "198.51.100.7"),  # peer is not a proxy: header ignored
        ("10.0.0.2", ["192.0.2.1"], "192.0.2.1"),
        ("10.0.0.2", ["192.0.2.1, 10.0.0.3"], "192.0.2.1"),  # two trusted proxies
        ("10.0.0.2", ["6.6.6.6, 192.0.2.1"], "192.0.2.1"),  # client-written hop on the left
        ("10.0.0.2", ["6.6.6.6", "192.0.2.1"], "192.0.2.1"),  # proxy added its own header line
        ("10.0.0.2", ["192.0.2.1, not-an-ip"], "10.0.0.2"),  # garbage: don't let it pick a bucket
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["10.0.0.9"], "10.0.0.9"),  # only proxies: the farthest one
    ],
)
def test_the_client_address_is_the_right_most_hop_not_added_by_a_trusted_proxy(
    peer: str, forwarded: list[str], expected: str
) -> None:
    assert client_ip(request_from(peer, *forwarded), ["10.0.0.0/8"]) == expected


def test_a_bad_trusted_proxies_entry_stops_start_up_naming_the_setting(
    make_client: ClientFactory,
) -> None:
    with pytest.raises(SettingsError, match=r"Bad setting TRUSTED_PROXIES: 'proxy\.internal'"):
        make_client(trusted_proxies="10.0.0.0/8,proxy.internal")


def test_one_ipv6_subscriber_is_counted_once_for_the_whole_64() -> None:
    assert client_bucket("2001:db8:1:2::1") == client_bucket("2001:db8:1:2:ffff::9")
    assert client_bucket("2001:db8:1:2::1") != client_bucket("2001:db8:1:3::1")
    assert client_bucket("::ffff:192.0.2.1") == "192.0.2.1"


def test_every_limit_of_a_multi_limit_setting_is_enforced() -> None:
    async def run() -> list[bool]:
        limiter = RateLimiter("5/minute;2/hour", "100/minute")
        return [(await limiter.hit("w", "192.0.2.1")).allowed for _ in range(3)]

    assert asyncio.run(run()) == [True, True, False]


def test_the_json_api_over_the_limit_answers_429_with_retry_after(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(rate_limit_per_ip="1/minute")
    assert client.post(API, json=api_answers()).status_code == 200
    refused = client.post(API, json=api_answers())
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["message"].startswith("Too many requests")
    assert len(upstream.leads()) == 1


# Redis: shared counts for many instances. Each test uses its own client address and widget id,
# so the keys it makes are its own; they are deleted afterwards.


@dataclass
class RedisNames:
    peer: str  # the client's address
    widget: str
    settings: dict[str, Any]  # REDIS_URL and a widgets file with only `widget` in it


@pytest.fixture
def redis_names(tmp_path: Path) -> Iterator[RedisNames]:
    """A client address and a widget id no one else uses, so every key made is ours."""
    widget = f"sec-{secrets.token_hex(4)}"
    peer = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    (tmp_path / "widgets.toml").write_text(f'[widgets.{widget}]\nagency_name = "Acme"\n')
    yield RedisNames(
        peer, widget, {"redis_url": REDIS_URL, "widgets_file": tmp_path / "widgets.toml"}
    )
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        for pattern in (f"*ip:{peer}/*", f"*widget:{widget}/*"):
            for key in connection.scan_iter(match=pattern):
                connection.delete(key)
    finally:
        connection.close()


@pytest.mark.redis
def test_with_redis_two_instances_share_one_per_ip_limit(
    make_client: ClientFactory, upstream: SandboxServer, redis_names: RedisNames
) -> None:
    peer, widget = redis_names.peer, redis_names.widget
    settings = {**redis_names.settings, "rate_limit_per_ip": "2/minute"}
    first, second = make_client(peer=peer, **settings), make_client(peer=peer, **settings)
    assert submit(first, widget).status_code == 303
    assert submit(second, widget).status_code == 303
    assert submit(first, widget).status_code == 429
    refused = submit(second, widget)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert len(upstream.leads()) == 2
    keys = redis.Redis.from_url(REDIS_URL).keys(f"valuation-widget:*ip:{peer}/*")
    assert keys, "the counts live in Redis, under the service's key prefix"


@pytest.mark.redis
def test_with_redis_the_per_widget_limit_is_shared_too(
    make_client: ClientFactory, upstream: SandboxServer, redis_names: RedisNames
) -> None:
    widget = redis_names.widget
    settings = {**redis_names.settings, "rate_limit_per_widget": "1/minute"}
    # Two instances, and two different client addresses: only the widget's count is shared.
    first = make_client(peer=redis_names.peer, **settings)
    second = make_client(peer="10.255.255.254", **settings)
    assert submit(first, widget).status_code == 303
    assert submit(second, widget).status_code == 429
    assert len(upstream.leads()) == 1


def test_when_redis_is_unreachable_submissions_go_through_and_the_log_says_why(
    make_client: ClientFactory, upstream: SandboxServer, log_lines: list[str]
) -> None:
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    client = make_client(redis_url=nobody, rate_limit_per_ip="1/minute")
    token = fresh_token(client)
    assert post_form(client, {"token": token, **answers()}).status_code == 303
    assert len(upstream.leads()) == 1
    assert upstream.leads()[0]["body"]["meta"]["submission_id"] == submission_of(token)
    assert any('"ratelimit.unavailable' in line for line in log_lines)


def test_the_json_api_re_sending_a_submission_id_returns_its_outcome_without_counting(
    make_client: ClientFactory, upstream: SandboxServer
) -> None:
    client = make_client(rate_limit_per_ip="1/minute")
    submission_id = secrets.token_hex(16)
    first = client.post(API, json=api_answers(submission_id=submission_id))
    again = client.post(API, json=api_answers(submission_id=submission_id, first_name="Tyler"))
    assert first.status_code == again.status_code == 200
    assert again.json()["submission_id"] == submission_id
    assert again.json()["estimate"] == first.json()["estimate"]
    assert client.post(API, json=api_answers()).status_code == 429
    assert [lead["body"]["first_name"] for lead in upstream.leads()] == ["Marla"]


def test_the_json_api_will_not_answer_for_another_widgets_submission_id(
    make_client: ClientFactory, upstream: SandboxServer, tmp_path: Path
) -> None:
    (tmp_path / "widgets.toml").write_text(
        '[widgets.acme]\nagency_name = "Acme"\n[widgets.other]\nagency_name = "Other"\n'
    )
    client = make_client(widgets_file=tmp_path / "widgets.toml")
    submission_id = secrets.token_hex(16)
    body = api_answers(submission_id=submission_id)
    assert client.post("/api/widgets/acme/valuations", json=body).status_code == 200
    other = client.post("/api/widgets/other/valuations", json=body)
    assert other.status_code == 422
    assert "submission_id" in other.json()["errors"]
    assert "estimate" not in other.json() and "result_url" not in other.json()
    assert len(upstream.leads()) == 1
