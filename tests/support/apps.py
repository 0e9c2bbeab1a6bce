"""Build the widget app for tests: in-process (TestClient) or as a real server on a free port."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings, load_settings
from tests.support.servers import Process, free_port, start_process, stop_process

TEST_SECRET = "test-secret-key-not-for-production"
SAME_ORIGIN = {"sec-fetch-site": "same-origin"}


def make_settings(tmp_path: Path, upstream_url: str, **overrides: Any) -> Settings:
    """Settings for one test: its own SQLite file, the sandbox as upstream, no time trap."""
    values: dict[str, Any] = {
        "leadpro_api_base": upstream_url,
        "leadpro_api_key": "test-key",
        "secret_key": TEST_SECRET,
        "database_url": f"sqlite:///{tmp_path}/widget.db",
        "min_fill_seconds": 0,
        "worker_in_process": False,
        "submit_wait_seconds": 5,
        "rate_limit_per_ip": "1000/minute",
        "log_format": "json",
    }
    values.update(overrides)
    # Through load_settings, so a bad value gives the operator's one-line SettingsError.
    return load_settings(_env_file=None, **values)


@contextlib.contextmanager
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield client


@dataclass
class LiveApp:
    base_url: str
    process: Process


def settings_env(settings: Mapping[str, Any]) -> dict[str, str]:
    return {key.upper(): str(value) for key, value in settings.items()}


@contextlib.contextmanager
def run_app(env: Mapping[str, str], port: int | None = None) -> Iterator[LiveApp]:
    """`python -m app serve` on a free port, with `env` on top of ours."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = start_process(
        [sys.executable, "-m", "app", "serve"],
        f"{base_url}/healthz",
        # The chosen port wins over any PORT inherited from the caller (make exports one).
        env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
        timeout=90,
    )
    try:
        yield LiveApp(base_url, process)
    finally:
        stop_process(process)
