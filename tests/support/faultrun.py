"""A fault run: many submissions through a real app while the Lead API misbehaves and the app is
killed with SIGKILL mid-run; then the backlog drains and every lead is checked against the
sandbox's records. Shared by the short test (`make test`) and the soak (`bench/soak.py`).
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa

from app.store import DEAD, DELIVERED, PENDING, submissions
from tests.delivery.support import api_body, app_env, open_store, sandbox_counts
from tests.support.servers import Process, SandboxServer, free_port, start_process, stop_process

ACCEPTED = {200, 202}


@dataclass
class FaultRunConfig:
    submissions: int
    database_url: str
    concurrency: int = 6
    error_rate: float = 0.3
    slow_latency_ms: int = 700  # above the request's wait, below the Lead API timeout
    submit_wait_seconds: float = 0.3
    total_timeout_seconds: float = 3.0
    claim_timeout_seconds: float = 4.0
    drain_timeout_seconds: float = 120.0
    submit_deadline_seconds: float = 600.0
    # Where each stretch starts, as a share of the submissions sent.
    down_from: float = 0.25
    down_min_seconds: float = 0.0  # the outage lasts at least this long, however fast leads come
    slow_from: float = 0.45
    kill_at: float = 0.6
    calm_from: float = 0.8


@dataclass
class FaultRunResult:
    accepted: int = 0
    stored: int = 0
    delivered: int = 0
    exactly_once: int = 0
    duplicates: int = 0  # ids the sandbox recorded more than once
    flagged_possible_duplicates: int = 0  # what the app counted as "may have gone twice"
    unflagged_duplicates: int = 0  # duplicates the app did not see coming (must be 0)
    missing: int = 0  # accepted ids the sandbox never recorded
    unknown_in_sandbox: int = 0  # recorded ids nobody submitted (must be 0)
    dead: int = 0
    pending: int = 0
    client_retries: int = 0  # re-sends of the same submission id after a failed request
    sandbox_failed_injected: int = 0
    kills: int = 0
    submit_seconds: float = 0.0
    drain_seconds: float = 0.0
    wall_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.missing == 0
            and self.pending == 0
            and self.unflagged_duplicates == 0
            and self.unknown_in_sandbox == 0
        )

    def rows(self) -> list[tuple[str, Any]]:
        return [
            ("accepted", self.accepted),
            ("stored", self.stored),
            ("delivered", self.delivered),
            ("in sandbox exactly once", self.exactly_once),
            ("duplicates (recorded >1)", self.duplicates),
            ("  of which flagged by the app", self.duplicates - self.unflagged_duplicates),
            ("possible duplicates counted", self.flagged_possible_duplicates),
            ("missing", self.missing),
            ("unknown in sandbox", self.unknown_in_sandbox),
            ("dead", self.dead),
            ("pending", self.pending),
            ("client re-sends (same id)", self.client_retries),
            ("sandbox injected failures", self.sandbox_failed_injected),
            ("app SIGKILLs", self.kills),
            ("submit phase (s)", f"{self.submit_seconds:.1f}"),
            ("drain (s)", f"{self.drain_seconds:.1f}"),
            ("wall time (s)", f"{self.wall_seconds:.1f}"),
        ]

    def table(self) -> str:
        width = max(len(name) for name, _ in self.rows())
        return "\n".join(f"{name:<{width}}  {value:>8}" for name, value in self.rows())


class App:
    """One `python -m app serve` on a fixed port that can be SIGKILLed and started again."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.process: Process | None = None
        self.outputs: list[str] = []

    def start(self) -> None:
        import sys

        self.process = start_process(
            [sys.executable, "-m", "app", "serve"], f"{self.base_url}/healthz", self.env, 60
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.popen.kill()  # SIGKILL: no shutdown hook runs
        self.process.popen.wait(10)
        self.outputs.append(self.process.read_output())
        self.process.output.close()
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            output = self.process.read_output()
            stop_process(self.process)
            self.outputs.append(output)
            self.process = None


def run_fault_run(sandbox: SandboxServer, config: FaultRunConfig) -> FaultRunResult:
    result = FaultRunResult()
    started = time.monotonic()
    sandbox.reset()
    env = app_env(
        sandbox.base_url,
        config.database_url,
        submit_wait_seconds=config.submit_wait_seconds,
        leadpro_total_timeout=config.total_timeout_seconds,
        leadpro_read_timeout=config.total_timeout_seconds,
        leadpro_connect_timeout=1,
        claim_timeout_seconds=config.claim_timeout_seconds,
        retry_max_seconds=1.0,
        log_level="WARNING",
    )
    app = App(env)
    app.start()
    ids = [secrets.token_hex(16) for _ in range(config.submissions)]
    accepted: set[str] = set()
    lock = threading.Lock()
    sent = 0  # submissions taken up by a client so far
    retries = 0
    deadline = time.monotonic() + config.submit_deadline_seconds
    abort = threading.Event()  # the run failed: clients stop re-sending
    go = threading.Event()  # cleared while the outage is held past its share of submissions
    go.set()
    local = threading.local()
    clients: list[httpx.Client] = []

    def client() -> httpx.Client:
        if not hasattr(local, "http"):
            local.http = httpx.Client(timeout=30)
            with lock:
                clients.append(local.http)
        return local.http

    def submit(submission_id: str) -> None:
        nonlocal sent, retries
        go.wait()
        with lock:
            sent += 1
        body = api_body(submission_id)
        while time.monotonic() < deadline and not abort.is_set():
            try:
                answer = client().post(f"{app.base_url}/api/widgets/default/valuations", json=body)
                if answer.status_code in ACCEPTED:
                    assert answer.json()["submission_id"] == submission_id
                    with lock:
                        accepted.add(submission_id)
                    return
            except httpx.TransportError:
                pass  # the app is down (killed): send the same submission again
            with lock:
                retries += 1
            time.sleep(0.2)

    def phase_for(done: float) -> tuple[str, dict[str, Any]]:
        if done < config.down_from:
            return "flaky", {"error_rate": config.error_rate, "down": False, "latency_ms": 0}
        if done < config.slow_from:
            return "down", {"error_rate": 0.0, "down": True, "latency_ms": 0}
        if done < config.calm_from:
            return "slow", {
                "error_rate": config.error_rate,
                "down": False,
                "latency_ms": config.slow_latency_ms,
            }
        return "flaky", {"error_rate": config.error_rate, "down": False, "latency_ms": 0}

    try:
        phase, faults = phase_for(0)
        sandbox.set_faults(**faults)
        result.notes.append(f"{phase} from submission 0")
        with ThreadPoolExecutor(config.concurrency) as pool:
            futures = [pool.submit(submit, submission_id) for submission_id in ids]
            killed = False
            down_since = 0.0
            while not all(f.done() for f in futures) and not abort.is_set():
                done = sent / config.submissions
                name, faults = phase_for(done)
                held = time.monotonic() - down_since < config.down_min_seconds
                if phase == "down" and name != "down" and held:
                    # The outage lasts its minimum time: new leads wait, the backlog is retried.
                    go.clear()
                    time.sleep(0.02)
                    continue
                go.set()
                if name != phase:
                    down_since = time.monotonic() if name == "down" else down_since
                    sandbox.set_faults(**faults)
                    result.notes.append(f"{name} from submission {sent}")
                    phase = name
                if not killed and done >= config.kill_at:
                    killed = True
                    app.kill()
                    result.kills += 1
                    result.notes.append(f"SIGKILL at submission {sent}")
                    time.sleep(0.5)  # clients meet a closed port meanwhile
                    try:
                        app.start()
                    except BaseException:
                        abort.set()
                        go.set()
                        raise
                time.sleep(0.02)
            for future in futures:
                future.result()
        result.submit_seconds = time.monotonic() - started
        sandbox.set_faults(error_rate=0.0, down=False, latency_ms=0)

        drain_started = time.monotonic()
        drain_deadline = drain_started + config.drain_timeout_seconds
        while time.monotonic() < drain_deadline:
            if asyncio.run(_pending(config.database_url)) == 0:
                break
            time.sleep(0.25)
        result.drain_seconds = time.monotonic() - drain_started
    finally:
        app.stop()
        sandbox.set_faults(error_rate=0.0, down=False, latency_ms=0)
        for http in clients:
            http.close()

    rows = asyncio.run(_rows(config.database_url))
    recorded = sandbox_counts(sandbox)
    result.accepted = len(accepted)
    result.client_retries = retries
    result.stored = len(rows)
    result.delivered = sum(1 for row in rows.values() if row["state"] == DELIVERED)
    result.dead = sum(1 for row in rows.values() if row["state"] == DEAD)
    result.pending = sum(1 for row in rows.values() if row["state"] == PENDING)
    result.exactly_once = sum(1 for i in accepted if recorded.get(i) == 1)
    duplicated = [i for i, n in recorded.items() if n > 1]
    result.duplicates = len(duplicated)
    result.unflagged_duplicates = sum(
        1 for i in duplicated if not (i in rows and rows[i]["maybe_sent_before"])
    )
    result.flagged_possible_duplicates = sum(
        1 for row in rows.values() if row["state"] == DELIVERED and row["maybe_sent_before"]
    )
    result.missing = sum(1 for i in accepted if i not in recorded)
    result.unknown_in_sandbox = sum(1 for i in recorded if i not in rows)
    result.sandbox_failed_injected = sandbox.stats()["failed_injected"]
    result.wall_seconds = time.monotonic() - started
    lost = [i for i in accepted if i not in rows]
    if lost:
        result.notes.append(f"{len(lost)} accepted submissions are not stored")
        result.missing = max(result.missing, len(lost))
    return result


async def _pending(database_url: str) -> int:
    store = await open_store(database_url)
    try:
        return (await store.counts())[PENDING]
    finally:
        await store.close()


async def _rows(database_url: str) -> dict[str, dict[str, Any]]:
    store = await open_store(database_url)
    try:
        query = sa.select(submissions.c.id, submissions.c.state, submissions.c.maybe_sent_before)
        async with store.engine.connect() as conn:
            return {
                row.id: {"state": row.state, "maybe_sent_before": bool(row.maybe_sent_before)}
                for row in (await conn.execute(query)).all()
            }
    finally:
        await store.close()
