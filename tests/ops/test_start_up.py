"""`python -m app serve` refuses to start on allowed origins that cannot work, with one line
naming the setting, whether they come from the environment or from WIDGETS_FILE. (Every
spelling is covered by the unit tests of tests/unit/test_widgets.py; these prove the exit.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import REPO_ROOT, free_port

REFUSED_EXIT_CODE = 2
WILDCARD = "is a wildcard, which cannot work: the widget's messages need each site's exact origin"


def serve(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The service as an operator starts it, in an empty directory (no .env), with `env`."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("WIDGET", "LEADPRO_", "SECRET_KEY", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-m", "app", "serve"],
        cwd=cwd,
        env={
            **inherited,
            "PYTHONPATH": str(REPO_ROOT),
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("origins", "expected"),
    [
        ("http://*.agency.co.uk", f"'http://*.agency.co.uk' {WILDCARD}"),
        ("https://www.agency.co.uk,null", "'null' is the origin of sandboxed frames"),
    ],
    ids=["wildcard", "null"],
)
def test_service_refuses_to_start_on_an_unworkable_origin_in_the_environment(
    tmp_path: Path, origins: str, expected: str
) -> None:
    done = serve({"WIDGET_ALLOWED_ORIGINS": origins}, tmp_path)

    assert done.returncode == REFUSED_EXIT_CODE
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"Bad setting WIDGET_ALLOWED_ORIGINS: {expected}"), done.stderr


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("*", f"'*' {WILDCARD}"),
        ("null", "'null' is the origin of sandboxed frames"),
    ],
    ids=["star", "null"],
)
def test_service_refuses_to_start_on_an_unworkable_origin_in_the_widgets_file(
    tmp_path: Path, origin: str, expected: str
) -> None:
    widgets = tmp_path / "widgets.toml"
    widgets.write_text(
        f'[widgets.acme]\nagency_name = "Acme Estates"\nallowed_origins = ["{origin}"]\n'
    )

    done = serve({"WIDGETS_FILE": str(widgets)}, tmp_path)

    assert done.returncode == REFUSED_EXIT_CODE
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(
        f"Bad setting WIDGETS_FILE: widget 'acme': allowed_origins: {expected}"
    ), done.stderr
