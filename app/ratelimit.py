"""Rate limits per client address and per widget (the `limits` library: memory or Redis).

With one instance the counts live in memory; with many, REDIS_URL makes them shared. If Redis
cannot be reached the limiter lets submissions through (and says so in the log): a homeowner's
valuation matters more than a counter.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

log = logging.getLogger(__name__)

KEY_PREFIX = "valuation-widget"
# A slow Redis must not hold a homeowner's request: give up quickly and let it through.
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def client_bucket(address: str) -> str:
    """The key one client is counted under: its address, or its /64 for IPv6.

    One IPv6 subscriber usually holds a whole /64; counting each address apart would let
    them walk around the limit.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class RateLimiter:
    def __init__(
        self,
        per_ip: str,
        per_widget: str,
        redis_url: str | None = None,
        key_prefix: str = KEY_PREFIX,
    ):
        self.storage: Storage = (
            storage_from_string(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=key_prefix,
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            if redis_url
            else MemoryStorage()
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        # "10/minute;100/hour" means both: every item is enforced.
        self.per_ip: list[RateLimitItem] = list(parse_many(per_ip))
        self.per_widget: list[RateLimitItem] = list(parse_many(per_widget))

    async def hit(self, widget_id: str, client: str) -> Verdict:
        """Count one submission against every limit; refused if any is exhausted."""
        checks = [(item, f"ip:{client_bucket(client)}") for item in self.per_ip]
        checks += [(item, f"widget:{widget_id}") for item in self.per_widget]
        try:
            refused = [(i, key) for i, key in checks if not await self.limiter.test(i, key)]
            if refused:
                waits = [await self._retry_after(item, key) for item, key in refused]
                return Verdict(False, max(waits))
            for item, key in checks:
                await self.limiter.hit(item, key)
        except (StorageError, OSError, TimeoutError) as exc:
            log.warning(
                "ratelimit.unavailable: letting the request through",
                extra={"error": type(exc).__name__},
            )
            return Verdict(True)
        return Verdict(True)

    async def _retry_after(self, item: RateLimitItem, key: str) -> int:
        stats = await self.limiter.get_window_stats(item, key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def reset(self) -> None:
        """Forget every count (under this limiter's key prefix only, in Redis)."""
        await self.storage.reset()
