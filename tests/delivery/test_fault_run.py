"""The short fault test: faults, an outage, slow answers and a SIGKILL; every lead arrives."""

from __future__ import annotations

from pathlib import Path

from tests.delivery.support import sqlite_url
from tests.support.faultrun import FaultRunConfig, run_fault_run
from tests.support.servers import SandboxServer


def test_every_accepted_submission_reaches_the_lead_api_once_despite_faults_and_a_sigkill(
    tmp_path: Path, lead_api: SandboxServer
) -> None:
    config = FaultRunConfig(submissions=80, database_url=sqlite_url(tmp_path), concurrency=6)
    result = run_fault_run(lead_api, config)
    print("\n" + result.table())  # shown with -s; the soak prints the same table
    assert result.accepted == config.submissions
    assert result.kills == 1 and result.sandbox_failed_injected > 0
    assert result.pending == 0 and result.missing == 0 and result.dead == 0
    assert result.delivered == result.stored == config.submissions
    assert result.unknown_in_sandbox == 0
    # A duplicate is only acceptable where it was unknowable, and then the app counted it.
    assert result.unflagged_duplicates == 0
    assert result.exactly_once == config.submissions - result.duplicates
    assert result.flagged_possible_duplicates >= result.duplicates
