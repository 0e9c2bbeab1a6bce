"""The developer docs page in a real browser: Swagger UI, served by this service, draws the
API's operations from its OpenAPI 3.1 document, and the page makes no third-party request."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Request, expect

from tests.support.apps import LiveApp


def test_the_docs_page_draws_the_api_with_no_third_party_request(
    page: Page, live_app: LiveApp
) -> None:
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    page.goto(f"{live_app.base_url}/docs")
    operation = page.locator(
        ".opblock-summary-path", has_text="/api/widgets/{widget_id}/valuations"
    )
    expect(operation.first).to_be_visible(timeout=15_000)
    own = urlsplit(live_app.base_url).netloc
    fetched = [url for url in requested if not url.startswith("data:")]
    assert any(url.endswith("/openapi.json") for url in fetched)
    assert [url for url in fetched if urlsplit(url).netloc != own] == []
