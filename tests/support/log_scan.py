"""Pytest plugin: every log line of the session is scanned for personal data and secrets.

Two sources are captured for the whole session, whatever test directory runs:

- every log record emitted in the test process (the app under TestClient), formatted the way the
  app writes it (JSON, with extras and tracebacks); `configure_logging` replaces the root
  handlers each time an app is built, so records are taken at `Logger.handle`, not by a handler;
- the whole output of every server subprocess (`tests.support.servers.start_process`: the
  sandbox, the app served by `python -m app serve`), read just before its output file is closed.

At the end of the session, any line holding an email address, a UK phone number, a test
homeowner's name, a Lead API test key or the test secret key fails the run. Test clients'
own chatter (httpx request lines below WARNING) is not the service's log and is skipped.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

import pytest

from app.logs import JsonFormatter
from tests.support import servers
from tests.support.apps import TEST_SECRET

# The homeowners the suite's tests submit as; none of them may reach a log line.
HOMEOWNER_NAMES = ("Marla", "Singer", "Tyler", "Durden")
SECRET_VALUES = ("test-key", "other-key", TEST_SECRET)
# Client libraries used by tests in this process: their INFO lines describe the test's requests.
CLIENT_LOGGERS = ("httpx", "httpcore", "urllib3", "requests", "hypothesis", "schemathesis")

EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
UK_PHONE = re.compile(
    r"(?<![\w.:/-])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?![\w.])"
)
NAME = re.compile(r"\b(?:" + "|".join(HOMEOWNER_NAMES) + r")\b")
SECRET = re.compile(
    "|".join(rf"(?<![\w-]){re.escape(value)}(?![\w-])" for value in SECRET_VALUES)
)


def _is_uk_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("44"):
        digits = "0" + digits[2:].removeprefix("0")
    return digits.startswith("0") and len(digits) in (10, 11) and digits[1] != "0"


def findings(line: str) -> list[str]:
    """What personal data or secrets `line` holds: e.g. ["email", "uk_phone"]; [] if none."""
    found = []
    if EMAIL.search(line):
        found.append("email")
    if any(_is_uk_phone(match.group()) for match in UK_PHONE.finditer(line)):
        found.append("uk_phone")
    if NAME.search(line):
        found.append("name")
    if SECRET.search(line):
        found.append("secret")
    return found


@dataclass
class Finding:
    source: str  # "log" or the server's command
    test: str
    kinds: list[str]
    line: str


@dataclass
class LogScan:
    """The session's capture: findings, counts, and this test's own log lines."""

    findings: list[Finding] = field(default_factory=list)
    lines_scanned: int = 0
    server_outputs: int = 0
    current_test: str = "(session)"
    test_lines: list[str] = field(default_factory=list)

    def scan(self, source: str, lines: Iterable[str]) -> None:
        for line in lines:
            self.lines_scanned += 1
            kinds = findings(line)
            if kinds:
                self.findings.append(Finding(source, self.current_test, kinds, line[:500]))

    def record(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in CLIENT_LOGGERS and record.levelno < logging.WARNING:
            return
        try:
            text = _FORMATTER.format(record)
        except Exception:  # a malformed log call: scan what it holds
            text = f"{record.msg!r} {record.args!r} {record.__dict__!r}"
        self.test_lines.append(text)
        self.scan("log", [text])


_FORMATTER = JsonFormatter()
SCAN = LogScan()


class _ScanOnClose:
    """Stands in for a server's output file: reads and scans it just before it is closed."""

    def __init__(self, process: servers.Process):
        self._process = process

    def close(self) -> None:
        output = self._process.read_output()
        SCAN.server_outputs += 1
        # start_process always passes a list, though Popen.args may be a string in general.
        command = " ".join(str(a) for a in self._process.popen.args[:4])  # type: ignore[index]
        SCAN.scan(command, output.splitlines())
        self._process.output.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._process.output, name)


_original_handle = logging.Logger.handle
_original_stop = servers.stop_process


def _handle(self: logging.Logger, record: logging.LogRecord) -> None:
    SCAN.record(record)
    _original_handle(self, record)


def _stop_and_scan(process: servers.Process) -> None:
    # A stand-in that forwards everything to the real file and scans it on close().
    output: IO[bytes] = _ScanOnClose(process)  # type: ignore[assignment]
    _original_stop(servers.Process(process.popen, output))


def _rebind(name: str, original: Callable[..., Any], replacement: Callable[..., Any]) -> None:
    """Point every test module that imported `name` at the scanning version."""
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("tests") and getattr(module, name, None) is original:
            setattr(module, name, replacement)


def pytest_configure(config: pytest.Config) -> None:
    # Patched on purpose: every record of every logger passes here, whatever its handlers.
    logging.Logger.handle = _handle  # type: ignore[method-assign]
    _rebind("stop_process", _original_stop, _stop_and_scan)


def pytest_collection_finish(session: pytest.Session) -> None:
    _rebind("stop_process", _original_stop, _stop_and_scan)  # modules imported while collecting


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Any:
    SCAN.current_test = item.nodeid
    SCAN.test_lines = []
    yield
    SCAN.current_test = "(session)"


@pytest.fixture
def log_lines() -> list[str]:
    """This test's log lines so far, as the app writes them (JSON)."""
    return SCAN.test_lines


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if SCAN.findings and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reporter = terminalreporter
    if not SCAN.findings:
        reporter.write_line(
            f"log scan: {SCAN.lines_scanned} log lines and {SCAN.server_outputs} server outputs "
            "hold no personal data or secrets"
        )
        return
    reporter.section("log scan: personal data or secrets in the logs", red=True)
    for finding in SCAN.findings[:50]:
        reporter.write_line(f"{finding.test} [{finding.source}] {','.join(finding.kinds)}:")
        reporter.write_line(f"    {finding.line}")
    if len(SCAN.findings) > 50:
        reporter.write_line(f"... and {len(SCAN.findings) - 50} more")


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.Logger.handle = _original_handle  # type: ignore[method-assign]  # undo the patch
