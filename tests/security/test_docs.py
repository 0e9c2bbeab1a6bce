"""The developer docs page (`/docs`) loads Swagger UI from this service: no third-party request
(the browser test tests/browser/test_docs.py checks it draws the API)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

from tests.support.apps import LiveApp


class Fetched(HTMLParser):
    """Every URL a page makes the browser fetch: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img") and values.get("src"):
            self.urls.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"] or "")


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def test_the_docs_page_loads_swagger_ui_from_this_service_only(live_widget: LiveApp) -> None:
    with httpx.Client(base_url=live_widget.base_url, timeout=10) as http:
        page = http.get("/docs")
        assert page.status_code == 200
        parser = Fetched()
        parser.feed(page.text)
        own = urlsplit(live_widget.base_url).netloc
        absolute = [urljoin(live_widget.base_url + "/docs", url) for url in parser.urls]
        assert len(absolute) == 3, "Swagger UI's script, its stylesheet and the icon"
        assert [url for url in absolute if urlsplit(url).netloc != own] == []
        for url in absolute:
            asset = http.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 1000, url
        kinds = sorted(http.get(url).headers["content-type"].split(";")[0] for url in absolute)
        assert kinds == ["image/png", "text/css", "text/javascript"]
        assert http.get("/openapi.json").json()["openapi"].startswith("3.1")


def test_the_docs_pages_policy_names_no_other_host(live_widget: LiveApp) -> None:
    policy = directives(
        httpx.get(f"{live_widget.base_url}/docs", timeout=10).headers["content-security-policy"]
    )
    sources = [source for values in policy.values() for source in values]
    # No host, and no scheme-wide source such as `https:` (`data:` is no request at all).
    other = [s for s in sources if "." in s or "*" in s or (s.endswith(":") and s != "data:")]
    assert other == []
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]


def test_swagger_uis_other_files_are_not_served(live_widget: LiveApp) -> None:
    """The package's demo page fetches an example API from the internet: it is not a page of
    ours."""
    with httpx.Client(base_url=live_widget.base_url, timeout=10) as http:
        for name in ("index.html", "swagger-initializer.js", "oauth2-redirect.html"):
            assert http.get(f"/docs/assets/{name}").status_code == 404, name
