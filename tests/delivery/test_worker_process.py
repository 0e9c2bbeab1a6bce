"""`python -m app worker`: the delivery worker as its own process, for bigger deployments."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.store import DELIVERED
from tests.delivery.support import app_env, new_submission, open_store, sandbox_counts, sqlite_url
from tests.support.servers import REPO_ROOT, SandboxServer


def test_the_standalone_worker_delivers_the_backlog_and_stops_cleanly_on_sigterm(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    database_url = sqlite_url(tmp_path)
    backlog = [new_submission() for _ in range(5)]

    async def store_backlog() -> None:
        store = await open_store(database_url)
        for new in backlog:
            await store.add(new)
        await store.close()

    async def delivered() -> int:
        store = await open_store(database_url)
        try:
            return (await store.counts())[DELIVERED]
        finally:
            await store.close()

    asyncio.run(store_backlog())
    with tempfile.TemporaryFile() as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "app", "worker"],
            cwd=REPO_ROOT,
            env=app_env(lead_api.base_url, database_url),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(300):
                if asyncio.run(delivered()) == len(backlog) or worker.poll() is not None:
                    break
                time.sleep(0.1)
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=15)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        output.seek(0)
        log = output.read().decode()
    assert code == 0, log
    assert '"worker.stopped"' in log
    assert sandbox_counts(lead_api) == {new.id: 1 for new in backlog}
