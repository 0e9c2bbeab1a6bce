"""Run the project's servers as real subprocesses on free ports, for tests that speak real HTTP.

``run_sandbox()`` starts the sandbox Lead API. Other servers (the widget app, say) can be started
the same way with ``start_process`` and ``stop_process``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
# The Lead API keys the session's sandbox accepts (see the `sandbox` fixture in tests/conftest.py).
SANDBOX_KEY = "test-key"
OTHER_SANDBOX_KEY = "other-key"
# Generous: a start-up takes 1-2 s alone, but far longer on a shared 2-core machine under load.
READY_TIMEOUT_S = 60.0
NO_FAULTS_ENV = {
    "SANDBOX_LATENCY_MS": "0",
    "SANDBOX_ERROR_RATE": "0",
    "SANDBOX_DOWN": "false",
    "SANDBOX_SEED": "",
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """A started server: its process and the file its output goes to (shown if it fails)."""

    popen: subprocess.Popen[bytes]
    output: IO[bytes]

    def read_output(self) -> str:
        self.output.flush()
        self.output.seek(0)
        return self.output.read().decode(errors="replace")


def start_process(
    cmd: list[str],
    ready_url: str,
    env: Mapping[str, str] | None = None,
    timeout: float = READY_TIMEOUT_S,
) -> Process:
    """Start ``cmd`` in the repo root with ``env`` added; return once ``ready_url`` answers."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop_process
    popen = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    process = Process(popen, output)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            break
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(ready_url, timeout=1.0).status_code < 500:
                return process
        time.sleep(0.1)
    output_text = process.read_output()
    stop_process(process)
    raise RuntimeError(
        f"{' '.join(cmd)} did not answer {ready_url} within {timeout:.0f}s "
        f"(exit code {popen.returncode}). Its output:\n{output_text}"
    )


def stop_process(process: Process) -> None:
    """Terminate politely, then firmly."""
    if process.popen.poll() is None:
        process.popen.terminate()
        try:
            process.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait(timeout=5)
    process.output.close()


@dataclass
class SandboxServer:
    """A running sandbox Lead API, with helpers around its ``/_sandbox/`` control endpoints."""

    base_url: str
    process: Process
    http: httpx.Client  # one client for every control call: building a client is slow

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"/_sandbox/{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Forget every lead and the stats, and clear every fault."""
        self._control("DELETE", "leads")
        self.set_faults(latency_ms=0, error_rate=0.0, down=False)

    def leads(self, **params: str) -> list[dict[str, Any]]:
        """Accepted leads, oldest first (``meta_key=..., meta_value=...`` filters them)."""
        return self._control("GET", "leads", params=params)["leads"]

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return self._control("PUT", "faults", json=faults)

    def faults(self) -> dict[str, Any]:
        return self._control("GET", "faults")

    def stats(self) -> dict[str, int]:
        return self._control("GET", "stats")


@contextlib.contextmanager
def run_sandbox(
    keys: Iterable[str] = ("sandbox-key",), env: Mapping[str, str] | None = None
) -> Iterator[SandboxServer]:
    """Run ``python -m app.sandbox`` on a free port for the duration of the ``with`` block."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "app.sandbox", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--keys", ",".join(keys)]
    # Start fault-free whatever the caller's shell exports; `env` may then add faults.
    env = {**NO_FAULTS_ENV, **(env or {})}
    process = start_process(cmd, f"{base_url}/_sandbox/faults", env=env)
    try:
        with httpx.Client(base_url=base_url, timeout=5) as http:
            yield SandboxServer(base_url, process, http)
    finally:
        stop_process(process)
