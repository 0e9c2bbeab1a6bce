"""Browser fixtures: Debian's Chromium driven by Playwright, and the widget served for real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.support.apps import TEST_SECRET, LiveApp, run_app
from tests.support.servers import SandboxServer

if TYPE_CHECKING:
    from tests.browser.agency import StaticSite

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


# Module scope: while the sync driver runs, its event loop is the thread's running loop, and
# every later test's asyncio.run() would fail; it must stop before the next module's tests.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (scripts/ensure-chromium.sh)")
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def app_env(sandbox: SandboxServer, database: Path, **extra: str) -> dict[str, str]:
    """A real widget server's environment: the sandbox as its Lead API, and the built-in
    sandbox address provider (which lists 22 addresses for DE1 1JX), with room for every
    lookup a session of browser tests makes from one client address."""
    return {
        "LEADPRO_API_BASE": sandbox.base_url,
        "LEADPRO_API_KEY": "test-key",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": f"sqlite:///{database}",
        "MIN_FILL_SECONDS": "0",
        "RATE_LIMIT_PER_IP": "1000/minute",
        "WIDGET_AGENCY_NAME": "Acme Estates",
        "WIDGET_PRIVACY_URL": "https://acme.example/privacy",
        "LOG_FORMAT": "json",
        "ADDRESS_LOOKUP": "sandbox",
        "ADDRESS_LOOKUP_RATE_LIMIT_PER_IP": "1000/minute",
        "ADDRESS_LOOKUP_RATE_LIMIT_PER_WIDGET": "1000/minute",
        **extra,
    }


@pytest.fixture(scope="session")
def live_app(
    sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    """The widget served by `python -m app serve` on a free port, for the whole session."""
    database = tmp_path_factory.mktemp("live") / "widget.db"
    with run_app(app_env(sandbox, database)) as app:
        yield app


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def agency() -> Iterator[StaticSite]:
    """An agency's website on an origin of its own, one per test module (its pages are set by
    the module's app fixture)."""
    # Imported here: tests.browser.agency imports this module's app_env (through support).
    from tests.browser.agency import static_site

    with static_site() as site:
        yield site

