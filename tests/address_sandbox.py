"""The sandbox address provider (mounted at `/addresses` on the running sandbox) for tests:
its base URL, and its `/_sandbox/` control endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.servers import SandboxServer

MOUNT = "/addresses"


@dataclass
class AddressSandbox:
    server: SandboxServer

    @property
    def base_url(self) -> str:
        """What ADDRESS_LOOKUP_BASE is set to, to reach it."""
        return self.server.base_url + MOUNT

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.server.http.request(method, f"{MOUNT}/_sandbox/{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """No faults, counts at zero."""
        self.set_faults(latency_ms=0, error_rate=0.0, down=False, answer=None)
        self._control("DELETE", "stats")

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return self._control("PUT", "faults", json=faults)

    def stats(self) -> dict[str, int]:
        """Lookups it received, and how it answered them."""
        return self._control("GET", "stats")
