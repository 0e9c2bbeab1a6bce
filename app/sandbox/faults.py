"""Injected faults: make the sandbox slow, flaky or down on purpose, to test resilience."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class FaultsError(ValueError):
    """A fault setting that makes no sense (negative latency, an error rate above 1, ...)."""


def _parse_bool(name: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"", "0", "false", "no", "off"}:
        return False
    raise FaultsError(f"{name} must be true or false, not {text!r}")


def _parse_number(name: str, text: str, kind: type[int] | type[float]) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise FaultsError(f"{name} must be a {kind.__name__}, not {text!r}") from None


@dataclass
class Faults:
    latency_ms: int = 0  # slept before a contract request is processed
    error_rate: float = 0.0  # share of contract requests answered 500 and not recorded
    down: bool = False  # every contract request answered 503
    seed: int | None = None  # makes the error-rate draw repeatable
    _rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.update(latency_ms=self.latency_ms, error_rate=self.error_rate, down=self.down)
        self._rng = random.Random(self.seed)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Faults:
        seed = environ.get("SANDBOX_SEED", "").strip()
        return cls(
            latency_ms=_parse_number(
                "SANDBOX_LATENCY_MS", environ.get("SANDBOX_LATENCY_MS", "0"), int
            ),
            error_rate=_parse_number(
                "SANDBOX_ERROR_RATE", environ.get("SANDBOX_ERROR_RATE", "0"), float
            ),
            down=_parse_bool("SANDBOX_DOWN", environ.get("SANDBOX_DOWN", "false")),
            seed=_parse_number("SANDBOX_SEED", seed, int) if seed else None,
        )

    def update(self, **changes: Any) -> None:
        """Apply a partial update, checking every value first so a bad one changes nothing."""
        unknown = set(changes) - {"latency_ms", "error_rate", "down"}
        if unknown:
            raise FaultsError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        latency = changes.get("latency_ms", self.latency_ms)
        rate = changes.get("error_rate", self.error_rate)
        down = changes.get("down", self.down)
        if isinstance(latency, bool) or not isinstance(latency, int) or latency < 0:
            raise FaultsError("latency_ms must be a whole number of milliseconds, 0 or more")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise FaultsError("error_rate must be a number from 0 to 1")
        if not isinstance(down, bool):
            raise FaultsError("down must be true or false")
        self.latency_ms, self.error_rate, self.down = latency, float(rate), down

    def should_fail(self) -> bool:
        """Draw once: does this request get an injected 500?"""
        return self.error_rate > 0 and self._rng.random() < self.error_rate

    def as_dict(self) -> dict[str, Any]:
        return {"latency_ms": self.latency_ms, "error_rate": self.error_rate, "down": self.down}
