"""Structured logs: JSON lines when not on a terminal, with the request id on every line.

Log calls pass facts in `extra=`; personal data (emails, phones, names) is never passed.
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import sys
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else came from `extra=` (but uvicorn's
# `color_message` only repeats the message with terminal colours).
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


# What `json.dumps(line, default=str)` writes, from one encoder made once, not one per line.
_JSON = json.JSONEncoder(default=str)


class _UtcMilliseconds:
    """`created` as ISO 8601 UTC with milliseconds (`2026-11-30T01:48:27.776+00:00`, as
    `datetime.isoformat(timespec="milliseconds")` writes it), the date and time part made once
    per second: every request writes a line, and most share their second with the one before."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, created: float) -> str:
        # Rounded to microseconds the way datetime.fromtimestamp rounds (half to even).
        fraction, whole = math.modf(created)
        second, micros = int(whole), round(fraction * 1_000_000)
        if micros >= 1_000_000:
            second, micros = second + 1, micros - 1_000_000
        if second != self._second:
            self._prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = second
        return f"{self._prefix}.{micros // 1000:03d}+00:00"


class JsonFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self._time = _UtcMilliseconds()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": self._time(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            "pid": record.process,  # tells the workers apart when WORKERS > 1
        }
        if rid := request_id.get():
            line["request_id"] = rid
        line.update(_extras(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _JSON.encode(line)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        rid = request_id.get()
        prefix = f"{record.levelname:<7} {record.name}"
        text = f"{prefix} {record.getMessage()}" + (f" {extras}" if extras else "")
        text += f" request_id={rid}" if rid else ""
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def log_fact(logger: logging.Logger, event: str, facts: dict[str, object]) -> None:
    """`logger.info(event, extra=facts)` for a line written on every request: the same record,
    without the search of the call stack for the caller's file and line, which no formatter
    here prints."""
    if logger.isEnabledFor(logging.INFO):
        record = logger.makeRecord(logger.name, logging.INFO, "", 0, event, (), None, extra=facts)
        logger.handle(record)


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs full URLs at INFO; keep it quiet. Uvicorn's access log is replaced by ours.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").disabled = True
