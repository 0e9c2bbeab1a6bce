"""Scripts are served without their comments, cacheable by ETag; other static files as they are.
(What the minified scripts do is proven by the browser tests, which run nothing else.)"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.templating import STATIC_DIR
from tests.support.apps import app_client, make_settings
from tests.support.servers import SandboxServer

SCRIPTS = ["/static/widget.js", "/static/embed.js", "/embed.js"]


@pytest.fixture
def client(tmp_path: Path, upstream: SandboxServer) -> Iterator[TestClient]:
    with app_client(make_settings(tmp_path, upstream.base_url)) as client:
        yield client


@pytest.mark.parametrize("url", SCRIPTS)
def test_scripts_are_served_without_comments_and_smaller(client: TestClient, url: str) -> None:
    source = (STATIC_DIR / url.rsplit("/", 1)[1]).read_text(encoding="utf-8")
    assert "/*" in source or "// " in source  # the source explains itself
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    body = response.text
    assert "/*" not in body and "// " not in body
    assert len(body) < 0.8 * len(source)
    # Every string the script shows or sends survives, character for character.
    for text in ("valuation-widget:", "Get an instant valuation", "You have chosen "):
        assert (text in source) == (text in body), text


@pytest.mark.parametrize("url", SCRIPTS)
def test_scripts_answer_304_to_their_etag(client: TestClient, url: str) -> None:
    first = client.get(url)
    again = client.get(url, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    changed = client.get(url, headers={"if-none-match": '"something-else"'})
    assert changed.status_code == 200 and changed.content == first.content


def test_loader_stays_within_its_budget(client: TestClient) -> None:
    body = client.get("/embed.js").content
    assert len(gzip.compress(body, 6)) <= 3000  # the README's budget for /embed.js


def test_stylesheet_is_served_as_written(client: TestClient) -> None:
    response = client.get("/static/widget.css")
    assert response.status_code == 200
    assert response.content == (STATIC_DIR / "widget.css").read_bytes()
    assert response.headers["content-type"].startswith("text/css")
