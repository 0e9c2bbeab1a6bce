"""The Docker image's command, run outside Docker: `python -m app serve` with the image's
settings (several workers), its health check, and metrics that add up across the workers."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.ops.support import SUBMIT_PATH, submission, value
from tests.support.apps import TEST_SECRET
from tests.support.servers import REPO_ROOT, SandboxServer, free_port, start_process, stop_process

DOCKERFILE = REPO_ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in instructions():
        if keyword == "ENV":
            env.update(dict(part.split("=", 1) for part in shlex.split(rest)))
    return env


def image_command() -> list[str]:
    (command,) = [json.loads(rest) for keyword, rest in instructions() if keyword == "CMD"]
    return command


def health_check() -> str:
    (check,) = [rest for keyword, rest in instructions() if keyword == "HEALTHCHECK"]
    return check.split(" CMD ", 1)[1]


def run_health_check(port: int) -> int:
    """The image's HEALTHCHECK, run by a shell as Docker does, with this venv's `python`."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        ["sh", "-c", health_check()],
        env={**os.environ, "PATH": path, "PORT": str(port)},
        capture_output=True,
        timeout=30,
    )
    return done.returncode


def worker_pids(parent: int) -> set[int]:
    """uvicorn's worker processes (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return {
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    }


def test_the_image_runs_as_a_non_root_user_with_uk_time_zones() -> None:
    found = instructions()
    users = [rest for keyword, rest in found if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(keyword == "RUN" and "tzdata" in rest for keyword, rest in found)
    assert image_command() == ["python", "-m", "app", "serve"]
    assert int(image_env()["WORKERS"]) > 1


def test_the_image_command_serves_with_several_workers_and_passes_its_health_check(
    tmp_path: Path, upstream: SandboxServer
) -> None:
    port = free_port()
    env = {
        **image_env(),
        # As the image, but on loopback, a free port and this test's own database.
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path}/widget.db",
        "LEADPRO_API_BASE": upstream.base_url,
        "LEADPRO_API_KEY": "test-key",
        "SECRET_KEY": TEST_SECRET,
        "MIN_FILL_SECONDS": "0",
        "RATE_LIMIT_PER_IP": "1000/minute",
        "LOG_FORMAT": "json",
    }
    command = [sys.executable if part == "python" else part for part in image_command()]
    base_url = f"http://127.0.0.1:{port}"
    metrics_folders = set(Path(tempfile.gettempdir()).glob("widget-metrics-*"))
    server = start_process(command, f"{base_url}/healthz", env=env, timeout=60)
    metrics_folders = set(Path(tempfile.gettempdir()).glob("widget-metrics-*")) - metrics_folders
    try:
        assert len(worker_pids(server.popen.pid)) == int(env["WORKERS"])
        assert httpx.get(f"{base_url}/readyz", timeout=10).status_code == 200
        assert run_health_check(port) == 0

        # Fresh connections, several at once, so both workers take submissions.
        served_by: set[int] = set()
        sent = 0
        while len(served_by) < 2 and sent < 60:
            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda _: _submit(base_url), range(8)))
            assert all(status == 200 for status in answers), answers
            sent += len(answers)
            served_by = _pids_that_served(server.read_output())
        assert len(served_by) >= 2, "every submission went to one worker; cannot check the sum"
        for _ in range(6):  # each scrape may reach either worker: each must see the total
            text = httpx.get(f"{base_url}/metrics", timeout=10).text
            accepted = value(text, "widget_submissions_total", widget="default", outcome="accepted")
            assert accepted == sent
            assert value(text, "leadapi_requests_total", status_class="2xx") == sent
    finally:
        stop_process(server)
    assert run_health_check(port) != 0, "the health check fails once the server is gone"
    # The workers' shared metrics folder was made for this run and goes with it.
    assert len(metrics_folders) == 1 and not any(folder.exists() for folder in metrics_folders)


def _submit(base_url: str) -> int:
    return httpx.post(f"{base_url}{SUBMIT_PATH}", json=submission(), timeout=30).status_code


def _pids_that_served(output: str) -> set[int]:
    pids = set()
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == "request" and record.get("path") == SUBMIT_PATH:
            pids.add(record["pid"])
    return pids
